"""The production settings stay safe: docker/odoo.conf has no database list, a
database filter, the proxy mode and no master password; the README's production
notes say so; `make run` warns when the master password is the template's."""

import subprocess
import tempfile
from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools.config import configmanager

ROOT = Path(__file__).resolve().parent.parent


def odoo_config(path):
    """``path`` read by Odoo's own configuration reader."""
    config = configmanager()
    config.rcfile = str(path)
    config.load()
    return config


@tagged("post_install", "-at_install")
class TestProductionSettings(TransactionCase):
    def test_docker_configuration(self):
        config = odoo_config(ROOT / "docker" / "odoo.conf")
        self.assertIs(config["list_db"], False)
        self.assertTrue(config["dbfilter"])
        self.assertIs(config["proxy_mode"], True)
        # present (Odoo's default, "admin", applies to a missing line) and empty
        self.assertEqual(config["admin_passwd"], "")
        for password in ("admin", "calendoc-admin", "change-this-master-password"):
            with self.subTest(password=password):
                self.assertFalse(config.verify_admin_password(password))

    def test_readme_production_notes(self):
        for readme in ("README.md", "docker/README.md"):
            text = (ROOT / readme).read_text()
            for setting in (
                "list_db = False",
                "dbfilter",
                "proxy_mode",
                "admin_passwd",
            ):
                with self.subTest(readme=readme, setting=setting):
                    self.assertIn(setting, text)

    def check_master_password(self, conf):
        return subprocess.run(
            [ROOT / "scripts" / "check-master-password.sh", conf],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stderr

    def test_make_run_warns_when_the_master_password_is_the_templates(self):
        template = ROOT / "odoo.conf"
        self.assertEqual(odoo_config(template)["admin_passwd"], "calendoc-admin")
        self.assertIn("WARNING", self.check_master_password(template))
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        changed = Path(folder.name) / "odoo.conf"
        changed.write_text(
            template.read_text().replace(
                "admin_passwd = calendoc-admin", "admin_passwd = $pbkdf2-sha512$x"
            )
        )
        self.assertEqual(self.check_master_password(changed), "")
        # and make run calls it on the configuration Odoo is started with
        recipe = subprocess.run(
            ["make", "-n", "run", "PY=python3"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        self.assertIn('./scripts/check-master-password.sh ".run/odoo.conf"', recipe)
