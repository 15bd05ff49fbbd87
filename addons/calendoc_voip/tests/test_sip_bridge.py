"""End to end on loopback: SIPp as the trunk and as the phones, the bridge as
its own process, Odoo's HTTP server answering the bridge's signed events."""

import json
import re
import secrets
import socket
import time
import urllib.error
import urllib.request

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SECRET, VoipCase, sign
from .sip_harness import BridgeProcess, Relay, Sipp, free_port

LINE = "+33241112233"


@tagged("post_install", "-at_install")
class TestSipBridge(VoipCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.trunk_port = free_port()
        self.bridge = BridgeProcess(self.base_url(), SECRET, self.trunk_port)
        self.addCleanup(self.bridge.cleanup)
        self.bridge.start()
        self.phone_port = free_port()
        self.endpoint.contact_uri = f"127.0.0.1:{self.phone_port}"
        self.env.cr.flush()

    def sipp(self, scenario, port, remote=None, **variables):
        sipp = Sipp(scenario, port, remote, **variables)
        self.addCleanup(sipp.cleanup)
        return sipp

    def trunk(self, scenario="trunk_call.xml", caller="0612345678", **variables):
        return self.sipp(
            scenario,
            self.trunk_port,
            f"127.0.0.1:{self.bridge.sip_port}",
            caller=caller,
            **variables,
        )

    def assert_sipp_ok(self, *runs):
        for run in runs:
            code = run.wait()
            self.assertEqual(
                code,
                0,
                f"SIPp {run.args[2]} failed:\n{run.errors()}"
                f"\nbridge log:\n{self.bridge.log()}",
            )

    def register(self, port, extension, host="127.0.0.1", authorization=None):
        """A phone at ``host:port`` registers ``extension``; the bridge's status."""
        status_line, _answer = self.register_answer(
            port, extension, host, authorization
        )
        return int(status_line[1])

    def register_answer(self, port, extension, host="127.0.0.1", authorization=None):
        """The bridge's answer to a REGISTER: (status line parts, raw answer)."""
        tag = secrets.token_hex(4)
        message = (
            f"REGISTER sip:127.0.0.1:{self.bridge.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bK{tag}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:{extension}@127.0.0.1>;tag={tag}\r\n"
            f"To: <sip:{extension}@127.0.0.1>\r\n"
            f"Call-ID: reg-{tag}\r\n"
            "CSeq: 1 REGISTER\r\n"
            f"Contact: <sip:{extension}@{host}:{port}>\r\n"
            + (f"Authorization: {authorization}\r\n" if authorization else "")
            + "Expires: 600\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((host, port))
            sock.settimeout(5)
            sock.sendto(message.encode(), ("127.0.0.1", self.bridge.sip_port))
            data, _addr = sock.recvfrom(65535)
        return data.split(b" ", 2)[:2], data

    def test_a_registered_phone_is_rung_where_it_registered(self):
        self.endpoint.contact_uri = False
        self.env.cr.flush()
        registered_port = free_port()
        self.assertEqual(self.register(registered_port, "201"), 200)
        phone = self.sipp("phone_answer.xml", registered_port, caller="0612345678")
        phone.wait_listening()
        trunk = self.trunk(called=LINE)
        self.assert_sipp_ok(trunk, phone)
        call = self.wait_for_call([("called_number", "=", LINE)])
        self.assertEqual(call.secretary_id, self.secretary)

    def originate(self, body, headers):
        request = urllib.request.Request(
            self.bridge.url + "/originate", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    def test_the_bridge_refuses_unsigned_replayed_or_malformed_orders(self):
        order = {
            "call_id": "c2c-test",
            "extension": "201",
            "contact": f"127.0.0.1:{self.phone_port}",
            "number": "+33612345678",
            "caller_id": LINE,
        }
        body = json.dumps(order).encode()
        self.assertEqual(self.originate(body, {}), 401)
        self.assertEqual(self.originate(body, sign(body, secret="wrong-secret")), 401)
        bad = json.dumps(dict(order, number="")).encode()
        self.assertEqual(self.originate(bad, sign(bad)), 400)
        headers = sign(body)
        self.assertEqual(self.originate(body, headers), 202)
        self.assertEqual(self.originate(body, headers), 409)
        self.assertIn("originate refused: replayed nonce", self.bridge.log())

    def test_a_malformed_datagram_is_dropped_and_the_bridge_goes_on(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for garbage in (b"hello\r\n\r\n", b"INVITE sip:x SIP/2.0\r\n\r\n"):
                sock.sendto(garbage, ("127.0.0.1", self.bridge.sip_port))
        trunk = self.trunk("trunk_refused.xml", called="+33199000000", status=404)
        with mute_logger("odoo.addons.calendoc_voip.controllers.main"):
            self.assert_sipp_ok(trunk)
        self.assertIn("dropped a malformed SIP datagram", self.bridge.log())

    def test_a_phone_with_a_password_registers_with_digest_only(self):
        self.endpoint.sip_password = "s3cret-201"
        self.endpoint.contact_uri = False
        self.env.cr.flush()
        # no credentials: challenged, not registered
        self.assertEqual(self.register(free_port(), "201"), 401)
        wrong = self.sipp(
            "phone_register_digest.xml",
            free_port(),
            f"127.0.0.1:{self.bridge.sip_port}",
            extension="201",
            password="not-the-password",
            status=403,
        )
        self.assert_sipp_ok(wrong)
        self.assertIn("REGISTER of 201 from 127.0.0.1 refused", self.bridge.log())
        self.assertNotIn("not-the-password", self.bridge.log())
        self.assertNotIn("extension 201 registered", self.bridge.log())
        registered_port = free_port()
        right = self.sipp(
            "phone_register_digest.xml",
            registered_port,
            f"127.0.0.1:{self.bridge.sip_port}",
            extension="201",
            password="s3cret-201",
            status=200,
        )
        self.assert_sipp_ok(right)
        self.assertNotIn("s3cret-201", self.bridge.log())
        phone = self.sipp("phone_answer.xml", registered_port, caller="0612345678")
        phone.wait_listening()
        trunk = self.trunk(called=LINE)
        self.assert_sipp_ok(trunk, phone)

    def test_non_ascii_digest_answers_and_numbers_are_refused_not_crashing(self):
        """A phone (or anyone on the phones' network) answering the digest
        challenge with non-ASCII text, or sending a status "²00": refused or
        dropped, and the bridge goes on (constant-time comparisons of bytes,
        SIP numbers of ASCII digits)."""
        self.endpoint.sip_password = "s3cret-201"
        self.endpoint.contact_uri = False
        self.env.cr.flush()
        _status, challenge = self.register_answer(free_port(), "201")
        nonce = re.search(rb'nonce="([^"]+)"', challenge).group(1).decode()
        stamp, _dot, mac = nonce.partition(".")
        for forged_nonce, response in (
            (nonce, "Ѕесrеt"),
            (f"{stamp}.Ѕесrеt", "0" * 32),
            (f"²{stamp}.{mac}", "0" * 32),
        ):
            with self.subTest(nonce=forged_nonce, response=response):
                authorization = (
                    f'Digest username="201", realm="calendoc", nonce="{forged_nonce}", '
                    f'uri="sip:127.0.0.1", response="{response}", algorithm=MD5'
                )
                self.assertEqual(
                    self.register(free_port(), "201", authorization=authorization), 403
                )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(
                "SIP/2.0 ²00 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5999\r\n"
                "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
                "CSeq: 1 INVITE\r\n\r\n".encode(),
                ("127.0.0.1", self.bridge.sip_port),
            )
        self.assertEqual(self.register(free_port(), "201"), 401)
        self.assertIn("dropped a malformed SIP datagram", self.bridge.log())
        self.assertNotIn("Traceback", self.bridge.log())

    def test_an_unknown_extension_cannot_register(self):
        self.assertEqual(self.register(free_port(), "999"), 403)
        self.assertIn("REGISTER of unknown extension 999 refused", self.bridge.log())

    def test_a_phone_outside_the_phones_network_cannot_register(self):
        self.assertEqual(self.register(free_port(), "201", host="127.0.0.2"), 403)
        self.assertIn("REGISTER from 127.0.0.2 refused", self.bridge.log())

    def test_a_call_from_outside_the_trunk_is_refused(self):
        """Only the trunk's network starts calls: a host elsewhere (a phone of
        the office, anyone reaching the port) gets 403 and rings nobody."""
        tag = secrets.token_hex(4)
        port = free_port()
        message = (
            f"INVITE sip:{LINE}@127.0.0.1:{self.bridge.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.2:{port};branch=z9hG4bK{tag}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:0612345678@127.0.0.2>;tag={tag}\r\n"
            f"To: <sip:{LINE}@127.0.0.1>\r\n"
            f"Call-ID: spoofed-{tag}\r\n"
            "CSeq: 1 INVITE\r\n"
            f"Contact: <sip:0612345678@127.0.0.2:{port}>\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.2", port))
            sock.settimeout(5)
            sock.sendto(message.encode(), ("127.0.0.1", self.bridge.sip_port))
            data, _addr = sock.recvfrom(65535)
        self.assertEqual(int(data.split(b" ", 2)[1]), 403)
        self.assertIn("INVITE from 127.0.0.2 refused: not the trunk", self.bridge.log())
        with self.registry.test_lock:
            self.env.invalidate_all()
            self.assertFalse(
                self.env["calendoc.call"].search([("sip_call_id", "like", tag)])
            )
        self.assertFalse(self.bus_messages("calendoc_voip/incoming_call"))

    def test_an_incoming_call_rings_the_secretary_on_duty_and_is_logged(self):
        phone = self.sipp("phone_answer.xml", self.phone_port, caller="0612345678")
        phone.wait_listening()  # the phone listens before the call comes
        trunk = self.trunk(called=LINE)
        self.assert_sipp_ok(trunk, phone)
        call = self.wait_for_call([("called_number", "=", LINE)])
        self.assertEqual(call.requester_id, self.requester)
        self.assertEqual(call.secretary_id, self.secretary)
        self.assertEqual(call.outcome, "answered")
        self.assertGreaterEqual(call.duration, 1)
        self.assertEqual(
            call.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
        )
        popups = [p for p, _payload in self.bus_messages("calendoc_voip/incoming_call")]
        self.assertEqual(popups, [self.secretary.partner_id.id])
        # the call-to-popup time the bridge measured (Odoo answers "ringing"
        # once the popup is on the bus)
        figures = self.bridge.health()["ringing_ms"]
        self.assertEqual(figures["calls"], 1)
        self.assertGreater(figures["p50"], 0)
        self.assertEqual(figures["p50"], figures["max"])

    def test_overflow_rings_the_next_secretary_and_cancels_the_first(self):
        self.env["ir.config_parameter"].set_param("calendoc_voip.overflow_seconds", 1)
        overflow_port = free_port()
        self.env["calendoc.sip.endpoint"].search(
            [("user_id", "=", self.off_duty.id)]
        ).contact_uri = f"127.0.0.1:{overflow_port}"
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
        first = self.sipp("phone_ring_cancelled.xml", self.phone_port)
        second = self.sipp("phone_answer.xml", overflow_port, caller="0612345678")
        first.wait_listening()
        second.wait_listening()
        trunk = self.trunk(called=LINE)
        self.assert_sipp_ok(trunk, first, second)
        call = self.wait_for_call([("called_number", "=", LINE)])
        self.assertEqual(call.secretary_id, self.off_duty)
        self.assertEqual(call.outcome, "answered")
        self.assertGreaterEqual(call.wait_seconds, 1)
        self.assertIn("overflow to 203", self.bridge.log())

    @mute_logger("odoo.addons.calendoc_voip.controllers.main")
    def test_an_unknown_line_gets_404_and_no_log(self):
        trunk = self.trunk("trunk_refused.xml", called="+33199000000", status=404)
        self.assert_sipp_ok(trunk)
        self.assertIn("no such practice line", self.bridge.log())
        # a refused call is not a popup: not in the call-to-popup figures
        self.assertNotIn("ringing_ms", self.bridge.health())
        with self.registry.test_lock:
            self.assertFalse(
                self.env["calendoc.call"].search(
                    [("called_number", "=", "+33199000000")]
                )
            )

    def test_nobody_on_duty_gets_480_and_a_missed_call(self):
        self.env["calendoc.duty"].search([]).active = False
        self.env.cr.flush()
        trunk = self.trunk("trunk_refused.xml", called=LINE, status=480)
        self.assert_sipp_ok(trunk)
        call = self.wait_for_call([("called_number", "=", LINE)])
        self.assertEqual(call.outcome, "missed")

    def test_a_phone_ringing_unanswered_gets_480_after_the_ring_time(self):
        self.env["ir.config_parameter"].set_param("calendoc_voip.ring_seconds", 1)
        self.env.cr.flush()
        # the phone rings, nobody picks up: the bridge cancels it after a second
        phone = self.sipp("phone_ring_cancelled.xml", self.phone_port)
        phone.wait_listening()
        trunk = self.trunk("trunk_refused.xml", called=LINE, status=480)
        self.assert_sipp_ok(trunk, phone)
        call = self.wait_for_call([("called_number", "=", LINE)])
        self.assertEqual(call.outcome, "missed")
        self.assertFalse(call.secretary_id)
        self.assertGreaterEqual(call.wait_seconds, 1)
        self.assertIn("nobody answered in time", self.bridge.log())

    def raw_invite(self, bridge, trunk_port, call_id):
        """An INVITE from the trunk to the practice line, as bytes to send
        from 127.0.0.1:``trunk_port``."""
        sdp = "v=0\r\no=trunk 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        return (
            f"INVITE sip:{LINE}@127.0.0.1:{bridge.sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{trunk_port};branch=z9hG4bK{call_id}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:0612345678@127.0.0.1>;tag={call_id}\r\n"
            f"To: <sip:{LINE}@127.0.0.1>\r\n"
            f"Call-ID: {call_id}\r\n"
            "CSeq: 1 INVITE\r\n"
            f"Contact: <sip:0612345678@127.0.0.1:{trunk_port}>\r\n"
            "Content-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n{sdp}"
        )

    def test_a_retransmitted_invite_gets_the_last_response_again(self):
        """The trunk sends its INVITE again before any answer came back (a
        lost or late 100 Trying): the bridge answers it with its last response,
        never 501 (which the trunk takes for a failed call)."""
        trunk_port = free_port()
        bridge = BridgeProcess(self.base_url(), SECRET, trunk_port)
        self.addCleanup(bridge.cleanup)
        bridge.start()
        phone = self.sipp("phone_answer.xml", self.phone_port, caller="0612345678")
        phone.wait_listening()
        call_id = f"retrans-{secrets.token_hex(4)}"
        invite = self.raw_invite(bridge, trunk_port, call_id).encode()
        statuses, ok = [], None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", trunk_port))
            sock.settimeout(10)
            sock.sendto(invite, ("127.0.0.1", bridge.sip_port))
            sock.sendto(invite, ("127.0.0.1", bridge.sip_port))
            while ok is None:
                data, _addr = sock.recvfrom(65535)
                status = int(data.split(b" ", 2)[1])
                statuses.append(status)
                if status == 200:
                    ok = data.decode()
            # acknowledged, then hung up: the call ends normally
            headers = {
                line.split(":", 1)[0].lower(): line
                for line in ok.split("\r\n")
                if ":" in line
            }
            for method, cseq in (("ACK", 1), ("BYE", 2)):
                request = (
                    f"{method} sip:{LINE}@127.0.0.1:{bridge.sip_port} SIP/2.0\r\n"
                    f"Via: SIP/2.0/UDP 127.0.0.1:{trunk_port};"
                    f"branch=z9hG4bK{method}{call_id}\r\n"
                    f"{headers['from']}\r\n{headers['to']}\r\n"
                    f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
                    "Content-Length: 0\r\n\r\n"
                )
                sock.sendto(request.encode(), ("127.0.0.1", bridge.sip_port))
        self.assertNotIn(501, statuses, bridge.log())
        self.assertEqual(statuses.count(100), 2, statuses)
        self.assert_sipp_ok(phone)
        call = self.wait_for_call([("sip_call_id", "=", call_id)])
        self.assertEqual(call.outcome, "answered")

    def test_a_200_ok_the_caller_never_acknowledges_is_resent_then_hung_up(self):
        """RFC 3261 13.3.1.4: the bridge sends its 200 OK again until the
        caller's ACK; none after 64*T1 (here T1 = 50 ms): BYE to both sides,
        the call ends in the log instead of staying in progress for ever."""
        trunk_port = free_port()
        bridge = BridgeProcess(self.base_url(), SECRET, trunk_port)
        bridge.args += ["--sip-t1", "0.05"]
        self.addCleanup(bridge.cleanup)
        bridge.start()
        phone = self.sipp("phone_answer.xml", self.phone_port, caller="0612345678")
        phone.wait_listening()
        tag = secrets.token_hex(4)
        invite = self.raw_invite(bridge, trunk_port, f"noack-{tag}")
        oks, bye = 0, None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", trunk_port))
            sock.settimeout(10)
            sock.sendto(invite.encode(), ("127.0.0.1", bridge.sip_port))
            while bye is None:
                data, addr = sock.recvfrom(65535)
                first = data.split(b"\r\n", 1)[0]
                if first.startswith(b"SIP/2.0 200"):
                    oks += 1  # never acknowledged
                elif first.startswith(b"BYE "):
                    bye = data
                    headers = [
                        line
                        for line in data.decode().split("\r\n")
                        if line.split(":", 1)[0].lower()
                        in ("via", "from", "to", "call-id", "cseq")
                    ]
                    answer = "SIP/2.0 200 OK\r\n" + "\r\n".join(headers)
                    sock.sendto(
                        (answer + "\r\nContent-Length: 0\r\n\r\n").encode(), addr
                    )
        self.assertGreaterEqual(oks, 3, bridge.log())
        self.assertIn(f"noack-{tag}".encode(), bye)
        self.assert_sipp_ok(phone)  # the secretary's phone got its BYE too
        call = self.wait_for_call([("sip_call_id", "=", f"noack-{tag}")])
        self.assertEqual(
            call.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
        )
        ended = call.event_ids.filtered(lambda event: event.kind == "ended")
        self.assertEqual(ended.payload["reason"], "no_ack")
        self.assertIn("never acknowledged the 200 OK", bridge.log())
        self.assertEqual(bridge.health()["calls"], 0)

    def test_events_piled_up_in_the_bridge_go_to_odoo_together(self):
        """Six calls end while Odoo is away; when it answers again, slowly,
        the events that waited for a post slot go in one request
        (/calendoc_voip/events), each recorded once."""
        relay = Relay(int(self.base_url().rsplit(":", 1)[1]))
        relay.start()
        self.addCleanup(relay.close)
        trunk_port = free_port()
        bridge = BridgeProcess(f"http://127.0.0.1:{relay.port}", SECRET, trunk_port)
        self.addCleanup(bridge.cleanup)
        bridge.start()
        relay.cut = True
        for _n in range(6):
            trunk = self.sipp(
                "trunk_refused.xml",
                free_port(),
                f"127.0.0.1:{bridge.sip_port}",
                caller="0612345678",
                called=LINE,
                status=503,
            )
            self.assertEqual(trunk.wait(), 0, trunk.errors() + bridge.log())
        self.assertEqual(bridge.health()["outbox"], 6)
        # Odoo back but slow: the bridge's four post slots hang, the two
        # other calls' events wait for a slot
        relay.hold = True
        relay.cut = False
        deadline = time.monotonic() + 5
        while len(relay.held) < 4:
            self.assertLess(time.monotonic(), deadline, bridge.log())
            time.sleep(0.05)
        time.sleep(0.6)  # the other calls retry (every 0.2 s) and wait
        relay.release()
        deadline = time.monotonic() + 15
        while True:
            with self.registry.test_lock:
                self.env.invalidate_all()
                calls = self.env["calendoc.call"].search(
                    [("called_number", "=", LINE), ("state", "=", "done")]
                )
            if len(calls) == 6 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(calls), 6, bridge.log())
        self.assertEqual(calls.mapped("outcome"), ["missed"] * 6)
        self.assertEqual(len(set(calls.mapped("sip_call_id"))), 6)
        self.assertEqual(calls.event_ids.mapped("kind"), ["ended"] * 6)
        health = bridge.health()
        self.assertEqual(health["outbox"], 0)
        self.assertGreaterEqual(health.get("batches", 0), 1, health)
        self.assertGreaterEqual(health.get("largest_batch", 0), 2, health)

    def test_a_call_while_odoo_is_unreachable_is_refused_then_recorded(self):
        relay = Relay(int(self.base_url().rsplit(":", 1)[1]))
        relay.start()
        self.addCleanup(relay.close)
        trunk_port = free_port()
        bridge = BridgeProcess(f"http://127.0.0.1:{relay.port}", SECRET, trunk_port)
        self.addCleanup(bridge.cleanup)
        bridge.start()
        relay.cut = True
        trunk = self.sipp(
            "trunk_refused.xml",
            trunk_port,
            f"127.0.0.1:{bridge.sip_port}",
            caller="0612345678",
            called=LINE,
            status=503,
        )
        self.assertEqual(trunk.wait(), 0, trunk.errors() + bridge.log())
        with self.registry.test_lock:
            self.assertFalse(
                self.env["calendoc.call"].search([("called_number", "=", LINE)])
            )
        # the end of the call waits in the bridge's queue until the link is back
        deadline = time.monotonic() + 10
        while "Odoo unreachable for ended" not in bridge.log():
            self.assertLess(time.monotonic(), deadline, bridge.log())
            time.sleep(0.1)
        relay.cut = False
        call = self.wait_for_call([("called_number", "=", LINE)])
        self.assertEqual(call.outcome, "missed")
        self.assertEqual(call.requester_id, self.requester)
        self.assertTrue(call.ring_date)
        self.assertEqual(call.event_ids.mapped("kind"), ["ended"])
        self.assertGreater(bridge.health()["retries"], 0)

    def test_a_bridge_crash_mid_call_is_reconciled_at_restart(self):
        phone = self.sipp("phone_answer.xml", self.phone_port, caller="0612345678")
        phone.wait_listening()
        trunk = self.trunk("trunk_hung_up.xml", called=LINE)
        self.wait_for_call([("called_number", "=", LINE)], state="in_progress")
        self.bridge.kill()
        self.bridge.start()
        # the restarted bridge hangs up both sides and records the end
        self.assert_sipp_ok(trunk, phone)
        call = self.wait_for_call([("called_number", "=", LINE)])
        self.assertEqual(call.outcome, "answered")
        ended = call.event_ids.filtered(lambda e: e.kind == "ended")
        self.assertEqual(ended.payload["reason"], "bridge_restart")
        self.assertEqual(len(call.event_ids), 3)

    def test_a_bridge_crash_while_the_phones_ring_ends_the_call_at_restart(self):
        # the phone rings and is never picked up: the bridge dies meanwhile
        phone = self.sipp("phone_ring_cancelled.xml", self.phone_port)
        phone.wait_listening()
        self.trunk(called=LINE)
        # Odoo heard of the call only once the state file had it
        self.wait_for_call([("called_number", "=", LINE)], state="ringing")
        self.bridge.kill()
        self.bridge.start()
        call = self.wait_for_call([("called_number", "=", LINE)])
        self.assertEqual(call.outcome, "abandoned")
        ended = call.event_ids.filtered(lambda e: e.kind == "ended")
        self.assertEqual(ended.payload["reason"], "bridge_restart")
        self.assertEqual(call.event_ids.mapped("kind"), ["ringing", "ended"])

    def test_click_to_call_rings_the_secretary_then_the_requester(self):
        self.env["ir.config_parameter"].set_param(
            "calendoc_voip.bridge_url", self.bridge.url
        )
        phone = self.sipp(
            "phone_answer.xml", self.phone_port, caller=LINE.replace("+", "")
        )
        callee = self.sipp(
            "callee_answer_hang_up.xml",
            self.trunk_port,
            caller=LINE.replace("+", ""),
            bridge=f"127.0.0.1:{self.bridge.sip_port}",
        )
        phone.wait_listening()
        callee.wait_listening()
        self.env.cr.flush()
        with self.registry.test_lock:
            self.requester.with_user(self.secretary).action_calendoc_call()
            self.env.cr.flush()
        self.assert_sipp_ok(callee, phone)
        call = self.wait_for_call([("direction", "=", "out")])
        self.assertEqual(call.called_number, "+33612345678")
        self.assertEqual(call.caller_number, LINE)
        self.assertEqual(call.secretary_id, self.secretary)
        self.assertEqual(call.outcome, "answered")
