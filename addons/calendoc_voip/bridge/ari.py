"""The bridge's Asterisk driver: ARI (REST + events over a WebSocket).

Asterisk (chan_pjsip) sends the practice lines to ``Stasis(<app>)``; every
channel entering the application (``StasisStart``) that the bridge did not
create is an incoming call: the same signed "ringing" event as the SIP
driver's is posted to Odoo, keyed on the Asterisk channel id (unique in a
PBX), and Odoo answers whom to ring or to refuse. The driver then originates
one channel per secretary's phone (``POST /channels``, auto-answer asked with
a ``Call-Info`` header), connects the first that answers to the caller in a
mixing bridge, hangs up the others, and posts "answered" and "ended".
When Odoo's answer says the account allows recording, the PBX's consent
announcement is played into the bridge first (``POST /bridges/{id}/play``);
the bridge is recorded once it has been played (``PlaybackFinished``, then
``POST /bridges/{id}/record``), never before; after the call the audio is
fetched (``GET /recordings/stored/{name}/file``), posted to Odoo in a signed
"recorded" event and deleted from Asterisk.
Click-to-call (``/originate``, signed, from Odoo): the secretary's phone is
originated first, then the outside number through the trunk endpoint with the
practice line as caller id, and both are bridged.

The event WebSocket is held by a small RFC 6455 client (the bridge uses the
standard library only); when it drops, the driver logs it, reconnects with a
backoff and reconciles its calls with ``GET /channels``: a channel gone
meanwhile ends its call (posted once, events are idempotent in Odoo), a phone
answered meanwhile is connected. The calls in progress are kept in the state
file: a restarted bridge takes them back the same way.
"""

import asyncio
import base64
import hashlib
import json
import logging
import secrets
import signal
import ssl
import struct
import time
import urllib.error
import urllib.parse
import urllib.request

import sipbridge
from odoolink import HTTP_TIMEOUT, OdooLink

_logger = logging.getLogger("calendoc_bridge.ari")
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE = 1 << 20
# appArgs of the channels the bridge originates, to know them from callers
DIALLED = "calendoc-dialled"
# How long a finished call's key is remembered against replayed StasisStart.
FINISHED_MEMORY = 3600
# How long the bridge waits for Asterisk to have a stopped recording's file.
RECORDING_WAIT = 5


class WebSocketError(Exception):
    """The WebSocket peer broke RFC 6455, or refused the handshake."""


def _mask(data, key):
    length = len(data)
    keys = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(data, "big") ^ int.from_bytes(keys, "big")).to_bytes(
        length, "big"
    )


class WebSocket:
    """A client WebSocket (RFC 6455): text messages in, masked frames out."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, url, headers, timeout):
        parts = urllib.parse.urlsplit(url)
        secure = parts.scheme in ("https", "wss")
        port = parts.port or (443 if secure else 80)
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                parts.hostname,
                port,
                ssl=ssl.create_default_context() if secure else None,
                limit=MAX_MESSAGE,
            ),
            timeout,
        )
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [
            f"GET {target} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = status_line.split(" ", 2)[1] if " " in status_line else ""
            if status != "101":
                raise WebSocketError(f"handshake answered {status_line.strip()!r}")
            answer = {}
            for line in header_lines:
                name, _colon, value = line.partition(":")
                answer[name.strip().lower()] = value.strip()
            expected = base64.b64encode(
                hashlib.sha1((key + WS_GUID).encode()).digest()
            ).decode()
            if (
                answer.get("upgrade", "").lower() != "websocket"
                or "upgrade" not in answer.get("connection", "").lower()
                or answer.get("sec-websocket-accept") != expected
            ):
                raise WebSocketError("handshake without the right Sec-WebSocket-Accept")
        except BaseException:
            writer.close()
            raise
        return cls(reader, writer)

    async def receive(self):
        """The next message (text); None once the server closed."""
        opcode, fragments, size = None, [], 0
        while True:
            fin, op, payload = await self._frame()
            if op == 0x8:
                # close: answer with the same code, then the TCP goes
                await self._send(0x8, payload[:2])
                self.writer.close()
                return None
            if op == 0x9:
                await self._send(0xA, payload)
                continue
            if op == 0xA:
                continue
            if op in (0x1, 0x2):
                if opcode is not None:
                    raise WebSocketError("a new message inside a fragmented one")
                opcode, fragments, size = op, [], 0
            elif op != 0x0 or opcode is None:
                raise WebSocketError(f"unexpected frame (opcode {op})")
            fragments.append(payload)
            size += len(payload)
            if size > MAX_MESSAGE:
                raise WebSocketError("message too large")
            if fin:
                try:
                    return b"".join(fragments).decode("utf-8")
                except UnicodeDecodeError as error:
                    raise WebSocketError("a text message is not UTF-8") from error

    async def _frame(self):
        first, second = await self.reader.readexactly(2)
        fin, opcode = bool(first & 0x80), first & 0x0F
        if first & 0x70:
            raise WebSocketError("reserved bits set without an extension")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        if opcode >= 0x8 and (length > 125 or not fin):
            raise WebSocketError("a control frame is fragmented or too long")
        if length > MAX_MESSAGE:
            raise WebSocketError("frame too large")
        key = await self.reader.readexactly(4) if second & 0x80 else None
        payload = await self.reader.readexactly(length)
        return fin, opcode, _mask(payload, key) if key else payload

    async def _send(self, opcode, payload):
        """One frame, masked as every client frame must be."""
        key = secrets.token_bytes(4)
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        self.writer.write(head + key + _mask(payload, key))
        await self.writer.drain()

    async def send_text(self, text):
        await self._send(0x1, text.encode())

    async def close(self, code=1000):
        try:
            await self._send(0x8, struct.pack("!H", code))
        except (OSError, RuntimeError):
            pass
        self.writer.close()


class AriRest:
    """ARI's REST side, blocking (run in an executor); basic authentication.
    The password is only in the Authorization header: never logged."""

    def __init__(self, config):
        self.base = config["url"].rstrip("/") + "/ari"
        token = f"{config['user']}:{config['password']}".encode()
        self.authorization = "Basic " + base64.b64encode(token).decode()

    def request(self, method, path, params=None, body=None):
        """(status, decoded JSON answer or None); status None when unreachable."""
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": self.authorization}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            _logger.warning("ARI refused %s %s: HTTP %s", method, path, error.code)
            return error.code, None
        except (urllib.error.URLError, OSError, ValueError) as error:
            _logger.warning("ARI unreachable for %s %s: %s", method, path, error)
            return None, None

    async def call(self, method, path, params=None, body=None):
        return await asyncio.get_running_loop().run_in_executor(
            None, self.request, method, path, params, body
        )

    def download(self, path):
        """(status, bytes) of a GET of a binary resource (a recording's
        file); status None when unreachable."""
        request = urllib.request.Request(
            self.base + path, headers={"Authorization": self.authorization}
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, b""
        except (urllib.error.URLError, OSError) as error:
            _logger.warning("ARI unreachable for GET %s: %s", path, error)
            return None, b""


class AriCall:
    """A call: the channel that started it (the caller's, or the secretary's
    for click-to-call) and the channels the bridge originated for it."""

    def __init__(self, key, direction, caller, called):
        self.key = key  # the call id known to Odoo
        self.direction = direction
        self.caller = caller
        self.called = called
        self.channel = None
        self.roles = {}  # channel id -> 'caller', 'phone', 'secretary', 'callee'
        self.extensions = {}  # channel id of a phone -> its extension
        self.peer = None  # the channel connected to self.channel
        self.extension = None  # the secretary's
        self.bridge = None
        self.answered = False
        self.calling_out = False  # click-to-call: the outside number is called
        self.ended = False
        self.timer = None
        self.pending = 0  # overflow phones not rung yet
        self.started = time.time()
        self.record = False  # the account allows recording (Odoo's answer)
        self.playback = None  # the consent announcement being played
        self.recording = None  # the name of the bridge's live recording

    def state(self):
        return {
            "key": self.key,
            "direction": self.direction,
            "caller": self.caller,
            "called": self.called,
            "channel": self.channel,
            "roles": self.roles,
            "extensions": self.extensions,
            "peer": self.peer,
            "extension": self.extension,
            "bridge": self.bridge,
            "answered": self.answered,
            "calling_out": self.calling_out,
            "started": self.started,
            "record": self.record,
            "recording": self.recording,
        }

    @classmethod
    def restore(cls, saved):
        call = cls(saved["key"], saved["direction"], saved["caller"], saved["called"])
        for name in (
            "channel",
            "peer",
            "extension",
            "bridge",
            "answered",
            "calling_out",
            "started",
        ):
            setattr(call, name, saved[name])
        call.record = saved.get("record", False)
        call.recording = saved.get("recording")
        call.roles = dict(saved["roles"])
        call.extensions = dict(saved["extensions"])
        return call


class AriBridge(OdooLink):
    def __init__(self, options, config):
        super().__init__(options)
        self.pbx_id = config["id"]
        self.pbx_name = config["name"]
        ari = config["ari"]
        self.app = ari["app"]
        self.trunk_endpoint = ari["trunk_endpoint"]
        self.phone_endpoint = ari["phone_endpoint"]
        self.announcement_media = ari.get("announcement_media") or ""
        self.playbacks = {}  # playback id -> its call (consent announcements)
        self.rest = AriRest(ari)
        parts = urllib.parse.urlsplit(ari["url"].rstrip("/"))
        query = urllib.parse.urlencode({"app": self.app, "subscribeAll": "false"})
        self.events_url = urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc, parts.path + "/ari/events", query, "")
        )
        self.channels = {}  # channel id -> its call
        self.finished = {}  # call key -> when it ended (replayed StasisStart)
        self.websocket = None
        self.tasks = set()

    # --- the event WebSocket ---------------------------------------------------------
    async def listen(self):
        """Hold the event WebSocket, forever: reconnect with a backoff when
        it drops, and reconcile the calls each time it is back."""
        delay = self.options.reconnect_delay
        while True:
            try:
                self.websocket = await WebSocket.connect(
                    self.events_url, {"Authorization": self.rest.authorization}, 10
                )
            except (
                OSError,
                asyncio.TimeoutError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                WebSocketError,
            ) as error:
                _logger.error(
                    "ARI WebSocket to %s refused or unreachable (%s): next try in "
                    "%.1f s",
                    self.events_url,
                    error or type(error).__name__,
                    delay,
                )
                self.report("disconnected", str(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            delay = self.options.reconnect_delay
            self.stats["ari_connections"] += 1
            _logger.info(
                "ARI WebSocket connected to %s (application %s)",
                self.events_url,
                self.app,
            )
            self.report("connected", "")
            await self.reconcile_channels()
            reason = "closed by Asterisk"
            try:
                while (text := await self.websocket.receive()) is not None:
                    self.on_message(text)
            except (OSError, asyncio.IncompleteReadError, WebSocketError) as error:
                reason = str(error) or type(error).__name__
            self.websocket.writer.close()
            self.websocket = None
            self.stats["ari_drops"] += 1
            _logger.error(
                "ARI WebSocket dropped (%s) with %d calls in progress: reconnecting",
                reason,
                len(self.calls),
            )
            self.report("disconnected", reason)

    def on_message(self, text):
        try:
            event = json.loads(text)
            kind = event["type"]
            channel = event.get("channel") or {}
            channel_id = channel.get("id")
            args = event.get("args") or []
            if not isinstance(channel_id, (str, type(None))) or not isinstance(
                args, list
            ):
                raise TypeError("channel id or args of the wrong type")
        except (ValueError, KeyError, TypeError, AttributeError):
            _logger.warning("dropped a malformed ARI event: %.200s", text)
            self.stats["malformed"] += 1
            return
        if kind == "StasisStart" and channel_id:
            if channel_id in self.channels:
                # an originated channel enters the application when answered
                self.channel_up(channel_id)
            elif args[:1] == [DIALLED]:
                # one of ours from a call this bridge no longer holds
                _logger.warning("channel %s of a finished call: hung up", channel_id)
                self.spawn(self.hang_up_channel(channel_id))
            elif channel_id in self.finished:
                _logger.info("call %s: StasisStart replayed, ignored", channel_id)
            else:
                self.spawn(self.incoming_call(channel))
        elif kind == "ChannelStateChange" and channel_id in self.channels:
            if channel.get("state") == "Up":
                self.channel_up(channel_id)
        elif kind in ("ChannelDestroyed", "StasisEnd", "ChannelHangupRequest"):
            if channel_id in self.channels:
                self.channel_gone(channel_id, event.get("cause_txt") or kind)
        elif kind == "PlaybackFinished":
            playback = event.get("playback")
            call = self.playbacks.pop(
                playback.get("id") if isinstance(playback, dict) else None, None
            )
            if call is not None and not call.ended:
                self.spawn(self.start_recording(call))

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task):
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _logger.error(
                "ARI driver error: %s", task.exception(), exc_info=task.exception()
            )

    def report(self, status, detail):
        """Tell Odoo how the link to the PBX is (the PBX's status field)."""
        payload = {"pbx": self.pbx_id, "status": status, "detail": detail[:200]}
        asyncio.get_running_loop().run_in_executor(
            None, self.ask_odoo, "/calendoc_voip/pbx_status", payload, "PBX status"
        )

    async def reconcile_channels(self):
        """After a (re)connection: the calls whose channels went away while
        the bridge did not listen end; phones answered meanwhile connect."""
        known = set(self.channels)  # those created meanwhile are not judged
        status, channels = await self.rest.call("GET", "/channels")
        if status != 200 or not isinstance(channels, list):
            _logger.error("ARI GET /channels failed (%s): calls not reconciled", status)
            return
        alive = {
            channel.get("id"): channel
            for channel in channels
            if isinstance(channel, dict)
        }
        gone = [cid for cid in known if cid in self.channels and cid not in alive]
        for channel_id in gone:
            call = self.channels.get(channel_id)
            if call is not None:
                _logger.warning(
                    "call %s: channel %s ended while the ARI link was down",
                    call.key,
                    channel_id,
                )
                self.channel_gone(channel_id, "gone while disconnected")
        for channel_id in known & set(alive):
            if channel_id in self.channels and alive[channel_id].get("state") == "Up":
                self.channel_up(channel_id)
        self.stats["reconciled"] += len(gone)

    # --- incoming calls ----------------------------------------------------------------
    async def incoming_call(self, channel):
        channel_id = channel["id"]
        caller, dialplan = channel.get("caller"), channel.get("dialplan")
        caller = (caller.get("number") if isinstance(caller, dict) else "") or ""
        called = (dialplan.get("exten") if isinstance(dialplan, dict) else "") or ""
        if not isinstance(caller, str) or not isinstance(called, str):
            caller, called = str(caller), str(called)
        call = AriCall(channel_id, "in", caller, called)
        call.channel = channel_id
        self.track(call, channel_id, "caller")
        self.calls[call.key] = call
        self.stats["incoming"] += 1
        # in the state file before Odoo hears of it (written by post_event)
        self.save_state()
        status, answer = await self.post_event(call, "ringing", call.started, wait=True)
        if call.ended:
            return  # the caller hung up while Odoo answered
        if status is None:
            _logger.error("call %s: Odoo unreachable, caller hung up", call.key)
            await self.refuse(call, "congestion", "odoo_unreachable")
            return
        if status == 404:
            _logger.warning(
                "call %s to %s: no such practice line, hung up", call.key, called
            )
            await self.refuse(call, "unallocated", None)
            return
        if status != 200:
            _logger.error("call %s: Odoo answered %s to ringing", call.key, status)
            await self.refuse(call, "failure", "odoo_error")
            return
        if answer.get("action") == "refuse":
            _logger.warning(
                "call %s to %s refused: calls not allowed, hung up", call.key, called
            )
            await self.refuse(call, "rejected", "refused")
            return
        targets = answer.get("targets") or []
        if not targets:
            _logger.warning("call %s: nobody on duty for %s", call.key, called)
            await self.refuse(call, "no_answer", "no_answer")
            return
        # recorded only if the account allows it, after the consent announcement
        call.record = bool(answer.get("record"))
        await self.rest.call("POST", f"/channels/{channel_id}/ring")
        loop = asyncio.get_running_loop()
        timeout = float(answer.get("ring_timeout") or self.options.ring_timeout)
        for target in targets:
            delay = float(target.get("delay") or 0)
            if delay > 0:
                call.pending += 1
                loop.call_later(delay, self.ring_overflow, call, target, timeout)
            else:
                await self.dial_phone(call, target, timeout)
        if call.ended:
            return
        if not call.extensions and not call.pending:
            await self.refuse(call, "no_answer", "no_answer")
            return
        call.timer = loop.call_later(timeout, self.ring_timeout, call)
        self.save_state()

    def ring_overflow(self, call, target, timeout):
        call.pending -= 1
        if call.answered or call.ended:
            return
        _logger.info("call %s: overflow to %s", call.key, target.get("extension"))
        self.spawn(self.dial_phone(call, target, timeout))

    async def dial_phone(self, call, target, timeout):
        extension = target.get("extension") or ""
        channel_id = await self.originate_channel(
            call,
            "phone",
            self.phone_endpoint.format(extension=extension),
            call.caller,
            timeout,
            auto_answer=target.get("auto_answer"),
        )
        if channel_id:
            call.extensions[channel_id] = extension
            _logger.info("call %s: ringing extension %s", call.key, extension)
        elif call.direction == "in" and not self.ringing(call) and not call.pending:
            await self.refuse(call, "no_answer", "no_answer")

    async def originate_channel(
        self, call, role, endpoint, caller_id, timeout, auto_answer=False
    ):
        """Ask Asterisk for a channel to ``endpoint`` into our application; its
        id (chosen here, so that its events are known), None when refused."""
        channel_id = f"calendoc-{secrets.token_hex(8)}"
        self.track(call, channel_id, role)
        variables = {}
        if auto_answer:
            # chan_pjsip adds the header to the INVITE: the phone picks up
            variables["PJSIP_HEADER(add,Call-Info)"] = (
                f"<sip:{self.app}>;answer-after=0"
            )
        status, _channel = await self.rest.call(
            "POST",
            "/channels",
            params={
                "endpoint": endpoint,
                "app": self.app,
                "appArgs": f"{DIALLED},{call.key}",
                "callerId": caller_id,
                "timeout": int(timeout),
                "channelId": channel_id,
            },
            body={"variables": variables},
        )
        if status != 200:
            _logger.warning(
                "call %s: Asterisk refused to call %s (%s)", call.key, endpoint, status
            )
            self.channels.pop(channel_id, None)
            call.roles.pop(channel_id, None)
            return None
        return channel_id

    def ringing(self, call):
        return [cid for cid, role in call.roles.items() if role == "phone"]

    def ring_timeout(self, call):
        if call.answered or call.ended:
            return
        _logger.info("call %s: nobody answered in time", call.key)
        self.hang_up(call, "no_answer", cause="no_answer")

    async def refuse(self, call, cause, reason):
        """Hang up the caller before anybody answered (``cause``: ARI's hang-up
        reason) and record the end unless Odoo refused the call itself."""
        call.ended = True
        self.forget(call)
        await self.hang_up_channel(call.channel, cause)
        if reason:
            self.queue_event(
                call, "ended", time.time(), reason=reason, rang=call.started
            )

    # --- click-to-call -------------------------------------------------------------------
    def originate(self, order):
        """/originate (signed, checked by the HTTP side): ring the secretary's
        phone first; the outside number is called when she picks up."""
        key = order["call_id"]
        if key in self.calls or key in self.finished:
            return 200  # a retry of the same order
        call = AriCall(key, "out", order["caller_id"], order["number"])
        call.extension = order["extension"]
        self.calls[key] = call
        self.stats["originated"] += 1
        self.spawn(self.call_secretary(call, order.get("auto_answer", True)))
        return 202

    async def call_secretary(self, call, auto_answer):
        loop = asyncio.get_running_loop()
        call.timer = loop.call_later(self.options.ring_timeout, self.ring_timeout, call)
        call.channel = await self.originate_channel(
            call,
            "secretary",
            self.phone_endpoint.format(extension=call.extension),
            call.caller,
            self.options.ring_timeout,
            auto_answer=auto_answer,
        )
        if call.channel is None:
            self.hang_up(call, "no_answer")
            return
        self.save_state()

    # --- channel events ------------------------------------------------------------------
    def track(self, call, channel_id, role):
        call.roles[channel_id] = role
        self.channels[channel_id] = call

    def channel_up(self, channel_id):
        """``channel_id`` answered (ChannelStateChange Up, StasisStart of an
        originated channel, or found Up when reconciling): each is seen once."""
        call = self.channels[channel_id]
        role = call.roles[channel_id]
        if channel_id == call.peer or call.ended:
            return
        if role == "phone" and call.answered:
            self.spawn(self.drop(call, channel_id))  # someone else was quicker
        elif role in ("phone", "callee") and not call.answered:
            call.answered = True
            call.peer = channel_id
            self.spawn(self.connect(call, channel_id))
        elif role == "secretary" and not call.calling_out:
            call.calling_out = True
            _logger.info("call %s: the secretary picked up, calling", call.key)
            self.spawn(self.call_outside(call))

    async def call_outside(self, call):
        channel_id = await self.originate_channel(
            call,
            "callee",
            self.trunk_endpoint.format(number=call.called),
            call.caller,
            self.options.ring_timeout,
        )
        if channel_id is None:
            self.hang_up(call, "no_answer")

    async def connect(self, call, channel_id):
        """Put ``channel_id`` (a phone that answered, or the outside number)
        with the call's first channel in a mixing bridge."""
        if call.timer:
            call.timer.cancel()
        if call.direction == "in":
            call.extension = call.extensions.get(channel_id)
            for other in [c for c in self.ringing(call) if c != channel_id]:
                await self.drop(call, other)
            await self.rest.call("POST", f"/channels/{call.channel}/answer")
        _logger.info("call %s answered by %s", call.key, call.extension)
        self.queue_event(call, "answered", time.time(), extension=call.extension)
        self.save_state()
        bridge_id = f"calendoc-{secrets.token_hex(8)}"
        status, _bridge = await self.rest.call(
            "POST", "/bridges", params={"type": "mixing", "bridgeId": bridge_id}
        )
        if status != 200 or call.ended:
            if status != 200:
                _logger.error("call %s: no bridge (%s), hung up", call.key, status)
                self.hang_up(call, "failure")
            return
        call.bridge = bridge_id
        self.save_state()
        await self.rest.call(
            "POST",
            f"/bridges/{bridge_id}/addChannel",
            params={"channel": f"{call.channel},{channel_id}"},
        )
        if call.record and call.direction == "in":
            await self.announce_recording(call)

    # --- recording (the account allows it) ---------------------------------------------
    async def announce_recording(self, call):
        """Play the consent announcement to both parties; the recording
        starts when it has been played (PlaybackFinished), never before."""
        if not self.announcement_media:
            _logger.error(
                "call %s: no consent announcement configured, not recorded", call.key
            )
            return
        playback_id = f"calendoc-{secrets.token_hex(8)}"
        self.playbacks[playback_id] = call
        status, _playback = await self.rest.call(
            "POST",
            f"/bridges/{call.bridge}/play",
            params={"media": self.announcement_media, "playbackId": playback_id},
        )
        if status not in (200, 201):
            self.playbacks.pop(playback_id, None)
            _logger.error(
                "call %s: the consent announcement could not be played (%s), "
                "not recorded",
                call.key,
                status,
            )
            return
        call.playback = playback_id

    async def start_recording(self, call):
        name = f"calendoc-{secrets.token_hex(8)}"
        status, _recording = await self.rest.call(
            "POST",
            f"/bridges/{call.bridge}/record",
            params={"name": name, "format": "wav", "ifExists": "fail"},
        )
        if status not in (200, 201):
            _logger.error(
                "call %s: recording refused by Asterisk (%s)", call.key, status
            )
            return
        if call.ended:
            # hung up while Asterisk started it: collect what there is
            call.recording = name
            self.spawn(self.collect_recording(call))
            return
        call.recording = name
        _logger.info("call %s: recording after the consent announcement", call.key)
        self.save_state()

    async def collect_recording(self, call):
        """The call is over: stop its recording, send the audio to Odoo (a
        "recorded" event, kept and retried like the others) and delete it
        from Asterisk."""
        name = call.recording
        await self.rest.call("POST", f"/recordings/live/{name}/stop")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RECORDING_WAIT
        while True:
            status, audio = await loop.run_in_executor(
                None, self.rest.download, f"/recordings/stored/{name}/file"
            )
            if status == 200 or loop.time() > deadline:
                break
            await asyncio.sleep(0.2)  # Asterisk is still writing the file
        if status != 200:
            _logger.error(
                "call %s: recording %s not found (%s)", call.key, name, status
            )
            return
        self.queue_event(
            call,
            "recorded",
            time.time(),
            recording=base64.b64encode(audio).decode(),
            mimetype="audio/wav",
        )
        await self.rest.call("DELETE", f"/recordings/stored/{name}")

    async def drop(self, call, channel_id):
        """Hang up a phone that rang for a call someone else took."""
        self.channels.pop(channel_id, None)
        call.roles.pop(channel_id, None)
        call.extensions.pop(channel_id, None)
        await self.hang_up_channel(channel_id, "normal")

    def channel_gone(self, channel_id, why):
        call = self.channels.pop(channel_id, None)
        if call is None or call.ended:
            return
        role = call.roles.pop(channel_id, None)
        if role == "phone" and channel_id != call.peer:
            call.extensions.pop(channel_id, None)
            _logger.info("call %s: a phone stopped ringing (%s)", call.key, why)
            if not call.answered and not self.ringing(call) and not call.pending:
                _logger.info("call %s: every phone refused it", call.key)
                self.hang_up(call, "no_answer", cause="no_answer")
            return
        if role in ("caller", "phone", "secretary") or call.answered:
            self.hang_up(call, "bye")
        else:
            self.hang_up(call, "no_answer")  # the outside number did not answer

    def hang_up(self, call, reason, cause="normal"):
        """End ``call``: hang up its channels left, record the end once."""
        if call.ended:
            return
        call.ended = True
        for channel_id in list(call.roles):
            self.spawn(self.hang_up_channel(channel_id, cause))
        if call.bridge:
            self.spawn(self.rest.call("DELETE", f"/bridges/{call.bridge}"))
        reason = reason if call.answered or reason != "bye" else "cancel"
        self.queue_event(call, "ended", time.time(), reason=reason)
        self.playbacks.pop(call.playback, None)
        if call.recording:
            self.spawn(self.collect_recording(call))
        self.forget(call)

    async def hang_up_channel(self, channel_id, cause="normal"):
        self.channels.pop(channel_id, None)
        await self.rest.call("DELETE", f"/channels/{channel_id}", {"reason": cause})

    def forget(self, call):
        if call.timer:
            call.timer.cancel()
        self.calls.pop(call.key, None)
        for channel_id in call.roles:
            self.channels.pop(channel_id, None)
        now = time.time()
        self.finished[call.key] = now
        for key in [k for k, at in self.finished.items() if at < now - FINISHED_MEMORY]:
            del self.finished[key]
        self.save_state()

    # --- state across restarts -----------------------------------------------------------
    def call_states(self):
        return [call.state() for call in self.calls.values()]

    def restore(self):
        """After a restart: take back the calls of the previous run (the
        WebSocket's first reconciliation ends those whose channels are gone)
        and queue again the events it could not deliver."""
        saved_calls = self.read_state()
        loop = asyncio.get_running_loop()
        for saved in saved_calls:
            call = AriCall.restore(saved)
            self.calls[call.key] = call
            for channel_id, role in call.roles.items():
                self.track(call, channel_id, role)
            if not call.answered:
                call.timer = loop.call_later(
                    self.options.ring_timeout, self.ring_timeout, call
                )
            _logger.warning("call %s was in progress at restart: taken back", call.key)
        return len(saved_calls)


async def run(options, config):
    loop = asyncio.get_running_loop()
    bridge = AriBridge(options, config)
    http_host, http_port = options.http.rsplit(":", 1)
    server = await asyncio.start_server(
        lambda r, w: sipbridge.handle_http(bridge, r, w), http_host, int(http_port)
    )
    restored = bridge.restore()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    listener = asyncio.ensure_future(bridge.listen())
    _logger.info(
        "bridge ready: Asterisk ARI %s (PBX %s), HTTP %s, Odoo %s "
        "(%d calls taken back)",
        bridge.events_url,
        bridge.pbx_name,
        options.http,
        options.odoo_url,
        restored,
    )
    await stop.wait()
    _logger.info("bridge stopping: %d events to deliver", len(bridge.pending_events()))
    listener.cancel()
    if bridge.websocket is not None:
        await bridge.websocket.close()
    if bridge.senders:
        # what is not delivered in time stays in the state file for the next run
        await asyncio.wait(list(bridge.senders.values()), timeout=10)
    bridge.write_state()
    server.close()
