"""Regenerate each addon's .pot from the installed test database and merge it into
i18n/fr.po (existing French translations are kept; new strings are added empty,
strings no longer used are dropped).

usage: python3 scripts/i18n.py CONFIG DATABASE [ADDON ...]
"""

import io
import sys
from pathlib import Path

import polib

import odoo
from odoo.tools.translate import trans_export

ADDONS_DIR = Path(__file__).resolve().parent.parent / "addons"


def main():
    config, database, *addons = sys.argv[1:]
    odoo.tools.config.parse_config(["-c", config, "-d", database])
    addons = addons or sorted(
        p.name for p in ADDONS_DIR.iterdir() if (p / "__manifest__.py").exists()
    )
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        for addon in addons:
            buffer = io.BytesIO()
            trans_export(None, [addon], buffer, "po", cr)
            pot_path = ADDONS_DIR / addon / "i18n" / f"{addon}.pot"
            pot_path.parent.mkdir(exist_ok=True)
            pot_path.write_bytes(buffer.getvalue())
            pot = polib.pofile(buffer.getvalue().decode())
            po_path = ADDONS_DIR / addon / "i18n" / "fr.po"
            old = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
            known = {(e.msgctxt, e.msgid): e.msgstr for e in old if not e.obsolete}
            po = polib.POFile()
            po.metadata = dict(pot.metadata)
            po.metadata.update(
                {"Language": "fr", "Plural-Forms": "nplurals=2; plural=(n > 1);"}
            )
            po.header = pot.header
            for entry in pot:
                entry.msgstr = known.get((entry.msgctxt, entry.msgid), "")
                po.append(entry)
            po.save(str(po_path))
            missing = sum(1 for e in po if not e.msgstr)
            print(f"{addon}: {len(po)} strings, {missing} without French")


if __name__ == "__main__":
    main()
