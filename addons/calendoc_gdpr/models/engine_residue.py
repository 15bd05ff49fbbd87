"""The residue search: every text column of every table of the database,
searched for a person's name, phone numbers in every written form, email
and birth date, one query per table (the columns OR'ed). Used by the
residue test after an erasure and by the bench."""

import re

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

TEXT_TYPES = ("text", "character varying", "character", "jsonb", "json")


class CalendocGdprErasure(models.Model):
    _inherit = "calendoc.gdpr.erasure"

    @api.model
    def _calendoc_residue_terms(self, names=(), phones=(), emails=(), birthdates=()):
        """The ILIKE patterns for a person: each name, each French phone in
        its national, spaced, dotted, international and bare forms, each
        email, each birth date as ISO and as French date."""
        terms = set()
        for name in names:
            if name:
                terms.add(name)
        for phone in phones:
            digits = re.sub(r"\D", "", phone or "")
            if not digits:
                continue
            national = "0" + digits[2:] if digits.startswith("33") else digits
            bare = "33" + national[1:]
            pairs = [national[i : i + 2] for i in range(0, len(national), 2)]
            terms.update(
                {
                    national,
                    " ".join(pairs),
                    ".".join(pairs),
                    "+" + bare,
                    bare,
                }
            )
        terms.update(e for e in emails if e)
        for date in birthdates:
            if date:
                terms.add(str(date))
                terms.add(date.strftime("%d/%m/%Y"))
        return sorted(terms)

    @api.model
    def _calendoc_residue(self, terms, exempt=()):
        """{"table.column": rows} of the text columns holding any of
        ``terms`` (case-insensitive), over every table of the database but
        ``exempt`` ones. One query per table."""
        if not self.env.su:
            # the whole database is read: a technical tool, not a user's
            raise AccessError(self.env._("The residue search is for the system."))
        if not terms:
            return {}
        patterns = [
            "%" + t.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
            for t in terms
        ]
        cr = self.env.cr
        cr.execute(
            """
            SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.column_name)
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema()
               AND t.table_type = 'BASE TABLE'
               AND c.data_type IN %s
             GROUP BY c.table_name
             ORDER BY c.table_name
            """,
            [TEXT_TYPES],
        )
        found = {}
        for table, columns in cr.fetchall():
            if table in exempt:
                continue
            tests = [
                SQL("%s::text ILIKE ANY(%s)", SQL.identifier(column), patterns)
                for column in columns
            ]
            cr.execute(
                SQL(
                    "SELECT %s FROM %s WHERE %s",
                    SQL(", ").join(
                        SQL("count(*) FILTER (WHERE %s)", test) for test in tests
                    ),
                    SQL.identifier(table),
                    SQL(" OR ").join(tests),
                )
            )
            for column, count in zip(columns, cr.fetchone(), strict=True):
                if count:
                    found[f"{table}.{column}"] = count
        return found
