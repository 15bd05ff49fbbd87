from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import weekly


@tagged("post_install", "-at_install")
class TestBookingUi(HttpCase):
    def test_secretary_books_from_the_requester_in_the_browser(self):
        env = self.env(context={"tracking_disable": True})
        account = env["res.partner"].create(
            {"name": "Compte Tour", "is_company": True, "is_calendoc_client": True}
        )
        # Open every day, all day: the tour always finds a free slot, whatever
        # the day and hour the suite runs.
        calendar = env["resource.calendar"].create(
            weekly("Toujours", [(0.0, 24.0)], days=range(7))
        )
        practice = env["calendoc.practice"].create(
            {
                "name": "Cabinet Tour",
                "account_id": account.id,
                "greeting": "Cabinet Tour, bonjour",
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
        env["calendoc.appointment.type"].create(
            {
                "name": "Consultation",
                "practice_id": practice.id,
                "min_notice_hours": 0,
                "practitioner_ids": [Command.set(doctor.ids)],
            }
        )
        requester = env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": account.id,
                "calendoc_last_name": "Tournesol",
                "calendoc_first_name": "Tryphon",
                "mobile": "06 11 22 33 44",
            }
        )
        secretary = new_test_user(
            env,
            login="tour_secretary",
            password="tour_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        account.calendoc_secretary_ids = [Command.link(secretary.id)]
        self.start_tour("/odoo", "calendoc_booking_tour", login="tour_secretary")
        booked = env["calendar.event"].search(
            [("calendoc_requester_id", "=", requester.id)]
        )
        self.assertEqual(len(booked), 1)
        self.assertEqual(booked.calendoc_practitioner_id, doctor)
        self.assertEqual(booked.create_uid, secretary)
