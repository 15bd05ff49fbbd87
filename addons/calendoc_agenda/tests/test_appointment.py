from datetime import datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import CalendocCase

MONDAY = datetime(2026, 3, 23)


@tagged("post_install", "-at_install")
@freeze_time("2026-03-23 05:00:00")
class TestAppointment(CalendocCase):
    def test_booking_fills_in_practice_end_name_and_attendees(self):
        event = self.book(MONDAY.replace(hour=8))
        self.assertEqual(event.calendoc_practice_id, self.practice)
        self.assertEqual(event.calendoc_account_id, self.account)
        self.assertEqual(event.stop, MONDAY.replace(hour=8, minute=30))
        self.assertEqual(event.name, "Consultation")
        self.assertEqual(event.display_name, "Consultation — DUPONT Jeanne")
        self.assertEqual(event.partner_ids, self.requester)
        self.assertEqual(event.privacy, "public")
        self.assertEqual(event.calendoc_state, "booked")
        self.assertFalse(event.calendoc_hours_warning)
        self.assertIn(event, self.requester.calendoc_appointment_ids)
        self.assertEqual(self.requester.calendoc_upcoming_count, 1)

    def test_overlapping_booking_is_refused_and_changes_nothing(self):
        self.book(MONDAY.replace(hour=8))
        with self.assertRaisesRegex(ValidationError, "already has an appointment"):
            self.book(MONDAY.replace(hour=8, minute=15))
        self.assertEqual(
            self.env["calendar.event"].search_count(
                [("calendoc_practitioner_id", "=", self.doctor.id)]
            ),
            1,
        )
        # The other practitioner is free at that time.
        self.book(MONDAY.replace(hour=8, minute=15), practitioner=self.doctor2)

    def test_database_refuses_an_overlap_the_application_did_not_see(self):
        event = self.book(MONDAY.replace(hour=8))
        # Bypass the application check: the exclusion constraint still refuses.
        with self.assertRaisesRegex(ValidationError, "just taken"):
            with self.env["calendar.event"]._calendoc_overlap_guard():
                self.env.cr.execute(
                    """
                    INSERT INTO calendar_event (name, start, stop, calendoc_practitioner_id,
                                                calendoc_state, active, privacy, show_as)
                    VALUES ('x', %s, %s, %s, 'booked', true, 'public', 'busy')
                    """,
                    (
                        MONDAY.replace(hour=8, minute=10),
                        MONDAY.replace(hour=8, minute=40),
                        self.doctor.id,
                    ),
                )
        self.assertTrue(event.exists())

    def test_moving_onto_a_taken_slot_is_refused(self):
        self.book(MONDAY.replace(hour=8))
        other = self.book(MONDAY.replace(hour=9))
        with self.assertRaises(ValidationError):
            other.write(
                {
                    "start": MONDAY.replace(hour=8),
                    "stop": MONDAY.replace(hour=8, minute=30),
                }
            )
        self.assertEqual(other.start, MONDAY.replace(hour=9))
        other.write(
            {
                "start": MONDAY.replace(hour=10),
                "stop": MONDAY.replace(hour=10, minute=30),
            }
        )
        self.assertEqual(other.start, MONDAY.replace(hour=10))

    def test_workflow(self):
        event = self.book(MONDAY.replace(hour=8))
        event.action_calendoc_confirm()
        self.assertEqual(event.calendoc_state, "confirmed")
        event.action_calendoc_arrived()
        event.action_calendoc_done()
        self.assertEqual(event.calendoc_state, "done")
        with self.assertRaisesRegex(UserError, "cannot become"):
            event.calendoc_cancel("too late")
        no_show = self.book(MONDAY.replace(hour=9))
        no_show.action_calendoc_no_show()
        with self.assertRaises(UserError):
            no_show.action_calendoc_arrived()
        self.assertEqual(no_show.calendoc_state, "no_show")

    def test_cancellation_needs_a_reason_and_records_who(self):
        event = self.book(MONDAY.replace(hour=8))
        with self.assertRaisesRegex(UserError, "why"):
            event.calendoc_cancel("  ")
        self.assertEqual(event.calendoc_state, "booked")
        wizard = self.env["calendoc.cancel.wizard"].create(
            {"event_ids": [(6, 0, event.ids)], "reason": "Le patient a appelé"}
        )
        wizard.action_cancel()
        self.assertEqual(event.calendoc_state, "cancelled")
        self.assertEqual(event.calendoc_cancel_reason, "Le patient a appelé")
        self.assertEqual(event.calendoc_cancelled_by_id, self.env.user)
        # The slot can be booked again at once.
        self.book(MONDAY.replace(hour=8))

    def test_bad_input_is_refused_with_a_clear_message(self):
        with self.assertRaisesRegex(ValidationError, "end after it starts"):
            self.book(MONDAY.replace(hour=9), stop=MONDAY.replace(hour=8))
        self.doctor2.active = False
        with self.assertRaisesRegex(ValidationError, "archived"):
            self.book(MONDAY.replace(hour=9), practitioner=self.doctor2)
        stranger = self.env["calendoc.practitioner"].create(
            {"name": "Dr Ailleurs", "account_id": self.account.id}
        )
        with self.assertRaisesRegex(ValidationError, "does not consult"):
            self.env["calendar.event"].create(
                {
                    "calendoc_practitioner_id": stranger.id,
                    "calendoc_practice_id": self.practice.id,
                    "start": MONDAY.replace(hour=9),
                    "stop": MONDAY.replace(hour=9, minute=30),
                }
            )
        with self.assertRaisesRegex(ValidationError, "time zone"):
            self.practice.tz = "Mars/Olympus"
        self.assertEqual(self.practice.tz, "Europe/Paris")
        self.assertFalse(
            self.env["calendar.event"].search(
                [("calendoc_practice_id", "=", self.practice.id)]
            )
        )

    def test_outside_hours_is_allowed_with_a_warning(self):
        event = self.book(MONDAY.replace(hour=11, minute=30))  # 12:30 in Paris: lunch
        self.assertIn("Outside", event.calendoc_hours_warning)

    def test_slot_finder_books_in_one_click(self):
        finder = self.env["calendoc.slot.finder"].create(
            {
                "requester_id": self.requester.id,
                "practice_id": self.practice.id,
                "type_id": self.consult.id,
                "date_from": MONDAY,
            }
        )
        finder.action_search()
        self.assertTrue(finder.line_ids)
        first = finder.line_ids[0]
        self.assertEqual(first.start, MONDAY.replace(hour=7, minute=30))
        # read in the practice's time zone, whatever the user's (a secretary
        # working from Montréal reads Paris hours)
        self.env.user.tz = "America/Montreal"
        self.env["res.lang"]._activate_lang("fr_FR")
        first.invalidate_recordset(["day_label", "time_label"])
        self.assertEqual(
            first.with_context(lang="fr_FR").day_label, "Lundi 23 mars 2026"
        )
        self.assertEqual(first.time_label, "08:30 – 09:00")
        action = first.action_book()
        event = self.env["calendar.event"].browse(action["res_id"])
        self.assertEqual(event.start, first.start)
        self.assertEqual(event.calendoc_requester_id, self.requester)
        finder.action_search()
        self.assertNotIn(
            (event.start, event.calendoc_practitioner_id.id),
            [(line.start, line.practitioner_id.id) for line in finder.line_ids],
        )
