from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.calendoc_agenda.tests.common import weekly


@tagged("post_install", "-at_install")
class TestOnlineBookingUi(HttpCase):
    def test_new_patient_books_online_in_the_browser(self):
        env = self.env(context={"tracking_disable": True})
        account = env["res.partner"].create(
            {"name": "Compte Tour", "is_company": True, "is_calendoc_client": True}
        )
        # Open every day, all day: next week always has free slots.
        calendar = env["resource.calendar"].create(
            weekly("Toujours", [(0.0, 24.0)], days=range(7))
        )
        practice = env["calendoc.practice"].create(
            {
                "name": "Cabinet Tour",
                "account_id": account.id,
                "online_booking": True,
                "online_slug": "cabinet-tour",
            }
        )
        doctor = env["calendoc.practitioner"].create(
            {"name": "Dr Tour", "account_id": account.id}
        )
        env["calendoc.schedule"].create(
            {
                "practitioner_id": doctor.id,
                "practice_id": practice.id,
                "calendar_id": calendar.id,
            }
        )
        consult = env["calendoc.appointment.type"].create(
            {
                "name": "Consultation",
                "practice_id": practice.id,
                "min_notice_hours": 0,
                "online_bookable": True,
                "practitioner_ids": [Command.set(doctor.ids)],
            }
        )
        self.start_tour(
            f"/rdv/cabinet-tour?type_id={consult.id}&week=1",
            "calendoc_online_booking_tour",
        )
        booked = env["calendar.event"].search(
            [("calendoc_practice_id", "=", practice.id)]
        )
        self.assertEqual(len(booked), 1)
        self.assertEqual(booked.calendoc_source, "online")
        self.assertEqual(booked.calendoc_practitioner_id, doctor)
        self.assertTrue(booked._calendoc_online_can_change())
        self.assertEqual(booked.calendoc_requester_id.name, "TOURNESOL Tryphon")
        self.assertEqual(
            str(booked.calendoc_requester_id.calendoc_birthdate), "1950-02-03"
        )
