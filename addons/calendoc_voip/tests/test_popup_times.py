from odoo import Command
from odoo.tests import freeze_time, tagged

from .common import VoipCase


@tagged("post_install", "-at_install")
class TestPopupTimes(VoipCase):
    """The popup prints times in the practice's time zone (ARCHITECTURE
    invariant 6), on either side of a daylight-saving change."""

    def popup_slots(self, call_id):
        """The slots the popup of a call ringing now asks, as the secretary
        (in French)."""
        self.env["calendoc.call"]._ingest_event(self.event("ringing", call_id))
        call = self.env["calendoc.call"].search([("sip_call_id", "=", call_id)])
        return (
            call.with_user(self.secretary)
            .with_context(lang="fr_FR")
            .calendoc_next_slots()
        )

    def test_slot_times_are_the_practices_across_a_daylight_saving_change(self):
        # one practitioner: the three first slots are consecutive times
        self.consult.practitioner_ids = [Command.set(self.doctor.ids)]
        # Friday 17:15 in Paris; the clocks change on Sunday; the practice
        # opens again on Monday at 8:30, an hour nearer to UTC in the spring
        # (UTC+2 from UTC+1), an hour further in the autumn (UTC+1 from UTC+2)
        cases = {
            "2026-03-27 16:15:00": [
                ("2026-03-27 16:30:00", "27/03/2026 17:30"),
                ("2026-03-30 06:30:00", "30/03/2026 08:30"),
                ("2026-03-30 07:00:00", "30/03/2026 09:00"),
            ],
            "2026-10-23 15:15:00": [
                ("2026-10-23 15:30:00", "23/10/2026 17:30"),
                ("2026-10-26 07:30:00", "26/10/2026 08:30"),
                ("2026-10-26 08:00:00", "26/10/2026 09:00"),
            ],
        }
        for n, (now, expected) in enumerate(cases.items()):
            with self.subTest(now=now), freeze_time(now):
                slots = self.popup_slots(f"dst-{n}")
                self.assertEqual(
                    [(slot["start"], slot["when"]) for slot in slots], expected
                )
                self.assertEqual(
                    {slot["practitioner"] for slot in slots}, {"Dr Alice Test"}
                )
