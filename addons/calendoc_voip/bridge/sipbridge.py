"""CalenDoc's telephony bridge: a small signalling-only SIP B2BUA on UDP.

It stands between a SIP trunk (the operator, or a PBX) and the secretaries'
phones. Each INVITE from the trunk becomes a signed "ringing" event posted to
Odoo, which answers whom to ring (the on-duty secretaries of the practice whose
line was dialled) or to refuse the call (unknown line: 404; calls not allowed
by the client's pack: 403). The bridge rings them all (auto-answer asked with
Call-Info), connects the first who answers, cancels the others, and posts
"answered" and "ended". Media flows directly between the endpoints (the SDP is
passed through). Click-to-call: Odoo posts a signed /originate; the bridge
rings the secretary's phone (auto-answer), then calls the number through the
trunk with the practice line as caller id (third-party call control, RFC 3725
flow I).

Events Odoo could not take (link down) are kept in order and retried until it
answers: they are idempotent on (call id, event type), so a retry never
duplicates. Calls in progress are written to a state file; after a restart the
bridge hangs them up (BYE to both sides) and posts their end, so that no call
stays "in progress" in the log.

Run: python3 addons/calendoc_voip/bridge --help
"""

import argparse
import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import signal
import time

import signing
from odoolink import OdooLink
from sipmessage import (
    Message,
    SipError,
    address_of,
    new_branch,
    new_tag,
    response_to,
    tag_of,
    uri_of,
    user_of,
)

_logger = logging.getLogger("calendoc_bridge")
MAX_SKEW = 300
# How long a digest challenge's nonce may be answered (seconds).
DIGEST_NONCE_AGE = 300
T1 = 0.5  # RFC 3261 round-trip estimate, seconds (--sip-t1)


class Leg:
    """One SIP dialog of a bridged call, on the bridge's side."""

    def __init__(self, role, addr, call_id, local_tag, remote_tag=None):
        self.role = role  # 'caller' (INVITE received) or 'callee' (INVITE sent)
        self.addr = addr
        self.call_id = call_id
        self.local_tag = local_tag
        self.remote_tag = remote_tag
        self.local_uri = ""
        self.remote_uri = ""
        self.target = ""  # request URI for in-dialog requests
        self.cseq = 1
        self.invite = None  # the INVITE (sent or received)
        self.extension = None
        self.final = None  # status of the final response to the INVITE
        self.answer_sdp = b""
        self.heard = False  # any response to our INVITE yet
        self.last_response = None
        self.acked = False  # the caller acknowledged our 200 OK

    def state(self):
        return {
            "role": self.role,
            "addr": list(self.addr),
            "call_id": self.call_id,
            "local_tag": self.local_tag,
            "remote_tag": self.remote_tag,
            "local_uri": self.local_uri,
            "remote_uri": self.remote_uri,
            "target": self.target,
            "cseq": self.cseq,
        }


class Call:
    """A bridged call: the caller's leg and the legs ringing or connected."""

    def __init__(self, key, direction, caller, called):
        self.key = key  # the call id known to Odoo
        self.direction = direction
        self.caller = caller
        self.called = called
        self.a = None  # incoming: the trunk's leg; outgoing: the secretary's
        self.b_legs = {}  # call id -> Leg
        self.b = None  # the connected leg
        self.answered = False
        self.ended = False
        self.timer = None
        self.pending = 0  # overflow phones not rung yet


class Bridge(OdooLink, asyncio.DatagramProtocol):
    def __init__(self, options):
        super().__init__(options)
        self.transport = None
        self.host, self.port = options.sip_host, options.sip_port
        self.legs = {}  # SIP call id -> (Call, Leg)
        self.bindings = {}  # extension -> ((host, port), expiry): registrations

    # --- transport ---------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if not data.strip():
            return  # keep-alive
        try:
            message = Message.parse(data)
        except SipError as error:
            _logger.warning("dropped a malformed SIP datagram from %s: %s", addr, error)
            self.stats["malformed"] += 1
            return
        if message.status is not None:
            self.on_response(message, addr)
        else:
            asyncio.ensure_future(self.on_request(message, addr))

    def send(self, message, addr):
        self.transport.sendto(message.to_bytes(), tuple(addr))

    def reply(self, request, addr, status, leg=None, body=b"", extra=()):
        response = response_to(
            request,
            status,
            to_tag=leg.local_tag if leg and status > 100 else None,
            body=body,
            extra=extra,
        )
        if leg is not None and request.method == "INVITE":
            leg.last_response = response
        self.send(response, addr)
        return response

    def contact(self):
        return f"<sip:bridge@{self.host}:{self.port}>"

    # --- requests ------------------------------------------------------------------
    async def on_request(self, request, addr):
        method = request.method
        known = self.legs.get(request.call_id)
        if method == "INVITE" and known is None:
            if not self._from_trunk(addr):
                # a new call comes from the operator's trunk only: anyone else
                # on the network could ring the secretaries with any caller id
                _logger.warning("INVITE from %s refused: not the trunk", addr[0])
                self.reply(request, addr, 403)
                return
            await self.incoming_call(request, addr)
        elif method == "INVITE":
            call, leg = known
            if leg.invite is not None and request.cseq[0] == leg.invite.cseq[0]:
                # a retransmission: the last response again (none yet: ignored)
                if leg.last_response is not None:
                    self.send(leg.last_response, addr)
            else:
                self.reply(request, addr, 501, leg)  # re-INVITE: not handled
        elif method == "ACK":
            if known is not None:
                known[1].acked = True
            return
        elif method == "CANCEL":
            if known is None:
                self.reply(request, addr, 481)
                return
            call, leg = known
            self.reply(request, addr, 200)
            if leg.final is None:
                self.reply(leg.invite, addr, 487, leg)
                leg.final = 487
                self.hang_up(call, "cancel")
        elif method == "BYE":
            if known is None:
                self.reply(request, addr, 481)
                return
            call, leg = known
            self.reply(request, addr, 200)
            leg.final = leg.final or 200
            self.hang_up(call, "bye", from_leg=leg)
        elif method == "OPTIONS":
            self.reply(request, addr, 200)
        elif method == "REGISTER":
            await self.register(request, addr)
        else:
            self.reply(request, addr, 501)

    async def incoming_call(self, invite, addr):
        started = time.time()
        caller = user_of(invite.get("from"))
        called = user_of(invite.get("to"))
        if not called:
            called = user_of(invite.uri)
        call = Call(invite.call_id, "in", caller, called)
        leg = Leg("caller", addr, invite.call_id, new_tag(), tag_of(invite.get("from")))
        leg.invite = invite
        leg.local_uri = uri_of(invite.get("to"))
        leg.remote_uri = uri_of(invite.get("from"))
        leg.target = uri_of(invite.get("contact")) or leg.remote_uri
        call.a = leg
        self.legs[invite.call_id] = (call, leg)
        self.calls[call.key] = call
        # kept as the leg's last response: a retransmitted INVITE gets it again
        self.reply(invite, addr, 100, leg)
        self.stats["incoming"] += 1
        # in the state file before Odoo hears of it (written by post_event)
        self.save_state()
        status, answer = await self.post_event(call, "ringing", started, wait=True)
        if status is None:
            _logger.error("call %s: Odoo unreachable, caller told 503", call.key)
            self.finish(call, 503, "odoo_unreachable", started)
            return
        if status == 404:
            _logger.warning("call %s to %s: no such practice line", call.key, called)
            self.finish(call, 404, None, started)
            return
        if status != 200:
            _logger.error("call %s: Odoo answered %s to ringing", call.key, status)
            self.finish(call, 500, "odoo_error", started)
            return
        if answer.get("action") == "refuse":
            _logger.warning(
                "call %s to %s refused: calls not allowed", call.key, called
            )
            self.finish(
                call,
                403,
                "refused",
                started,
                extra=(("Reason", 'SIP;cause=403;text="calls not allowed"'),),
            )
            return
        targets = answer.get("targets") or []
        if call.ended:
            return  # the caller gave up while Odoo answered
        if not targets:
            _logger.warning("call %s: nobody on duty for %s", call.key, called)
            self.finish(call, 480, "no_answer", started)
            return
        loop = asyncio.get_running_loop()
        for target in targets:
            delay = float(target.get("delay") or 0)
            if delay > 0:
                # overflow: rings only if nobody has answered by then
                call.pending += 1
                loop.call_later(delay, self.ring_overflow, call, target, invite.body)
            else:
                try:
                    self.ring(call, target, invite.body, caller)
                except SipError as error:
                    _logger.warning("call %s: %s", call.key, error)
        if not call.b_legs and not call.pending:
            self.finish(call, 480, "no_answer", started)
            return
        call.timer = asyncio.get_running_loop().call_later(
            float(answer.get("ring_timeout") or 30), self.ring_timeout, call
        )
        self.save_state()

    def finish(self, call, status, reason, started, extra=()):
        """Give the caller a final error and record the end (unless Odoo refused
        the event, then there is nothing to record)."""
        leg = call.a
        if leg.final is None:
            self.reply(leg.invite, leg.addr, status, leg, extra=extra)
            leg.final = status
        call.ended = True
        if reason:
            self.queue_event(call, "ended", time.time(), reason=reason, rang=started)
        self.forget(call)

    def _from_trunk(self, addr):
        source = ipaddress.ip_address(addr[0])
        return any(source in network for network in self.options.trunk_from)

    async def register(self, request, addr):
        """Registrar: a phone tells where it is now (its binding replaces the
        address typed in Odoo). Only the phones' network (--register-from) may
        register; a phone with a SIP password in Odoo must also answer a digest
        challenge (RFC 8760/2617, MD5): 401 first, 403 for a wrong answer."""
        source = ipaddress.ip_address(addr[0])
        if not any(source in network for network in self.options.register_from):
            _logger.warning("REGISTER from %s refused: not a phones' network", addr[0])
            self.reply(request, addr, 403)
            return
        extension = user_of(request.get("to"))
        if extension:
            status, answer = await asyncio.get_running_loop().run_in_executor(
                None, self._credentials, extension
            )
            if status is None:
                self.reply(request, addr, 503)
                return
            if status == 404:
                _logger.warning("REGISTER of unknown extension %s refused", extension)
                self.reply(request, addr, 403)
                return
            ha1 = answer.get("ha1")
            if ha1 and not request.get("authorization"):
                self.reply(request, addr, 401, extra=(self._challenge(),))
                return
            if ha1 and not self._digest_ok(request, extension, ha1):
                _logger.warning(
                    "REGISTER of %s from %s refused: wrong credentials",
                    extension,
                    addr[0],
                )
                self.reply(request, addr, 403)
                return
        extension = user_of(request.get("to"))
        contact = request.get("contact") or ""
        match = re.search(r"expires=(\d+)", contact) or re.fullmatch(
            r"\s*(\d+)\s*", request.get("expires") or "3600"
        )
        expires = min(int(match.group(1)) if match else 3600, 86400)
        if not extension:
            self.reply(request, addr, 400)
            return
        if expires == 0 or contact.strip() == "*":
            self.bindings.pop(extension, None)
        else:
            try:
                host, port = address_of(uri_of(contact))
            except SipError:
                self.reply(request, addr, 400)
                return
            self.bindings[extension] = ((host, port), time.time() + expires)
            _logger.info("extension %s registered at %s:%s", extension, host, port)
        self.reply(
            request,
            addr,
            200,
            extra=(("Contact", f"{contact};expires={expires}"),) if expires else (),
        )

    def _challenge(self):
        """WWW-Authenticate of a 401: a nonce the bridge can check without
        keeping it (its time, signed with the shared secret)."""
        stamp = str(int(time.time()))
        nonce = f"{stamp}.{self._nonce_mac(stamp)}"
        return (
            "WWW-Authenticate",
            f'Digest realm="{self.options.realm}", nonce="{nonce}", '
            'algorithm=MD5, qop="auth"',
        )

    def _nonce_mac(self, stamp):
        key = self.options.secret.encode()
        return hmac.new(key, f"nonce:{stamp}".encode(), hashlib.sha256).hexdigest()[:32]

    def _digest_ok(self, request, extension, ha1):
        """Whether the Authorization of ``request`` answers one of our
        challenges with the password behind ``ha1``."""
        params = digest_params(request.get("authorization") or "")
        nonce = params.get("nonce", "")
        stamp, _dot, mac = nonce.partition(".")
        if (
            params.get("username") != extension
            or params.get("realm") != self.options.realm
            or not (stamp.isascii() and stamp.isdigit())
            # bytes: a phone's non-ASCII nonce or response is a wrong one
            or not hmac.compare_digest(_utf8(mac), _utf8(self._nonce_mac(stamp)))
            or time.time() - int(stamp) > DIGEST_NONCE_AGE
            or params.get("algorithm", "MD5").upper() != "MD5"
        ):
            return False

        def md5(text):
            return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

        ha2 = md5(f"{request.method}:{params.get('uri', '')}")
        if params.get("qop"):
            expected = md5(
                f"{ha1}:{nonce}:{params.get('nc', '')}:{params.get('cnonce', '')}:"
                f"{params['qop']}:{ha2}"
            )
        else:
            expected = md5(f"{ha1}:{nonce}:{ha2}")
        return hmac.compare_digest(_utf8(expected), _utf8(params.get("response", "")))

    def _credentials(self, extension):
        """(status, answer) of Odoo for the digest HA1 of ``extension``;
        status None when Odoo is unreachable."""
        return self.ask_odoo(
            "/calendoc_voip/sip_credentials",
            {"extension": extension, "realm": self.options.realm},
            f"credentials of {extension}",
        )

    def contact_of(self, target):
        """Where to ring ``target``: its registration, else the address in Odoo."""
        binding = self.bindings.get(target.get("extension") or "")
        if binding and binding[1] > time.time():
            return binding[0]
        if not target.get("contact"):
            raise SipError(f"extension {target.get('extension')} is not registered")
        return address_of(target["contact"])

    def ring(self, call, target, sdp, caller_id, extension=None):
        """Send an INVITE to a phone; return its leg."""
        host, port = self.contact_of(target)
        leg = Leg(
            "callee", (host, port), f"{secrets.token_hex(10)}@{self.host}", new_tag()
        )
        leg.extension = extension or target.get("extension")
        user = target.get("extension") or target.get("number")
        leg.local_uri = f"sip:{caller_id}@{self.host}"
        leg.remote_uri = f"sip:{user}@{host}:{port}"
        leg.target = leg.remote_uri
        invite = Message(method="INVITE", uri=leg.remote_uri)
        invite.headers += [
            ("Via", f"SIP/2.0/UDP {self.host}:{self.port};branch={new_branch()};rport"),
            ("Max-Forwards", "70"),
            ("From", f'"{caller_id}" <{leg.local_uri}>;tag={leg.local_tag}'),
            ("To", f"<{leg.remote_uri}>"),
            ("Call-ID", leg.call_id),
            ("CSeq", "1 INVITE"),
            ("Contact", self.contact()),
        ]
        if target.get("auto_answer"):
            invite.headers.append(("Call-Info", f"<sip:{self.host}>;answer-after=0"))
        if sdp:
            invite.headers.append(("Content-Type", "application/sdp"))
            invite.body = sdp
        leg.invite = invite
        call.b_legs[leg.call_id] = leg
        self.legs[leg.call_id] = (call, leg)
        self.send(invite, leg.addr)
        self.retransmit(leg, self.options.sip_t1)
        return leg

    def retransmit(self, leg, interval):
        """Timer A of RFC 3261 (UDP): send the INVITE again, doubling the
        interval, until the phone answers anything or 7 tries are spent."""

        def again():
            if (
                leg.heard
                or leg.final is not None
                or interval > 32 * self.options.sip_t1
            ):
                return
            self.send(leg.invite, leg.addr)
            self.retransmit(leg, interval * 2)

        asyncio.get_running_loop().call_later(interval, again)

    def resend_2xx(self, call, leg, interval, deadline):
        """Timer G for a 2xx (RFC 3261 13.3.1.4, UDP): the 200 OK to the caller
        goes again, the interval doubling up to T2, until his ACK; with no ACK
        after 64*T1 the session ends (BYE to both sides). A lost 200 OK would
        otherwise leave the caller waiting and the secretary connected to
        nobody, the call "in progress" for ever."""
        t2 = 8 * self.options.sip_t1

        def again():
            if leg.acked or call.ended:
                return
            if time.monotonic() >= deadline:
                _logger.warning(
                    "call %s: the caller never acknowledged the 200 OK, hung up",
                    call.key,
                )
                self.hang_up(call, "no_ack")
                return
            self.send(leg.last_response, leg.addr)
            self.resend_2xx(call, leg, min(2 * interval, t2), deadline)

        asyncio.get_running_loop().call_later(interval, again)

    def ring_overflow(self, call, target, sdp):
        call.pending -= 1
        if call.answered or call.ended:
            return
        _logger.info("call %s: overflow to %s", call.key, target.get("extension"))
        try:
            self.ring(call, target, sdp, call.caller)
        except SipError as error:
            _logger.warning("call %s: %s", call.key, error)

    def ring_timeout(self, call):
        if call.answered or call.ended:
            return
        _logger.info("call %s: nobody answered in time", call.key)
        if call.direction == "in":
            for leg in list(call.b_legs.values()):
                self.cancel(leg)
            self.finish(call, 480, "no_answer", time.time())
        else:
            self.hang_up(call, "no_answer")

    def cancel(self, leg):
        if leg.final is not None:
            return
        cancel = Message(method="CANCEL", uri=leg.invite.uri)
        cancel.headers += [
            ("Via", leg.invite.get("via")),
            ("Max-Forwards", "70"),
            ("From", leg.invite.get("from")),
            ("To", leg.invite.get("to")),
            ("Call-ID", leg.call_id),
            ("CSeq", f"{leg.invite.cseq[0]} CANCEL"),
        ]
        leg.final = -1  # cancelled: its 487 is acknowledged when it comes
        self.send(cancel, leg.addr)

    def in_dialog(self, leg, method, body=b""):
        """A request inside ``leg``'s dialog (ACK for a 2xx, BYE)."""
        if method != "ACK":
            leg.cseq += 1
        request = Message(method=method, uri=leg.target)
        remote = f"<{leg.remote_uri}>" + (
            f";tag={leg.remote_tag}" if leg.remote_tag else ""
        )
        request.headers += [
            ("Via", f"SIP/2.0/UDP {self.host}:{self.port};branch={new_branch()};rport"),
            ("Max-Forwards", "70"),
            ("From", f"<{leg.local_uri}>;tag={leg.local_tag}"),
            ("To", remote),
            ("Call-ID", leg.call_id),
            ("CSeq", f"{leg.cseq if method != 'ACK' else 1} {method}"),
        ]
        if body:
            request.headers.append(("Content-Type", "application/sdp"))
            request.body = body
        self.send(request, leg.addr)

    def hang_up(self, call, reason, from_leg=None):
        """End ``call``: BYE or CANCEL every other leg, record the end once."""
        if call.ended:
            return
        call.ended = True
        if call.timer:
            call.timer.cancel()
        for leg in [call.a, *call.b_legs.values()]:
            if leg is None or leg is from_leg:
                continue
            if leg.role == "caller":
                if leg.final is None:
                    self.reply(leg.invite, leg.addr, 487, leg)
                    leg.final = 487
                elif leg.final == 200:
                    self.in_dialog(leg, "BYE")
            elif leg.final is None:
                self.cancel(leg)
            elif leg.final == 200:
                self.in_dialog(leg, "BYE")
        reason = reason if call.answered or reason != "bye" else "cancel"
        self.queue_event(call, "ended", time.time(), reason=reason)
        self.forget(call)

    def forget(self, call):
        if call.timer:
            call.timer.cancel()
        self.calls.pop(call.key, None)
        # keep the legs a moment to answer retransmissions and late responses
        legs = [call.a, *call.b_legs.values()]
        asyncio.get_running_loop().call_later(32, self._drop_legs, legs)
        self.save_state()

    def _drop_legs(self, legs):
        for leg in legs:
            if leg is not None:
                self.legs.pop(leg.call_id, None)

    # --- responses -----------------------------------------------------------------
    def on_response(self, response, addr):
        known = self.legs.get(response.call_id)
        if known is None:
            return
        call, leg = known
        number, method = response.cseq
        if method != "INVITE":
            return  # answers to our BYE / CANCEL
        leg.heard = True
        status = response.status
        if status < 200:
            if status in (180, 183) and call.direction == "in" and call.a.final is None:
                if call.a.last_response is None or call.a.last_response.status < 180:
                    self.reply(call.a.invite, call.a.addr, 180, call.a)
            return
        leg.remote_tag = tag_of(response.get("to"))
        if status >= 300:
            # a non-2xx final is acknowledged in its own transaction
            ack = Message(method="ACK", uri=leg.invite.uri)
            ack.headers += [
                ("Via", leg.invite.get("via")),
                ("Max-Forwards", "70"),
                ("From", leg.invite.get("from")),
                ("To", response.get("to")),
                ("Call-ID", leg.call_id),
                ("CSeq", f"{number} ACK"),
            ]
            self.send(ack, addr)
            was_cancelled = leg.final == -1
            leg.final = status
            call.b_legs.pop(leg.call_id, None) if was_cancelled else None
            if not was_cancelled:
                self.leg_failed(call, leg)
            return
        leg.target = uri_of(response.get("contact")) or leg.target
        if leg.final == 200:
            # retransmitted 200: acknowledge again
            self.in_dialog(leg, "ACK")
            return
        leg.final = 200
        if call.ended or (call.answered and call.direction == "in"):
            # answered too late: the call went to someone else, or is over
            self.in_dialog(leg, "ACK")
            self.in_dialog(leg, "BYE")
            return
        if call.direction == "in":
            self.connect_incoming(call, leg, response)
        else:
            self.progress_outgoing(call, leg, response)

    def leg_failed(self, call, leg):
        if call.ended:
            return
        ringing = [b for b in call.b_legs.values() if b.final is None]
        if call.direction == "in":
            if not ringing and not call.pending and not call.answered:
                _logger.info("call %s: every phone refused it", call.key)
                self.finish(call, 480, "no_answer", time.time())
        else:
            self.hang_up(call, "no_answer")

    def connect_incoming(self, call, leg, response):
        call.answered = True
        call.b = leg
        if call.timer:
            call.timer.cancel()
        self.in_dialog(leg, "ACK")
        for other in list(call.b_legs.values()):
            if other is not leg:
                self.cancel(other)
        self.reply(
            call.a.invite,
            call.a.addr,
            200,
            call.a,
            body=response.body,
            extra=(("Contact", self.contact()),),
        )
        call.a.final = 200
        t1 = self.options.sip_t1
        self.resend_2xx(call, call.a, t1, time.monotonic() + 64 * t1)
        _logger.info("call %s answered by %s", call.key, leg.extension)
        self.queue_event(call, "answered", time.time(), extension=leg.extension)
        self.save_state()

    def progress_outgoing(self, call, leg, response):
        if leg is call.a:
            # the secretary picked up: her phone's SDP is the offer for the callee
            call.a.answer_sdp = response.body
            target = {"contact": self.options.trunk, "number": call.called}
            self.ring(call, target, response.body, call.caller)
            return
        call.answered = True
        call.b = leg
        if call.timer:
            call.timer.cancel()
        self.in_dialog(leg, "ACK")
        self.in_dialog(call.a, "ACK", body=response.body)
        _logger.info("call %s: %s answered", call.key, call.called)
        self.queue_event(call, "answered", time.time(), extension=call.a.extension)
        self.save_state()

    # --- click-to-call -------------------------------------------------------------
    def originate(self, order):
        key = order["call_id"]
        if key in self.calls:
            return 200  # a retry of the same order
        call = Call(key, "out", order["caller_id"], order["number"])
        self.calls[key] = call
        target = {
            "contact": order.get("contact"),
            "extension": order["extension"],
            "auto_answer": order.get("auto_answer", True),
        }
        # no SDP: the secretary's phone makes the offer (RFC 3725 flow I)
        try:
            call.a = self.ring(call, target, b"", order["caller_id"])
        except SipError as error:
            del self.calls[key]
            _logger.warning("originate %s refused: %s", key, error)
            return 409
        call.b_legs.pop(call.a.call_id)
        call.timer = asyncio.get_running_loop().call_later(
            self.options.ring_timeout, self.ring_timeout, call
        )
        self.stats["originated"] += 1
        self.save_state()
        return 202

    # --- state across restarts -----------------------------------------------------
    def call_states(self):
        return [
            {
                "key": call.key,
                "direction": call.direction,
                "caller": call.caller,
                "called": call.called,
                "legs": [
                    leg.state()
                    for leg in (call.a, *call.b_legs.values())
                    if leg is not None and leg.final == 200
                ],
            }
            for call in self.calls.values()
        ]

    def reconcile(self):
        """After a restart: hang up the calls the previous run left connected and
        queue their end; queue again the events it could not deliver."""
        saved_calls = self.read_state()
        for saved in saved_calls:
            call = Call(
                saved["key"], saved["direction"], saved["caller"], saved["called"]
            )
            for data in saved["legs"]:
                leg = Leg(
                    data["role"],
                    tuple(data["addr"]),
                    data["call_id"],
                    data["local_tag"],
                    data["remote_tag"],
                )
                leg.local_uri, leg.remote_uri = data["local_uri"], data["remote_uri"]
                leg.target, leg.cseq = data["target"], data["cseq"]
                self.in_dialog(leg, "BYE")
            _logger.warning("call %s was in progress at restart: hung up", call.key)
            self.queue_event(call, "ended", time.time(), reason="bridge_restart")
        return len(saved_calls)


def _utf8(text):
    """``text`` as bytes, for a constant-time comparison of any text."""
    return text.encode("utf-8", "surrogatepass")


def digest_params(header):
    """The parameters of a ``Digest k="v", k2=v2`` Authorization value."""
    _scheme, _space, rest = header.partition(" ")
    return {
        key.lower(): quoted if quoted or not bare else bare
        for key, quoted, bare in re.findall(
            r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))', rest
        )
    }


async def handle_http(bridge, reader, writer):
    """The bridge's HTTP side: POST /originate (signed) and GET /health."""
    status, answer = 400, {"error": "bad request"}
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if length > 65536:
            raise ValueError("body too large")
        body = await asyncio.wait_for(reader.readexactly(length), 5) if length else b""
        status, answer = serve(bridge, method, path, headers, body)
    except (
        ValueError,
        asyncio.IncompleteReadError,
        asyncio.LimitOverrunError,
        asyncio.TimeoutError,
    ) as error:
        _logger.warning("bad HTTP request to the bridge: %s", error)
    data = json.dumps(answer).encode()
    writer.write(
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
        + data
    )
    await writer.drain()
    writer.close()


def serve(bridge, method, path, headers, body):
    if method == "GET" and path == "/health":
        return 200, {
            "calls": len(bridge.calls),
            "outbox": len(bridge.pending_events()),
            **bridge.stats,
            **bridge.ringing_figures(),
        }
    if method != "POST" or path != "/originate":
        return 404, {"error": "not found"}
    lowered = {
        signing.HEADER_TIMESTAMP: headers.get(signing.HEADER_TIMESTAMP.lower()),
        signing.HEADER_NONCE: headers.get(signing.HEADER_NONCE.lower()),
        signing.HEADER_SIGNATURE: headers.get(signing.HEADER_SIGNATURE.lower()),
    }
    ok, reason, nonce = signing.verify(bridge.options.secret, lowered, body, MAX_SKEW)
    if not ok:
        _logger.warning("originate refused: %s", reason)
        return 401, {"error": reason}
    now = time.time()
    for old in [n for n, expiry in bridge.nonces.items() if expiry < now]:
        del bridge.nonces[old]
    if nonce in bridge.nonces:
        _logger.warning("originate refused: replayed nonce")
        return 409, {"error": "replayed request"}
    bridge.nonces[nonce] = now + 2 * MAX_SKEW
    try:
        order = json.loads(body)
        for key in ("call_id", "extension", "number", "caller_id"):
            if not isinstance(order.get(key), str) or not order[key]:
                raise ValueError(f"{key} is missing")
        if order.get("contact"):
            address_of(order["contact"])
    except (ValueError, SipError) as error:
        _logger.warning("originate refused: %s", error)
        return 400, {"error": str(error)}
    return bridge.originate(order), {"call_id": order["call_id"]}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="CalenDoc telephony bridge (SIP B2BUA, or Asterisk through ARI)"
    )
    parser.add_argument(
        "--sip", default="127.0.0.1:5060", help="host:port to listen on (UDP)"
    )
    parser.add_argument(
        "--http", default="127.0.0.1:5080", help="host:port of /originate"
    )
    parser.add_argument(
        "--odoo-url", required=True, help="Odoo's URL, as http://127.0.0.1:8069"
    )
    parser.add_argument(
        "--trunk", help="host:port of the SIP trunk for outgoing calls (SIP only)"
    )
    parser.add_argument(
        "--pbx",
        help="the PBX connection (id or name) configured in Odoo, asked to Odoo "
        "at start (signed): an Asterisk one is driven through ARI",
    )
    parser.add_argument(
        "--secret-file",
        help="file holding the shared secret (else $CALENDOC_VOIP_SECRET)",
    )
    parser.add_argument(
        "--state-file", help="where calls in progress are kept across restarts"
    )
    parser.add_argument(
        "--register-from",
        default="127.0.0.1/32",
        help="networks (comma-separated CIDR) whose phones may REGISTER",
    )
    parser.add_argument(
        "--trunk-from",
        default="127.0.0.1/32",
        help="networks (comma-separated CIDR) of the trunk, the only ones whose "
        "INVITEs start a call (others get 403)",
    )
    parser.add_argument(
        "--realm", default="calendoc", help="digest realm of the registrar"
    )
    parser.add_argument(
        "--sip-t1",
        type=float,
        default=T1,
        help="RFC 3261 T1 in seconds (0.5; smaller only on a fast private network)",
    )
    parser.add_argument("--ring-timeout", type=float, default=30.0)
    parser.add_argument("--retry-delay", type=float, default=1.0)
    parser.add_argument(
        "--reconnect-delay",
        type=float,
        default=1.0,
        help="first wait before reconnecting a dropped ARI WebSocket (doubled "
        "up to 30 s)",
    )
    parser.add_argument("--log-level", default="INFO")
    options = parser.parse_args(argv)
    if options.secret_file:
        with open(options.secret_file, encoding="utf-8") as handle:
            options.secret = handle.read().strip()
    else:
        options.secret = os.environ.get("CALENDOC_VOIP_SECRET", "")
    if not options.secret:
        parser.error("no shared secret: --secret-file or $CALENDOC_VOIP_SECRET")
    if not options.pbx and not options.trunk:
        parser.error("--trunk is required without --pbx")
    options.register_from, options.trunk_from = (
        [
            ipaddress.ip_network(net.strip(), strict=False)
            for net in networks.split(",")
            if net.strip()
        ]
        for networks in (options.register_from, options.trunk_from)
    )
    options.sip_host, port = options.sip.rsplit(":", 1)
    options.sip_port = int(port)
    return options


async def run(options):
    loop = asyncio.get_running_loop()
    bridge = Bridge(options)
    transport, _protocol = await loop.create_datagram_endpoint(
        lambda: bridge, local_addr=(options.sip_host, options.sip_port)
    )
    http_host, http_port = options.http.rsplit(":", 1)
    server = await asyncio.start_server(
        lambda r, w: handle_http(bridge, r, w), http_host, int(http_port)
    )
    reconciled = bridge.reconcile()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    _logger.info(
        "bridge ready: SIP %s:%s, HTTP %s, Odoo %s (%d calls reconciled)",
        options.sip_host,
        options.sip_port,
        options.http,
        options.odoo_url,
        reconciled,
    )
    await stop.wait()
    _logger.info("bridge stopping: %d events to deliver", len(bridge.pending_events()))
    if bridge.senders:
        # what is not delivered in time stays in the state file for the next run
        await asyncio.wait(list(bridge.senders.values()), timeout=10)
    bridge.write_state()
    server.close()
    transport.close()


def main(argv=None):
    options = parse_args(argv)
    logging.basicConfig(
        level=options.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = fetch_pbx_config(options) if options.pbx else {"kind": "sip"}
    if config["kind"] == "asterisk_ari":
        # imported here: the ARI driver reuses this module's HTTP side
        import ari  # pylint: disable=import-outside-toplevel

        asyncio.run(ari.run(options, config))
        return
    if not options.trunk:
        raise SystemExit(f"PBX {config['name']} is SIP: --trunk is required")
    asyncio.run(run(options))


def fetch_pbx_config(options):
    """The PBX connection ``--pbx`` as configured in Odoo (signed request),
    asked again while Odoo is unreachable; exits when Odoo refuses."""
    link = OdooLink(options)
    delay = 1
    while True:
        status, config = link.ask_odoo(
            "/calendoc_voip/pbx_config", {"pbx": options.pbx}, "the PBX configuration"
        )
        if status == 200:
            break
        if status is not None:
            raise SystemExit(
                f"Odoo refused the configuration of PBX {options.pbx!r}: HTTP {status}"
            )
        _logger.warning("Odoo unreachable, PBX configuration asked again in %ds", delay)
        time.sleep(delay)
        delay = min(delay * 2, 30)
    _logger.info(
        "PBX %s (%s): %s",
        config["name"],
        config["kind"],
        config.get("ari", {}).get("url", "SIP"),
    )
    return config
