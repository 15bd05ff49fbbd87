import json
import time

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import always_open_practice

from .common import SECRET, sign


@tagged("post_install", "-at_install")
class TestIncomingCallPopupTour(HttpCase):
    """The popup in the secretary's browser, from a "ringing" event the bridge
    posts to the event API."""

    def setUp(self):
        super().setUp()
        env = self.env(context={"tracking_disable": True})
        env["ir.config_parameter"].set_param("calendoc_voip.secret", SECRET)
        self.account, practice, _doctor, _type = always_open_practice(
            env, {"greeting": "Cabinet Tour, bonjour"}
        )
        env["calendoc.practice.line"].create(
            {"practice_id": practice.id, "number": "02 41 55 66 77"}
        )
        self.secretary = new_test_user(
            env,
            login="tour_voip",
            password="tour_voip-password",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        self.account.calendoc_secretary_ids = [Command.link(self.secretary.id)]
        env["calendoc.duty"].create(
            {
                "user_id": self.secretary.id,
                "practice_ids": [Command.set(practice.ids)],
                "days": "all",
                "hour_from": 0,
                "hour_to": 24,
            }
        )
        self.requester = env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.account.id,
                "calendoc_last_name": "Tournesol",
                "calendoc_first_name": "Tryphon",
                "mobile": "06 11 22 33 44",
            }
        )

    def ring(self, call_id, caller):
        body = json.dumps(
            {
                "event": "ringing",
                "call_id": call_id,
                "time": time.time(),
                "from": caller,
                "to": "+33241556677",
            }
        ).encode()
        response = self.url_open("/calendoc_voip/event", data=body, headers=sign(body))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["action"], "ring")
        return self.env["calendoc.call"].search([("sip_call_id", "=", call_id)])

    def test_a_known_caller_is_booked_from_the_popup(self):
        call = self.ring("tour-known", "06 11 22 33 44")
        self.start_tour("/odoo", "calendoc_voip_known_caller_tour", login="tour_voip")
        self.assertEqual(call.requester_id, self.requester)
        self.assertEqual(call.appointment_id.calendoc_requester_id, self.requester)
        self.assertEqual(call.appointment_id.create_uid, self.secretary)

    def test_an_unknown_number_opens_the_prefilled_requester_form(self):
        call = self.ring("tour-unknown", "0698765432")
        self.assertFalse(call.requester_id)
        self.start_tour("/odoo", "calendoc_voip_unknown_caller_tour", login="tour_voip")
        created = self.env["res.partner"].search(
            [("calendoc_last_name", "ilike", "inconnu")]
        )
        self.assertEqual(len(created), 1)
        self.assertEqual(created.calendoc_mobile_e164, "+33698765432")
        self.assertEqual(created.calendoc_account_id, self.account)
        self.assertEqual(call.requester_id, created)
