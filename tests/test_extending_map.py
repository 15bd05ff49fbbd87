"""docs/extending.md, the integrators' map, against the code: every hook it
lists exists, every method under a hooks header is listed, every
``_calendoc_*`` method one addon defines and another overrides is listed."""

import ast
import re
from collections import defaultdict
from pathlib import Path

from odoo.tests import TransactionCase, tagged

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"
MAP = ROOT / "docs" / "extending.md"

HEADER = re.compile(r"^\s+# --- (.*?)-*$")
DEF = re.compile(r"^\s+def (_calendoc_\w+)\(")
# A table row of the map: | `hook(args)` | `model` ... or a declaration row.
ROW = re.compile(r"^\| `(_calendoc_[\w<>]+)(\([^`]*\))?` \| (.*)$")


def documented():
    """{name (a pattern for `<provider>` names): (whether it is a method, the
    rest of its row)}."""
    rows = {}
    for line in MAP.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match.group(1)] = (bool(match.group(2)), match.group(3))
    return rows


def matches(name, documented_names):
    for pattern in documented_names:
        regex = "^" + re.sub(r"<\w+>", r"\\w+", pattern) + "$"
        if re.match(regex, name):
            return True
    return False


def model_sources():
    """(addon, path) of every Python file of the addons' models."""
    for path in sorted(ADDONS.glob("*/models/*.py")):
        yield path.parts[-3], path


@tagged("post_install", "-at_install")
class TestExtendingMap(TransactionCase):
    def test_every_listed_hook_exists_on_its_model(self):
        rows = documented()
        methods = {name: rest for name, (method, rest) in rows.items() if method}
        self.assertGreaterEqual(len(methods), 9, "the map's tables were not read")
        for name, rest in methods.items():
            # "any model": a hook of every model (base), checked on one
            model = re.match(r"`([\w.]+)`", rest)
            model = (
                model.group(1)
                if model
                else rest.startswith("any model") and "res.partner"
            )
            with self.subTest(hook=name):
                self.assertTrue(model, f"{name}: no model named in its row")
                if "<" in name:
                    continue
                self.assertIn(model, self.env, name)
                self.assertTrue(
                    hasattr(self.env[model], name),
                    f"docs/extending.md lists {model}.{name}, which does not exist",
                )
        # the patterns name real methods too
        self.assertTrue(hasattr(self.env["sms.sms"], "_calendoc_sms_api_ovh"))
        for declaration in (
            "_calendoc_personal_fields",
            "_calendoc_account_link",
            "_calendoc_document_fields",
            "_calendoc_rule_fields",
            "_calendoc_unchecked_references",
        ):
            self.assertIn(declaration, rows)
            self.assertTrue(hasattr(self.env["res.partner"], declaration))

    def test_every_method_under_a_hooks_header_is_listed(self):
        names = documented()
        found = []
        for _addon, path in model_sources():
            section = ""
            for line in path.read_text(encoding="utf-8").splitlines():
                header = HEADER.match(line)
                if header:
                    section = header.group(1).strip().lower()
                    continue
                definition = DEF.match(line)
                if definition and section.startswith("hook"):
                    found.append((path.name, definition.group(1)))
        self.assertGreaterEqual(len(found), 8, "no hooks header found")
        for filename, name in found:
            with self.subTest(file=filename, method=name):
                self.assertTrue(
                    matches(name, names),
                    f"{filename} puts {name} under a hooks header but "
                    "docs/extending.md does not list it",
                )

    def test_every_method_overridden_across_addons_is_listed(self):
        addons_of = defaultdict(set)
        for addon, path in model_sources():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name.startswith(
                    "_calendoc_"
                ):
                    addons_of[node.name].add(addon)
        crossing = sorted(name for name, addons in addons_of.items() if len(addons) > 1)
        self.assertIn("_calendoc_service_allowed", crossing)
        names = documented()
        for name in crossing:
            with self.subTest(method=name, addons=sorted(addons_of[name])):
                self.assertTrue(
                    matches(name, names),
                    f"{name} is defined in {sorted(addons_of[name])}: a "
                    "cross-addon hook that docs/extending.md does not list",
                )
