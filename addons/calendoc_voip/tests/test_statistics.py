import time

from odoo.tests import tagged

from .common import VoipCase


@tagged("post_install", "-at_install")
class TestCallStatistics(VoipCase):
    def test_figures_per_practice_and_secretary(self):
        Call = self.env["calendoc.call"]
        start = time.time() - 3600
        # answered after 10 s and 20 s, one abandoned after 30 s, one still ringing
        for key, answer_after, end_after in (
            ("st-1", 10, 100),
            ("st-2", 20, 200),
            ("st-3", None, 30),
        ):
            Call._ingest_event(self.event("ringing", key, time=start))
            if answer_after:
                Call._ingest_event(
                    self.event(
                        "answered", key, time=start + answer_after, extension="201"
                    )
                )
            Call._ingest_event(self.event("ended", key, time=start + end_after))
        Call._ingest_event(self.event("ringing", "st-4", time=start))
        Call.search([("sip_call_id", "=", "st-1")]).appointment_id = self.book(
            self.utc(2031, 3, 4, 9, 0)
        )
        ours = [("account_id", "in", (self.account | self.other_account).ids)]
        by_practice = Call._statistics("practice_id", ours)
        self.assertEqual(
            by_practice,
            [
                {
                    "group": self.practice,
                    "calls": 3,
                    "answered": 2,
                    "answered_rate": 66.7,
                    "average_wait": 15.0,
                    "bookings_per_call": 0.333,
                }
            ],
        )
        by_secretary = {
            row["group"]: row for row in Call._statistics("secretary_id", ours)
        }
        self.assertEqual(by_secretary[self.secretary]["calls"], 2)
        self.assertEqual(by_secretary[self.secretary]["answered_rate"], 100.0)
        # the secretary's view is limited to what she may read
        mine = Call.with_user(self.other_secretary)._statistics("practice_id", ours)
        self.assertEqual(mine, [])
