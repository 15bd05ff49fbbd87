import hashlib
import json
import time

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SECRET, VoipCase, sign

URL = "/calendoc_voip/event"
CONTROLLER_LOG = "odoo.addons.calendoc_voip.controllers.main"


@tagged("post_install", "-at_install")
class TestEventApi(VoipCase, HttpCase):
    def post(self, payload, headers=None, body=None):
        body = body if body is not None else json.dumps(payload).encode()
        headers = headers if headers is not None else sign(body)
        return self.url_open(URL, data=body, headers=headers), body, headers

    def calls(self):
        return self.env["calendoc.call"].search([("sip_call_id", "like", "api-")])

    def test_ringing_routes_to_the_on_duty_secretaries_of_the_practice(self):
        response, _body, _headers = self.post(
            self.event("ringing", "api-1", **{"from": "0033612345678"})
        )
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertEqual(answer["action"], "ring")
        # the other secretary is on duty for this practice but does not serve
        # its account; the third one serves it but is off duty
        self.assertEqual(
            answer["targets"],
            [
                {
                    "extension": "201",
                    "contact": "127.0.0.1:5999",
                    "auto_answer": True,
                    "delay": 0,
                }
            ],
        )
        call = self.calls()
        self.assertEqual(call.practice_id, self.practice)
        self.assertEqual(call.requester_id, self.requester)
        self.assertEqual(call.caller_number, "+33612345678")
        self.assertEqual(call.state, "ringing")
        popups = self.bus_messages("calendoc_voip/incoming_call")
        self.assertEqual(
            [partner for partner, _payload in popups], [self.secretary.partner_id.id]
        )
        card = popups[0][1]
        self.assertEqual(card["practice"]["name"], "Cabinet Test")
        self.assertEqual(
            sorted(card["practice"]["practitioners"]),
            ["Dr Alice Test", "Dr Bruno Test"],
        )
        self.assertEqual(card["requesters"][0]["name"], "DUPONT Jeanne")
        # the slots come when the popup asks them, for who serves the calls only
        slots = call.with_user(self.secretary).calendoc_next_slots()
        self.assertTrue(slots)
        self.assertTrue(
            {slot["practitioner"] for slot in slots}
            <= {"Dr Alice Test", "Dr Bruno Test"}
        )
        with self.assertRaises(AccessError):
            call.with_user(self.other_secretary).calendoc_next_slots()

    def test_events_waiting_in_the_bridge_are_recorded_together_each_on_its_own(self):
        """/calendoc_voip/events: several events in one signed request, in
        order; a refused one (unknown line, malformed) leaves the others
        recorded, a replayed one changes nothing."""
        start = time.time() - 60
        events = [
            self.event("ringing", "api-b1", time=start),
            self.event("answered", "api-b1", time=start + 5, extension="201"),
            self.event("ringing", "api-b2", time=start + 1, to="+33999999999"),
            {"event": "ringing", "call_id": "api-b3"},
            self.event("ended", "api-b1", time=start + 65, reason="bye"),
            self.event("ringing", "api-b1", time=start),
        ]
        body = json.dumps({"events": events}).encode()
        with mute_logger(CONTROLLER_LOG):
            response = self.url_open(
                "/calendoc_voip/events", data=body, headers=sign(body)
            )
        self.assertEqual(response.status_code, 200, response.text)
        results = response.json()["results"]
        self.assertEqual(
            [result["status"] for result in results], [200, 200, 404, 400, 200, 200]
        )
        self.assertEqual(results[0]["answer"]["action"], "ring")
        self.assertTrue(results[5]["answer"]["duplicate"])
        call = self.calls()
        self.assertEqual(call.sip_call_id, "api-b1")
        self.assertEqual((call.state, call.outcome), ("done", "answered"))
        self.assertEqual((call.wait_seconds, call.duration), (5, 60))
        self.assertEqual(
            call.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
        )
        # the popup went once, for the one ringing recorded
        self.assertEqual(len(self.bus_messages("calendoc_voip/incoming_call")), 1)

    def test_events_together_are_signed_and_bounded(self):
        events = [self.event("ringing", "api-c1")]
        body = json.dumps({"events": events}).encode()
        with mute_logger(CONTROLLER_LOG):
            unsigned = self.url_open(
                "/calendoc_voip/events",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            too_many = json.dumps(
                {"events": [self.event("ringing", f"api-c{n}") for n in range(51)]}
            ).encode()
            refused = self.url_open(
                "/calendoc_voip/events", data=too_many, headers=sign(too_many)
            )
            empty = json.dumps({"events": []}).encode()
            nothing = self.url_open(
                "/calendoc_voip/events", data=empty, headers=sign(empty)
            )
        self.assertEqual(unsigned.status_code, 401)
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(nothing.status_code, 400)
        self.assertFalse(self.calls())

    def test_a_whole_call_gives_one_log_line_with_its_times(self):
        start = time.time() - 60
        for event, offset, extra in (
            ("ringing", 0, {}),
            ("answered", 12, {"extension": "201"}),
            ("ended", 72, {"reason": "bye"}),
        ):
            response, _body, _headers = self.post(
                self.event(event, "api-2", time=start + offset, **extra)
            )
            self.assertEqual(response.status_code, 200, response.text)
        call = self.calls()
        self.assertEqual(len(call), 1)
        self.assertEqual(call.outcome, "answered")
        self.assertEqual(call.secretary_id, self.secretary)
        self.assertEqual(call.wait_seconds, 12)
        self.assertEqual(call.duration, 60)
        self.assertEqual(
            call.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
        )

    @mute_logger(CONTROLLER_LOG)
    def test_a_replayed_request_is_refused_and_changes_nothing(self):
        first, body, headers = self.post(self.event("ringing", "api-3"))
        self.assertEqual(first.status_code, 200)
        replay, _body, _headers = self.post(None, headers=headers, body=body)
        self.assertEqual(replay.status_code, 409)
        self.assertEqual(replay.json()["error"], "replayed request")
        self.assertEqual(len(self.calls()), 1)
        self.assertEqual(len(self.calls().event_ids), 1)

    def test_an_event_sent_again_is_recorded_once(self):
        payload = self.event("ringing", "api-4")
        first, _body, _headers = self.post(payload)
        again, _body, _headers = self.post(payload)  # new nonce: a retry
        self.assertEqual(again.status_code, 200)
        self.assertTrue(again.json()["duplicate"])
        self.assertEqual(again.json()["targets"], first.json()["targets"])
        self.assertEqual(len(self.calls()), 1)
        self.assertEqual(len(self.calls().event_ids), 1)
        # the popup is not shown twice
        self.assertEqual(len(self.bus_messages("calendoc_voip/incoming_call")), 1)

    @mute_logger(CONTROLLER_LOG)
    def test_unsigned_or_badly_signed_events_are_refused(self):
        payload = self.event("ringing", "api-5")
        body = json.dumps(payload).encode()
        cases = {
            "unsigned": {"Content-Type": "application/json"},
            "wrong secret": sign(body, secret="not-the-secret"),
            "too old": sign(body, now=time.time() - 3600),
        }
        tampered = sign(body)
        cases["tampered body"] = tampered
        for label, headers in cases.items():
            with self.subTest(label):
                sent = (
                    body.replace(b"api-5", b"api-6")
                    if label == "tampered body"
                    else body
                )
                response, _body, _headers = self.post(None, headers=headers, body=sent)
                self.assertEqual(response.status_code, 401)
        self.assertFalse(self.calls())

    @mute_logger(CONTROLLER_LOG)
    def test_malformed_events_are_refused_with_400(self):
        cases = {
            "not json": b"{ringing",
            "no call id": json.dumps(self.event("ringing", call_id="")).encode(),
            "unknown type": json.dumps(self.event("exploded", "api-7")).encode(),
            "no time": json.dumps(self.event("ringing", "api-8", time="soon")).encode(),
            "a list": b"[1, 2]",
        }
        for label, body in cases.items():
            with self.subTest(label):
                response, _body, _headers = self.post(None, body=body)
                self.assertEqual(response.status_code, 400, response.text)
        self.assertFalse(self.calls())

    @mute_logger(CONTROLLER_LOG)
    def test_a_call_to_an_unknown_line_is_refused_with_404(self):
        response, _body, _headers = self.post(
            self.event("ringing", "api-9", to="+33 1 99 00 00 00")
        )
        self.assertEqual(response.status_code, 404)
        self.assertIn("no practice line", response.json()["error"])
        self.assertFalse(self.calls())

    def test_without_secret_nothing_is_accepted(self):
        self.env["ir.config_parameter"].set_param("calendoc_voip.secret", "")
        with mute_logger(CONTROLLER_LOG):
            response, _body, _headers = self.post(self.event("ringing", "api-10"))
        self.assertEqual(response.status_code, 503)
        self.assertFalse(self.calls())
        self.env["ir.config_parameter"].set_param("calendoc_voip.secret", SECRET)

    @mute_logger(CONTROLLER_LOG)
    def test_sip_credentials_are_given_to_the_signed_bridge_only(self):
        self.endpoint.sip_password = "s3cret-201"
        url = "/calendoc_voip/sip_credentials"
        body = json.dumps({"extension": "201", "realm": "calendoc"}).encode()
        unsigned = self.url_open(url, data=body, headers={})
        self.assertEqual(unsigned.status_code, 401)
        self.assertNotIn("ha1", unsigned.text)
        answer = self.url_open(url, data=body, headers=sign(body))
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(
            answer.json()["ha1"],
            hashlib.md5(b"201:calendoc:s3cret-201", usedforsecurity=False).hexdigest(),
        )
        unknown = json.dumps({"extension": "999", "realm": "calendoc"}).encode()
        missing = self.url_open(url, data=unknown, headers=sign(unknown))
        self.assertEqual(missing.status_code, 404)
