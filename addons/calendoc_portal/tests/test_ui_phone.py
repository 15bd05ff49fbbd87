from odoo.tests import HttpCase, tagged

from odoo.addons.calendoc_agenda.tests.common import always_open_practice
from odoo.addons.calendoc_agenda.tests.test_sms_rules import provide_credits


@tagged("post_install", "-at_install")
class TestOnlineBookingPhoneUi(HttpCase):
    # a phone's screen (issue 19 tried the pages at 360 x 740)
    browser_size = "360x740"

    def authenticate(self, user, password, browser=None):
        result = super().authenticate(user, password, browser=browser)
        if browser:
            # Chrome keeps its windows at least 500 px wide whatever
            # --window-size says: the phone's screen is emulated through the
            # DevTools protocol, as Chrome's device mode does (the meta
            # viewport is then honoured as on a phone)
            browser._websocket_request(
                "Emulation.setDeviceMetricsOverride",
                params={
                    "width": 360,
                    "height": 740,
                    "deviceScaleFactor": 2,
                    "mobile": True,
                },
            )
        return result

    def test_patient_books_on_a_phone_without_accepting_sms(self):
        env = self.env(context={"tracking_disable": True})
        account, practice, doctor, consult = always_open_practice(
            env,
            {
                "online_booking": True,
                "online_slug": "cabinet-tour",
                "online_terms": "Annulez au moins 24 heures avant le rendez-vous.",
            },
            {"online_bookable": True},
        )
        # the account could pay the SMS: none is sent because he refused it
        provide_credits(env, account)
        sms_credits = account._calendoc_balances()["sms"]
        self.start_tour(
            f"/rdv/cabinet-tour?type_id={consult.id}&week=1",
            "calendoc_online_booking_phone_tour",
        )
        booked = env["calendar.event"].search(
            [("calendoc_practice_id", "=", practice.id)]
        )
        self.assertEqual(len(booked), 1)
        self.assertEqual(booked.calendoc_practitioner_id, doctor)
        self.assertEqual(booked.calendoc_requester_id.name, "CASTAFIORE Bianca")
        self.assertTrue(booked.calendoc_sms_refused)
        self.assertFalse(booked.calendoc_online_sms_consent)
        self.assertEqual(booked.calendoc_online_terms_version, 1)
        self.assertFalse(env["sms.sms"].search([("calendoc_event_id", "=", booked.id)]))
        self.assertEqual(account._calendoc_balances()["sms"], sms_credits)
