"""Telephony set-up on top of calendoc_agenda's: a practice line, the secretary's
phone and duty, a second secretary on duty for another account only, one off
duty, and the shared secret of the bridge."""

import json
import time

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.calendoc_agenda.tests.common import CalendocCase

from ..bridge.signing import signed_headers

SECRET = "test-secret-0123456789"


class VoipCase(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["ir.config_parameter"].set_param("calendoc_voip.secret", SECRET)
        cls.line = env["calendoc.practice.line"].create(
            {"practice_id": cls.practice.id, "number": "02 41 11 22 33"}
        )
        cls.other_practice = env["calendoc.practice"].create(
            {"name": "Cabinet Ailleurs", "account_id": cls.other_account.id}
        )
        cls.other_line = env["calendoc.practice.line"].create(
            {"practice_id": cls.other_practice.id, "number": "+33 2 47 00 11 22"}
        )
        secretary_group = "calendoc_agenda.group_calendoc_secretary"
        cls.other_secretary = new_test_user(
            env,
            "voip_other",
            password="voip_other-password",
            groups=secretary_group,
            name="Secrétaire Ailleurs",
        )
        cls.other_account.calendoc_secretary_ids = [
            Command.link(cls.other_secretary.id)
        ]
        cls.off_duty = new_test_user(
            env,
            "voip_off",
            password="voip_off-password",
            groups=secretary_group,
            name="Secrétaire Repos",
        )
        cls.account.calendoc_secretary_ids = [Command.link(cls.off_duty.id)]
        cls.endpoint = env["calendoc.sip.endpoint"].create(
            {
                "user_id": cls.secretary.id,
                "extension": "201",
                "contact_uri": "127.0.0.1:5999",
            }
        )
        env["calendoc.sip.endpoint"].create(
            [
                {
                    "user_id": cls.other_secretary.id,
                    "extension": "202",
                    "contact_uri": "127.0.0.1:5998",
                },
                {
                    "user_id": cls.off_duty.id,
                    "extension": "203",
                    "contact_uri": "127.0.0.1:5997",
                },
            ]
        )
        Duty = env["calendoc.duty"]
        everyday = {"days": "all", "hour_from": 0.0, "hour_to": 24.0}
        Duty.create(
            [
                # the other secretary is on duty for both practices, but may
                # reach only her own account's calls
                dict(
                    everyday,
                    user_id=cls.secretary.id,
                    practice_ids=[Command.set(cls.practice.ids)],
                ),
                dict(
                    everyday,
                    user_id=cls.other_secretary.id,
                    practice_ids=[Command.set((cls.practice | cls.other_practice).ids)],
                ),
            ]
        )

    def setUp(self):
        super().setUp()
        self.env["bus.bus"].flush_model()
        self.env.cr.execute("SELECT COALESCE(max(id), 0) FROM bus_bus")
        self.bus_start = self.env.cr.fetchone()[0]

    def wait_for_call(self, domain, state="done", timeout=15):
        """The call once the bridge's events reached Odoo (they are posted
        asynchronously, after SIP)."""
        deadline = time.monotonic() + timeout
        # not the demo's call log (calendoc_voip/demo)
        domain = [*domain, "!", ("sip_call_id", "=like", "demo-%")]
        while True:
            with self.registry.test_lock:
                self.env.invalidate_all()
                call = self.env["calendoc.call"].search(domain)
                if call and call.state == state:
                    return call
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no call {domain} in state {state} (found {call.mapped('state')})"
                    f"\nbridge log:\n{self.bridge.log()}"
                )
            time.sleep(0.2)

    def event(self, event, call_id="call-1@trunk", **values):
        payload = {
            "event": event,
            "call_id": call_id,
            "time": time.time(),
            "from": "06 12 34 56 78",
            "to": "+33241112233",
        }
        payload.update(values)
        return payload

    def bus_messages(self, kind):
        """(partner id, payload) of the bus notifications of ``kind``."""
        self.env.cr.flush()
        notifications = self.env["bus.bus"].sudo().search([("id", ">", self.bus_start)])
        found = []
        for notification in notifications:
            message = json.loads(notification.message)
            if message.get("type") != kind:
                continue
            channel = json.loads(notification.channel)
            found.append((channel[2], message["payload"]))
        return found


def sign(body, secret=SECRET, now=None):
    return signed_headers(secret, body, now)
