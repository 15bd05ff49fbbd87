from odoo.tests import HttpCase, tagged

from odoo.addons.calendoc_agenda.tests.common import always_open_practice


@tagged("post_install", "-at_install")
class TestOnlineBookingUi(HttpCase):
    def test_new_patient_books_online_in_the_browser(self):
        env = self.env(context={"tracking_disable": True})
        _account, practice, doctor, consult = always_open_practice(
            env,
            {"online_booking": True, "online_slug": "cabinet-tour"},
            {"online_bookable": True},
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
