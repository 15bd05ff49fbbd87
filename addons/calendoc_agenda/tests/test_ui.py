from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import always_open_practice


@tagged("post_install", "-at_install")
class TestBookingUi(HttpCase):
    def test_secretary_books_from_the_requester_in_the_browser(self):
        env = self.env(context={"tracking_disable": True})
        account, _practice, doctor, _type = always_open_practice(
            env, {"greeting": "Cabinet Tour, bonjour"}
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
