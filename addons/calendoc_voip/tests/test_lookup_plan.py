from odoo.tests import tagged
from odoo.tools import SQL

from .common import VoipCase


@tagged("post_install", "-at_install")
class TestCallerLookupPlan(VoipCase):
    def test_caller_lookup_is_an_index_scan(self):
        # enough requesters for the planner to weigh a sequential scan
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO res_partner (name, active, type, is_calendoc_requester,
                       calendoc_account_id, calendoc_mobile_e164, autopost_bills)
                SELECT 'PLAN ' || n, TRUE, 'contact', TRUE, %s,
                       '+3367' || lpad(n::text, 7, '0'), 'ask'
                  FROM generate_series(1, 20000) n
                """,
                self.account.id,
            )
        )
        self.env.cr.execute("ANALYZE res_partner")
        Partner = self.env["res.partner"].sudo()
        query = Partner._search(
            [
                ("is_calendoc_requester", "=", True),
                "|",
                ("calendoc_phone_e164", "=", "+33670001234"),
                ("calendoc_mobile_e164", "=", "+33670001234"),
                ("calendoc_account_id", "=", self.account.id),
            ]
        )
        # The planner's choice on a small test table varies with what ran
        # before (a sequential scan of a few hundred pages can win); with
        # sequential scans priced out, a Seq Scan in the plan means that no
        # index can serve the lookup, which is what this test guards.
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        try:
            self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        finally:
            self.env.cr.execute("SET LOCAL enable_seqscan = on")
        self.assertNotIn("Seq Scan on res_partner", plan)
        self.assertIn("Index", plan)
        self.assertEqual(
            Partner._calendoc_search_by_phone("06 70 00 12 34", self.account).name,
            "PLAN 1234",
        )
