"""The bridge driving Asterisk through ARI, end to end on loopback: the bridge
as its own process (started with --pbx, its configuration asked to Odoo), a
local ARI stand-in speaking Asterisk's wire format, Odoo's HTTP server."""

import json
import time

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .ari_standin import WAV, AriBridgeProcess, AriStandIn, port_for_tests
from .common import SECRET, VoipCase, sign

LINE = "+33241112233"
PASSWORD = "ari-s3cret-pw"


class AriCase(VoipCase, HttpCase):
    """A PBX connection to the ARI stand-in and the bridge running for it."""

    def setUp(self):
        super().setUp()
        self.ari = AriStandIn(port_for_tests(), password=PASSWORD)
        self.ari.start()
        self.addCleanup(self.ari.stop)
        self.pbx = self.env["calendoc.pbx"].create(
            {
                "name": "Asterisk test",
                "kind": "asterisk_ari",
                "ari_url": self.ari.url,
                "ari_app": "calendoc",
                "ari_user": "calendoc",
                "ari_password": PASSWORD,
            }
        )
        self.env.cr.flush()

    def start_bridge(self, pbx=None, wait_connected=True):
        bridge = AriBridgeProcess(self.base_url(), SECRET, pbx or self.pbx.name)
        self.addCleanup(bridge.cleanup)
        bridge.start()
        if wait_connected:
            self.ari.wait_for(lambda: self.ari.sockets, "the bridge's WebSocket")
            # the bridge reports the connection to Odoo: from here on, the test
            # touches the shared test cursor under the test lock only
            self.wait_for_status("connected", bridge)
        return bridge

    def wait_for_status(self, status, bridge, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            with self.registry.test_lock:
                self.pbx.invalidate_recordset()
                if self.pbx.status == status:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"the PBX is not {status}:\n{bridge.log()}")
            time.sleep(0.1)

    def endpoints_rung(self):
        return sorted(endpoint for endpoint, _query, _vars in self.ari.originated)


@tagged("post_install", "-at_install")
class TestAriBridge(AriCase):
    def setUp(self):
        super().setUp()
        self.bridge = self.start_bridge()

    def test_an_incoming_call_rings_the_phones_on_duty_and_bridges_the_first(self):
        # a second secretary of the account on duty: both phones ring
        with self.registry.test_lock:
            self.env["calendoc.duty"].create(
                {
                    "user_id": self.off_duty.id,
                    "practice_ids": [(6, 0, self.practice.ids)],
                    "days": "all",
                    "hour_from": 0,
                    "hour_to": 24,
                }
            )
            self.env.cr.flush()
        caller = self.ari.incoming(LINE, "0612345678", name="Patient")
        self.ari.wait_for(lambda: len(self.ari.originated) == 2, "two phones rung")
        # 202 is on duty too, but may not reach this account's calls
        self.assertEqual(self.endpoints_rung(), ["PJSIP/201", "PJSIP/203"])
        for _endpoint, query, variables in self.ari.originated:
            self.assertEqual(query["app"], "calendoc")
            self.assertEqual(query["callerId"], "0612345678")
            self.assertIn("answer-after=0", variables["PJSIP_HEADER(add,Call-Info)"])
        ringing = self.wait_for_call([("sip_call_id", "=", caller)], "ringing")
        self.assertEqual(ringing.requester_id, self.requester)
        phone = self.ari.answer("PJSIP/201")
        self.ari.wait_for(
            lambda: any(set(c) == {caller, phone} for c in self.ari.bridges.values()),
            "the caller and the phone bridged",
        )
        self.assertIn(caller, self.ari.answered)
        self.assertEqual(len(self.ari.bridges), 1)
        self.assertEqual(self.ari.channels_to("PJSIP/203"), [])  # hung up
        self.wait_for_call([("sip_call_id", "=", caller)], "in_progress")
        time.sleep(1)
        self.ari.hang_up(caller)
        call = self.wait_for_call([("sip_call_id", "=", caller)])
        self.ari.wait_for(lambda: phone not in self.ari.channels, "the phone hung up")
        self.assertEqual(call.called_number, LINE)
        self.assertEqual(call.requester_id, self.requester)
        self.assertEqual(call.secretary_id, self.secretary)
        self.assertEqual(call.outcome, "answered")
        self.assertTrue(call.answer_date and call.end_date)
        self.assertGreaterEqual(call.duration, 1)
        self.assertEqual(
            call.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
        )
        with self.registry.test_lock:
            popups = {
                p for p, _payload in self.bus_messages("calendoc_voip/incoming_call")
            }
        self.assertEqual(
            popups, {self.secretary.partner_id.id, self.off_duty.partner_id.id}
        )
        # the account does not allow recording: nothing played nor recorded
        self.assertEqual((self.ari.played, self.ari.recordings), ([], {}))
        # the stand-in's WebSocket checks: masked frames, pong to its pings
        self.assertEqual(self.ari.unmasked, 0)
        self.assertGreater(self.ari.pongs, 0)
        self.assertNotIn(PASSWORD, self.bridge.log())

    def test_a_call_is_recorded_only_after_the_consent_announcement(self):
        with self.registry.test_lock:
            self.account.calendoc_call_recording = True
            self.env.cr.flush()
        caller = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: self.ari.originated, "the phone rung")
        self.ari.answer("PJSIP/201")
        self.ari.wait_for(lambda: self.ari.recordings, "the recording started")
        [(bridge, media, _playback)] = self.ari.played
        self.assertEqual(media, "sound:calendoc-recording-consent")
        # both parties are in the bridge, hear the announcement, then the
        # bridge is recorded
        steps = [
            (what, target)
            for _when, what, target in self.ari.timeline
            if what in ("bridged", "played", "announced", "recording")
        ]
        self.assertEqual(
            steps,
            [
                ("bridged", bridge),
                ("played", bridge),
                ("announced", bridge),
                ("recording", bridge),
            ],
        )
        self.wait_for_call([("sip_call_id", "=", caller)], "in_progress")
        self.ari.hang_up(caller)
        # the audio is in Odoo, attached to the call, and gone from Asterisk
        call = self.wait_for_call(
            [("sip_call_id", "=", caller), ("recording_id", "!=", False)]
        )
        self.assertEqual(call.recording_id.raw, WAV)
        self.assertEqual(call.recording_id.mimetype, "audio/wav")
        self.assertEqual(
            call.event_ids.mapped("kind"), ["ringing", "answered", "ended", "recorded"]
        )
        self.ari.wait_for(
            lambda: list(self.ari.recordings) == [] and self.ari.deleted_recordings,
            "the recording deleted from Asterisk",
        )

    def test_overflow_rings_the_next_secretary_who_takes_the_call(self):
        with self.registry.test_lock:
            self.env["ir.config_parameter"].set_param(
                "calendoc_voip.overflow_seconds", 1
            )
            self.env["calendoc.duty"].create(
                {
                    "user_id": self.off_duty.id,
                    "practice_ids": [(6, 0, self.practice.ids)],
                    "days": "all",
                    "hour_from": 0,
                    "hour_to": 24,
                    "overflow": True,
                }
            )
            self.env.cr.flush()
        caller = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: self.ari.originated, "the first phone rung")
        self.assertEqual(self.endpoints_rung(), ["PJSIP/201"])
        self.ari.wait_for(lambda: len(self.ari.originated) == 2, "the overflow")
        self.assertEqual(self.endpoints_rung(), ["PJSIP/201", "PJSIP/203"])
        first = self.ari.channels_to("PJSIP/201")[0]
        self.ari.answer("PJSIP/203")
        self.ari.wait_for(lambda: first not in self.ari.channels, "201 hung up")
        self.wait_for_call([("sip_call_id", "=", caller)], "in_progress")
        self.ari.hang_up(caller)
        call = self.wait_for_call([("sip_call_id", "=", caller)])
        self.assertEqual(call.secretary_id, self.off_duty)
        self.assertGreaterEqual(call.wait_seconds, 1)
        self.assertIn("overflow to 203", self.bridge.log())

    @mute_logger("odoo.addons.calendoc_voip.controllers.main")
    def test_an_unknown_line_is_hung_up_and_nothing_recorded(self):
        caller = self.ari.incoming("+33199000000", "0612345678")
        self.ari.wait_for(lambda: caller not in self.ari.channels, "the hang-up")
        self.assertEqual(self.ari.hangups, [(caller, "unallocated")])
        self.assertEqual(self.ari.originated, [])
        self.assertIn("no such practice line, hung up", self.bridge.log())
        with self.registry.test_lock:
            self.assertFalse(
                self.env["calendoc.call"].search([("sip_call_id", "=", caller)])
            )
        with self.registry.test_lock:
            self.assertFalse(self.bus_messages("calendoc_voip/incoming_call"))

    def test_nobody_answering_hangs_up_the_caller_as_a_missed_call(self):
        caller = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: self.ari.originated, "the phone rung")
        # the phone rejects the call (busy): nobody else rings
        phone = self.ari.channels_to("PJSIP/201")[0]
        self.ari.hang_up(phone, cause=17)
        call = self.wait_for_call([("sip_call_id", "=", caller)])
        self.assertEqual(call.outcome, "missed")
        self.assertIn((caller, "no_answer"), self.ari.hangups)

    def test_phones_ringing_unanswered_hang_up_after_the_ring_time(self):
        with self.registry.test_lock:
            self.env["ir.config_parameter"].set_param("calendoc_voip.ring_seconds", 1)
            self.env.cr.flush()
        caller = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: self.ari.originated, "the phone rung")
        phone = self.ari.channels_to("PJSIP/201")[0]
        # nobody picks up: after a second the caller and the phone are hung up
        self.ari.wait_for(
            lambda: caller not in self.ari.channels and phone not in self.ari.channels,
            "the hang-ups",
        )
        self.assertIn((caller, "no_answer"), self.ari.hangups)
        call = self.wait_for_call([("sip_call_id", "=", caller)])
        self.assertEqual(call.outcome, "missed")
        self.assertFalse(call.secretary_id)
        self.assertGreaterEqual(call.wait_seconds, 1)
        self.assertIn("nobody answered in time", self.bridge.log())

    @mute_logger("odoo.addons.calendoc_voip.controllers.main")
    def test_replayed_or_malformed_events_ring_nobody_twice(self):
        caller = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: self.ari.originated, "the phone rung")
        self.wait_for_call([("sip_call_id", "=", caller)], "ringing")
        self.ari.replay(caller)
        self.ari.answer("PJSIP/201")
        self.wait_for_call([("sip_call_id", "=", caller)], "in_progress")
        self.ari.hang_up(caller)
        call = self.wait_for_call([("sip_call_id", "=", caller)])
        self.ari._do(
            self.ari._emit,
            {
                "type": "StasisStart",
                "args": [],
                "channel": {
                    "id": caller,
                    "name": "PJSIP/trunk-1",
                    "state": "Ring",
                    "caller": {"name": "", "number": "0612345678"},
                    "dialplan": {"context": "from-trunk", "exten": LINE, "priority": 2},
                },
            },
        )
        # malformed events are dropped, the bridge goes on
        self.ari.send_raw("not JSON")
        self.ari.send_raw(json.dumps({"type": "StasisStart", "channel": {"id": [1]}}))
        # an event after the replay, through the same WebSocket, in order
        other = self.ari.incoming("+33199000000", "0600000000")
        self.ari.wait_for(lambda: other not in self.ari.channels, "the next call")
        self.assertEqual(self.endpoints_rung(), ["PJSIP/201"])
        with self.registry.test_lock:
            call.invalidate_recordset()
            self.assertEqual(
                call.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
            )
        self.assertIn("StasisStart replayed, ignored", self.bridge.log())
        self.assertEqual(self.bridge.log().count("dropped a malformed ARI event"), 2)
        self.assertEqual(self.bridge.health()["malformed"], 2)

    def test_a_dropped_websocket_is_reconnected_and_calls_reconciled(self):
        first = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: self.ari.originated, "the phone rung")
        first_phone = self.ari.answer("PJSIP/201")
        self.wait_for_call([("sip_call_id", "=", first)], "in_progress")
        self.ari.drop_websockets(refuse=True)
        # while the bridge does not listen, the caller hangs up: no event
        deadline = time.monotonic() + 10
        while "ARI WebSocket dropped" not in self.bridge.log():
            self.assertLess(time.monotonic(), deadline, self.bridge.log())
            time.sleep(0.05)
        self.ari.hang_up_silently(first)
        while "refused or unreachable" not in self.bridge.log():
            self.assertLess(time.monotonic(), deadline, self.bridge.log())
            time.sleep(0.05)
        self.ari.refuse_websocket = False
        call = self.wait_for_call([("sip_call_id", "=", first)])
        # the phone left alone is hung up, the end recorded once
        self.ari.wait_for(lambda: first_phone not in self.ari.channels, "hang-up")
        self.assertEqual(call.outcome, "answered")
        self.assertEqual(
            call.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
        )
        self.assertIn("ended while the ARI link was down", self.bridge.log())
        self.assertGreaterEqual(self.bridge.health()["ari_connections"], 2)
        # the link works again: the next call is recorded as well
        second = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: len(self.ari.originated) == 2, "the phone rung")
        self.ari.answer("PJSIP/201")
        self.wait_for_call([("sip_call_id", "=", second)], "in_progress")
        self.ari.hang_up(second)
        self.wait_for_call([("sip_call_id", "=", second)])
        with self.registry.test_lock:
            calls = self.env["calendoc.call"].search([("called_number", "=", LINE)])
            self.assertEqual(
                sorted(calls.mapped("sip_call_id")), sorted([first, second])
            )
            self.assertEqual(len(calls.event_ids), 6)

    def test_a_phone_answering_while_the_websocket_is_down_is_connected(self):
        caller = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: self.ari.originated, "the phone rung")
        self.wait_for_call([("sip_call_id", "=", caller)], "ringing")
        self.ari.drop_websockets(refuse=True)
        deadline = time.monotonic() + 10
        while "refused or unreachable" not in self.bridge.log():
            self.assertLess(time.monotonic(), deadline, self.bridge.log())
            time.sleep(0.05)
        phone = self.ari.answer("PJSIP/201")  # nobody hears of it
        self.ari.refuse_websocket = False
        self.ari.wait_for(
            lambda: any(set(c) == {caller, phone} for c in self.ari.bridges.values()),
            "the caller and the phone bridged after the reconnection",
        )
        call = self.wait_for_call([("sip_call_id", "=", caller)], "in_progress")
        self.assertEqual(call.secretary_id, self.secretary)

    def test_a_bridge_restart_takes_back_the_calls_in_progress(self):
        kept = self.ari.incoming(LINE, "0612345678")
        self.ari.wait_for(lambda: self.ari.originated, "the phone rung")
        self.ari.answer("PJSIP/201")
        self.wait_for_call([("sip_call_id", "=", kept)], "in_progress")
        lost = self.ari.incoming(LINE, "0698765432")
        self.ari.wait_for(lambda: len(self.ari.originated) == 2, "the phone rung")
        lost_phone = self.ari.answer("PJSIP/201")
        self.wait_for_call([("sip_call_id", "=", lost)], "in_progress")
        self.bridge.kill()
        # while the bridge is down, one caller hangs up (nobody hears of it)
        self.ari.wait_for(lambda: not self.ari.sockets, "the WebSocket closed")
        self.ari.hang_up_silently(lost)
        self.bridge.start()
        call = self.wait_for_call([("sip_call_id", "=", lost)])
        self.ari.wait_for(lambda: lost_phone not in self.ari.channels, "hang-up")
        self.assertIn("was in progress at restart: taken back", self.bridge.log())
        # the other call goes on through the restarted bridge
        with self.registry.test_lock:
            kept_call = self.env["calendoc.call"].search([("sip_call_id", "=", kept)])
            self.assertEqual(kept_call.state, "in_progress")
        self.ari.hang_up(kept)
        kept_call = self.wait_for_call([("sip_call_id", "=", kept)])
        with self.registry.test_lock:
            for done in call | kept_call:
                self.assertEqual(done.outcome, "answered")
                self.assertEqual(
                    done.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
                )

    def test_click_to_call_rings_the_secretary_then_the_number(self):
        with self.registry.test_lock:
            self.env["ir.config_parameter"].set_param(
                "calendoc_voip.bridge_url", self.bridge.url
            )
            self.requester.with_user(self.secretary).action_calendoc_call()
            self.env.cr.flush()
        self.ari.wait_for(lambda: self.ari.originated, "the secretary's phone rung")
        self.assertEqual(self.endpoints_rung(), ["PJSIP/201"])
        secretary = self.ari.answer("PJSIP/201")
        outside = "PJSIP/+33612345678@trunk"
        self.ari.wait_for(lambda: len(self.ari.originated) == 2, "the number called")
        _endpoint, query, _vars = self.ari.originated[1]
        self.assertEqual((_endpoint, query["callerId"]), (outside, LINE))
        callee = self.ari.answer(outside)
        self.ari.wait_for(
            lambda: any(
                set(c) == {secretary, callee} for c in self.ari.bridges.values()
            ),
            "the secretary and the number bridged",
        )
        self.wait_for_call([("direction", "=", "out")], "in_progress")
        self.ari.hang_up(callee)
        call = self.wait_for_call([("direction", "=", "out")])
        self.ari.wait_for(lambda: secretary not in self.ari.channels, "hang-up")
        self.assertEqual(call.called_number, "+33612345678")
        self.assertEqual(call.caller_number, LINE)
        self.assertEqual(call.secretary_id, self.secretary)
        self.assertEqual(call.outcome, "answered")


@tagged("post_install", "-at_install")
class TestAriConfiguration(AriCase):
    def config(self, body, headers):
        return self.url_open(
            "/calendoc_voip/pbx_config", data=body, headers=headers, timeout=10
        )

    @mute_logger("odoo.addons.calendoc_voip.controllers.main")
    def test_the_configuration_goes_to_signed_requests_only(self):
        body = json.dumps({"pbx": self.pbx.name}).encode()
        self.assertEqual(self.config(body, {}).status_code, 401)
        self.assertEqual(self.config(body, sign(body, secret="wrong")).status_code, 401)
        headers = sign(body)
        answer = self.config(body, headers)
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json()["ari"]["password"], PASSWORD)
        self.assertEqual(answer.json()["kind"], "asterisk_ari")
        self.assertEqual(self.config(body, headers).status_code, 409)  # replayed
        unknown = json.dumps({"pbx": "nope"}).encode()
        self.assertEqual(self.config(unknown, sign(unknown)).status_code, 404)
        by_id = json.dumps({"pbx": str(self.pbx.id)}).encode()
        self.assertEqual(self.config(by_id, sign(by_id)).json()["name"], self.pbx.name)
        self.pbx.active = False
        self.env.cr.flush()
        self.assertEqual(self.config(by_id, sign(by_id)).status_code, 404)

    def test_the_status_route_checks_what_the_bridge_reports(self):
        def report(payload):
            body = json.dumps(payload).encode()
            return self.url_open(
                "/calendoc_voip/pbx_status", data=body, headers=sign(body), timeout=10
            ).status_code

        self.assertEqual(report({"pbx": self.pbx.id, "status": "on fire"}), 400)
        self.assertEqual(report({"pbx": str(self.pbx.id), "status": "connected"}), 400)
        self.assertEqual(report({"pbx": -1, "status": "connected"}), 404)
        self.assertFalse(self.pbx.status)
        self.assertEqual(
            report({"pbx": self.pbx.id, "status": "connected", "detail": ""}), 200
        )
        self.pbx.invalidate_recordset()
        self.assertEqual(self.pbx.status, "connected")
        self.assertTrue(self.pbx.last_contact)

    @mute_logger("odoo.addons.calendoc_voip.controllers.main")
    def test_a_bridge_with_an_unknown_pbx_stops_with_a_clear_error(self):
        bridge = AriBridgeProcess(self.base_url(), SECRET, "no-such-pbx")
        self.addCleanup(bridge.cleanup)
        self.assertNotEqual(bridge.run_until_exit(), 0)
        self.assertIn(
            "Odoo refused the configuration of PBX 'no-such-pbx'", bridge.log()
        )

    def test_a_wrong_ari_password_is_logged_and_the_pbx_shown_disconnected(self):
        self.pbx.ari_password = "not-the-password"
        self.env.cr.flush()
        self.bridge = self.start_bridge(wait_connected=False)
        self.ari.wait_for(lambda: self.ari.unauthorized, "a refused connection")
        deadline = time.monotonic() + 10
        while "refused or unreachable" not in self.bridge.log():
            self.assertLess(time.monotonic(), deadline, self.bridge.log())
            time.sleep(0.05)
        self.assertIn("401", self.bridge.log())
        self.assertNotIn("not-the-password", self.bridge.log())
        self.wait_for_status("disconnected", self.bridge)
        with self.registry.test_lock:
            self.assertIn("401", self.pbx.status_detail)
            self.assertTrue(self.pbx.last_contact)
