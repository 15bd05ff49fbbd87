"""What crosses the five addons: they are all installed, each ships what an Odoo
integrator expects (manifest, icon, readme, translations), and the translations
cover every string the addons show."""

import ast
import io
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

ADDONS_DIR = Path(__file__).resolve().parent.parent / "addons"
ADDONS = sorted(
    p.name for p in ADDONS_DIR.iterdir() if (p / "__manifest__.py").exists()
)


@tagged("post_install", "-at_install")
class TestSuite(TransactionCase):
    def test_the_five_addons_are_installed(self):
        self.assertEqual(
            ADDONS,
            [
                "calendoc_agenda",
                "calendoc_gdpr",
                "calendoc_google",
                "calendoc_packs",
                "calendoc_portal",
                "calendoc_voip",
            ],
        )
        states = dict(
            self.env["ir.module.module"]
            .search([("name", "in", ADDONS)])
            .mapped(lambda m: (m.name, m.state))
        )
        self.assertEqual(states, dict.fromkeys(ADDONS, "installed"))

    def test_each_addon_ships_what_integrators_expect(self):
        for addon in ADDONS:
            path = ADDONS_DIR / addon
            with self.subTest(addon=addon):
                manifest = ast.literal_eval((path / "__manifest__.py").read_text())
                # OCA's scheme: Odoo's series, then the addon's x.y.z (a new
                # model or field bumps y)
                self.assertRegex(manifest["version"], r"^18\.0\.\d+\.\d+\.\d+$")
                self.assertEqual(manifest["license"], "LGPL-3")
                for name in (
                    "pyproject.toml",
                    "static/description/icon.png",
                    "readme/DESCRIPTION.md",
                    "readme/USAGE.md",
                    "readme/CONTRIBUTORS.md",
                    "i18n/fr.po",
                    f"i18n/{addon}.pot",
                ):
                    self.assertTrue((path / name).is_file(), f"{addon}/{name}")

    def test_every_addon_has_a_menu_under_calendoc(self):
        root = self.env.ref("calendoc_agenda.calendoc_root_menu")
        children = self.env["ir.ui.menu"].search([("id", "child_of", root.id)])
        owners = {
            xmlid.split(".")[0]
            for xmlid in children.get_external_id().values()
            if xmlid
        }
        self.assertEqual(owners, set(ADDONS))

    def test_french_translation_is_complete_and_pot_up_to_date(self):
        for addon in ADDONS:
            with self.subTest(addon=addon):
                buffer = io.BytesIO()
                trans_export(None, [addon], buffer, "po", self.env.cr)
                exported = {
                    entry.msgid for entry in polib.pofile(buffer.getvalue().decode())
                }
                shipped_pot = {
                    entry.msgid
                    for entry in polib.pofile(
                        str(ADDONS_DIR / addon / "i18n" / f"{addon}.pot")
                    )
                }
                self.assertEqual(
                    exported - shipped_pot,
                    set(),
                    f"{addon}.pot is out of date: regenerate it",
                )
                french = polib.pofile(str(ADDONS_DIR / addon / "i18n" / "fr.po"))
                translated = {
                    entry.msgid
                    for entry in french
                    if entry.msgstr and not entry.obsolete
                }
                self.assertEqual(
                    exported - translated,
                    set(),
                    f"{addon}/i18n/fr.po lacks these French translations",
                )
