"""A local stand-in for Asterisk's REST Interface (ARI), for the tests.

Asterisk cannot be installed here, so it is replaced at the network only: a
server on 127.0.0.1 speaking ARI's documented wire format (the REST resources
the bridge uses, the events WebSocket of ``/ari/events`` with the JSON events
of the ARI reference, field names as Asterisk sends them), driven by the test
("a call arrives on a line", "this phone answers", "hang up", "drop the
WebSocket"). Its WebSocket server checks what RFC 6455 asks of a client
(handshake, masked frames, pong to a ping) and sends each event in fragments
with a ping between them.
"""

import asyncio
import base64
import hashlib
import itertools
import json
import random
import secrets
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timezone

from .sip_harness import BridgeProcess

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
REASONS = {  # ARI's hang-up reasons and the Q.850 cause each gives
    "normal": 16,
    "busy": 17,
    "congestion": 34,
    "no_answer": 19,
    "rejected": 21,
    "unallocated": 1,
    "failure": 38,
}


# What a stored recording's file holds here: 0.1 s of 8 kHz 16-bit silence.
WAV = (
    b"RIFF"
    + struct.pack("<I", 36 + 1600)
    + b"WAVEfmt "
    + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    + b"data"
    + struct.pack("<I", 1600)
    + b"\0" * 1600
)


def _timestamp():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


class AriStandIn:
    def __init__(self, port, user="calendoc", password="ari-s3cret-pw", app="calendoc"):
        self.port = port
        self.user = user
        self.password = password
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.server = None
        self.ids = itertools.count(1)
        self.channels = {}  # id -> channel (ARI's JSON)
        self.endpoints = {}  # id -> endpoint originated
        self.app_args = {}  # id -> appArgs of an originated channel
        self.bridges = {}  # id -> channel ids
        self.originated = []  # (endpoint, query, variables)
        self.hangups = []  # (channel id, reason)
        self.answered = []  # channel ids answered through REST
        self.requests = []  # (method, path)
        self.timeline = []  # (time.monotonic(), what, channel or bridge id)
        self.sockets = []  # (reader, writer) of the event WebSockets
        self.refuse_websocket = False
        self.unauthorized = 0
        self.connections = 0
        self.pongs = 0
        self.unmasked = 0
        self.played = []  # (bridge id, media, playback id)
        self.recordings = {}  # name -> {"bridge", "format", "state"}
        self.deleted_recordings = []
        self.ready = threading.Event()

    # --- life ------------------------------------------------------------------------
    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self.ready.set()
        self.loop.run_forever()

    def start(self):
        self.thread.start()
        if not self.ready.wait(10):
            raise AssertionError("the ARI stand-in did not start")

    def stop(self):
        def close():
            self.server.close()
            for _reader, writer in self.sockets:
                writer.transport.abort()
            self.loop.stop()

        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(close)
            self.thread.join(10)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _do(self, function, *args):
        """Run ``function`` in the stand-in's loop and return its result."""

        async def call():
            result = function(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(10)

    # --- test controls -------------------------------------------------------------------
    def incoming(self, line, caller, name=""):
        """A call from ``caller`` arrives on the practice line ``line`` and the
        dialplan sends it to Stasis: its channel id."""
        return self._do(self._incoming, line, caller, name)

    async def _incoming(self, line, caller, name):
        number = next(self.ids)
        channel_id = f"{int(time.time())}.{number}"
        self.channels[channel_id] = {
            "id": channel_id,
            "name": f"PJSIP/trunk-{number:08x}",
            "state": "Ring",
            "caller": {"name": name, "number": caller},
            "connected": {"name": "", "number": ""},
            "accountcode": "",
            "dialplan": {
                "context": "from-trunk",
                "exten": line,
                "priority": 2,
                "app_name": "Stasis",
                "app_data": self.app,
            },
            "creationtime": _timestamp(),
            "language": "fr",
        }
        self.timeline.append((time.monotonic(), "incoming", channel_id))
        await self._emit(
            {"type": "StasisStart", "args": [], "channel": self.channels[channel_id]}
        )
        return channel_id

    def channels_to(self, endpoint):
        """Ids of the live channels originated to ``endpoint``."""
        return [cid for cid, end in self.endpoints.items() if end == endpoint]

    def answer(self, endpoint):
        """The phone (or outside number) ``endpoint`` picks up: its channel goes
        Up and enters the application."""
        return self._do(self._answer, endpoint)

    async def _answer(self, endpoint):
        live = [
            cid
            for cid in self.channels_to(endpoint)
            if cid in self.channels and self.channels[cid]["state"] != "Up"
        ]
        if not live:
            raise AssertionError(f"nothing rings {endpoint}: {self.originated}")
        channel = self.channels[live[0]]
        channel["state"] = "Up"
        self.timeline.append((time.monotonic(), "answer", channel["id"]))
        await self._emit({"type": "ChannelStateChange", "channel": channel})
        args = self.app_args[channel["id"]].split(",")
        await self._emit({"type": "StasisStart", "args": args, "channel": channel})
        return channel["id"]

    def hang_up(self, channel_id, cause=16):
        """The far end of ``channel_id`` hangs up."""
        self._do(self._destroy, channel_id, cause, True)

    def hang_up_silently(self, channel_id):
        """``channel_id`` goes away while no WebSocket listens (events lost)."""
        self._do(self._forget, channel_id)

    def drop_websockets(self, refuse=False):
        """Cut every event WebSocket (TCP reset); ``refuse``: refuse the next
        handshakes until ``refuse_websocket`` is set back to False."""
        self.refuse_websocket = refuse

        def cut():
            for _reader, writer in self.sockets:
                writer.transport.abort()
            self.sockets.clear()

        self.loop.call_soon_threadsafe(cut)

    def replay(self, channel_id):
        """Send the StasisStart of ``channel_id`` again (a replayed event)."""
        self._do(
            self._emit,
            {"type": "StasisStart", "args": [], "channel": self.channels[channel_id]},
        )

    def send_raw(self, text):
        """Send ``text`` as an event message, whatever it holds."""

        async def send():
            for _reader, writer in list(self.sockets):
                writer.write(self._frame(0x1, text.encode()))
                await writer.drain()

        self._do(send)

    def wait_for(self, predicate, what, timeout=15):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the ARI stand-in never saw {what}: originated "
                    f"{[o[0] for o in self.originated]}, hung up {self.hangups}, "
                    f"bridges {self.bridges}"
                )
            time.sleep(0.05)

    # --- events ----------------------------------------------------------------------------
    async def _emit(self, event):
        event = dict(event, timestamp=_timestamp(), application=self.app)
        data = json.dumps(event).encode()
        # in three fragments with a ping among them, as RFC 6455 allows
        cut = [0, len(data) // 3, 2 * len(data) // 3, len(data)]
        for _reader, writer in list(self.sockets):
            try:
                writer.write(self._frame(0x1, data[cut[0] : cut[1]], fin=False))
                writer.write(self._frame(0x9, b"ping"))
                writer.write(self._frame(0x0, data[cut[1] : cut[2]], fin=False))
                writer.write(self._frame(0x0, data[cut[2] : cut[3]]))
                await writer.drain()
            except (ConnectionError, RuntimeError):
                pass

    @staticmethod
    def _frame(opcode, payload, fin=True):
        first = (0x80 if fin else 0) | opcode
        if len(payload) < 126:
            return struct.pack("!BB", first, len(payload)) + payload
        return struct.pack("!BBH", first, 126, len(payload)) + payload

    async def _destroy(self, channel_id, cause, requested):
        channel = self.channels.pop(channel_id, None)
        if channel is None:
            return False
        self.endpoints.pop(channel_id, None)
        if requested:
            await self._emit(
                {"type": "ChannelHangupRequest", "cause": cause, "channel": channel}
            )
        in_stasis = channel["dialplan"]["app_name"] == "Stasis" or (
            channel_id in self.app_args and channel["state"] == "Up"
        )
        if in_stasis:
            await self._emit({"type": "StasisEnd", "channel": channel})
        await self._emit(
            {
                "type": "ChannelDestroyed",
                "cause": cause,
                "cause_txt": "Normal Clearing" if cause == 16 else f"cause {cause}",
                "channel": channel,
            }
        )
        return True

    def _forget(self, channel_id):
        self.channels.pop(channel_id, None)
        self.endpoints.pop(channel_id, None)

    # --- the server ------------------------------------------------------------------------
    async def _handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = head.decode("latin-1").split("\r\n")
            method, target, _version = request_line.split(" ", 2)
            headers = {}
            for line in lines:
                name, _colon, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            body = await reader.readexactly(length) if length else b""
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            writer.close()
            return
        parts = urllib.parse.urlsplit(target)
        query = dict(urllib.parse.parse_qsl(parts.query))
        self.requests.append((method, parts.path))
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if headers.get("authorization") != f"Basic {token}":
            self.unauthorized += 1
            await self._respond(writer, 401, {"message": "Authentication required"})
            return
        if parts.path == "/ari/events" and method == "GET":
            await self._websocket(reader, writer, headers, query)
            return
        try:
            variables = json.loads(body).get("variables", {}) if body else {}
        except ValueError:
            await self._respond(writer, 400, {"message": "bad JSON"})
            return
        status, answer = await self._rest(method, parts.path, query, variables)
        await self._respond(writer, status, answer)

    async def _respond(self, writer, status, answer):
        if isinstance(answer, bytes):  # a recording's file
            data, kind = answer, "audio/wav"
        else:
            data = b"" if answer is None else json.dumps(answer).encode()
            kind = "application/json"
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        try:
            await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    async def _rest(self, method, path, query, variables):
        segments = path.strip("/").split("/")
        if segments[:2] == ["ari", "channels"]:
            if len(segments) == 2 and method == "GET":
                return 200, list(self.channels.values())
            if len(segments) == 2 and method == "POST":
                return self._originate(query, variables)
            channel_id = segments[2] if len(segments) > 2 else ""
            if channel_id not in self.channels:
                return 404, {"message": "Channel not found"}
            if len(segments) == 3 and method == "DELETE":
                reason = query.get("reason", "normal")
                if reason not in REASONS:
                    return 400, {"message": "Invalid reason for hangup provided"}
                self.hangups.append((channel_id, reason))
                await self._destroy(channel_id, REASONS[reason], False)
                return 204, None
            if segments[3:] == ["answer"] and method == "POST":
                self.answered.append(channel_id)
                self.channels[channel_id]["state"] = "Up"
                await self._emit(
                    {"type": "ChannelStateChange", "channel": self.channels[channel_id]}
                )
                return 204, None
            if segments[3:] == ["ring"] and method == "POST":
                return 204, None
        if segments[:2] == ["ari", "bridges"]:
            if len(segments) == 2 and method == "POST":
                if query.get("type") != "mixing":
                    return 400, {"message": "type must be mixing here"}
                bridge_id = query.get("bridgeId") or secrets.token_hex(8)
                self.bridges[bridge_id] = []
                return 200, {
                    "id": bridge_id,
                    "technology": "simple_bridge",
                    "bridge_type": "mixing",
                    "bridge_class": "stasis",
                    "creator": "Stasis",
                    "name": "",
                    "channels": [],
                    "creationtime": _timestamp(),
                }
            bridge_id = segments[2] if len(segments) > 2 else ""
            if bridge_id not in self.bridges:
                return 404, {"message": "Bridge not found"}
            if segments[3:] == ["addChannel"] and method == "POST":
                wanted = [c for c in query.get("channel", "").split(",") if c]
                if not wanted or any(c not in self.channels for c in wanted):
                    return 400, {"message": "Channel not found"}
                self.bridges[bridge_id].extend(wanted)
                self.timeline.append((time.monotonic(), "bridged", bridge_id))
                return 204, None
            if segments[3:] == ["play"] and method == "POST":
                return await self._play(bridge_id, query)
            if segments[3:] == ["record"] and method == "POST":
                return self._record(bridge_id, query)
            if len(segments) == 3 and method == "DELETE":
                del self.bridges[bridge_id]
                self._stop_recordings(bridge_id)
                return 204, None
        if segments[:2] == ["ari", "recordings"] and len(segments) >= 4:
            kind, name = segments[2], segments[3]
            recording = self.recordings.get(name)
            if recording is None or recording["state"] != (
                "recording" if kind == "live" else "done"
            ):
                return 404, {"message": "Recording not found"}
            if kind == "live" and segments[4:] == ["stop"] and method == "POST":
                recording["state"] = "done"
                self.timeline.append((time.monotonic(), "recording stopped", name))
                return 204, None
            if kind == "stored" and segments[4:] == ["file"] and method == "GET":
                return 200, WAV
            if kind == "stored" and len(segments) == 4 and method == "DELETE":
                del self.recordings[name]
                self.deleted_recordings.append(name)
                return 204, None
        return 404, {"message": "Resource not found"}

    async def _play(self, bridge_id, query):
        """Play ``media`` into the bridge: PlaybackStarted now, PlaybackFinished
        a moment later (the time the sound lasts)."""
        if not query.get("media", "").startswith(("sound:", "recording:")):
            return 400, {"message": "media must be a sound or recording URI"}
        playback = {
            "id": query.get("playbackId") or secrets.token_hex(8),
            "media_uri": query["media"],
            "target_uri": f"bridge:{bridge_id}",
            "language": "fr",
            "state": "playing",
        }
        self.played.append((bridge_id, query["media"], playback["id"]))
        self.timeline.append((time.monotonic(), "played", bridge_id))
        await self._emit({"type": "PlaybackStarted", "playback": playback})

        async def finished():
            await asyncio.sleep(0.3)
            self.timeline.append((time.monotonic(), "announced", bridge_id))
            await self._emit(
                {"type": "PlaybackFinished", "playback": dict(playback, state="done")}
            )

        asyncio.ensure_future(finished())
        return 201, playback

    def _record(self, bridge_id, query):
        name = query.get("name", "")
        if not name or query.get("format") != "wav":
            return 400, {"message": "name and a known format are required"}
        if name in self.recordings and query.get("ifExists") == "fail":
            return 422, {"message": "Recording already exists"}
        self.recordings[name] = {
            "bridge": bridge_id,
            "format": "wav",
            "state": "recording",
        }
        self.timeline.append((time.monotonic(), "recording", bridge_id))
        return 201, {
            "name": name,
            "format": "wav",
            "state": "recording",
            "target_uri": f"bridge:{bridge_id}",
        }

    def _stop_recordings(self, bridge_id):
        """A bridge destroyed ends its recordings (they become stored)."""
        for name, recording in self.recordings.items():
            if recording["bridge"] == bridge_id and recording["state"] == "recording":
                recording["state"] = "done"
                self.timeline.append((time.monotonic(), "recording stopped", name))

    def _originate(self, query, variables):
        endpoint = query.get("endpoint", "")
        if "/" not in endpoint or query.get("app") != self.app:
            return 400, {"message": "Endpoint must be in the form tech/resource"}
        number = next(self.ids)
        channel_id = query.get("channelId") or f"{int(time.time())}.{number}"
        self.originated.append((endpoint, query, variables))
        self.timeline.append((time.monotonic(), "originate", channel_id))
        self.endpoints[channel_id] = endpoint
        self.app_args[channel_id] = query.get("appArgs", "")
        caller_id = query.get("callerId", "")
        self.channels[channel_id] = {
            "id": channel_id,
            "name": f"{endpoint.split('@')[0]}-{number:08x}",
            "state": "Down",
            "caller": {"name": "", "number": caller_id},
            "connected": {"name": "", "number": ""},
            "accountcode": "",
            "dialplan": {
                "context": "default",
                "exten": "s",
                "priority": 1,
                "app_name": "",
                "app_data": "",
            },
            "creationtime": _timestamp(),
            "language": "fr",
        }
        return 200, self.channels[channel_id]

    async def _websocket(self, reader, writer, headers, query):
        key = headers.get("sec-websocket-key", "")
        if (
            self.refuse_websocket
            or query.get("app") != self.app
            or headers.get("upgrade", "").lower() != "websocket"
            or headers.get("sec-websocket-version") != "13"
            or len(base64.b64decode(key or "", validate=False)) != 16
        ):
            await self._respond(writer, 503 if self.refuse_websocket else 400, None)
            return
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        self.connections += 1
        self.timeline.append((time.monotonic(), "websocket", ""))
        self.sockets.append((reader, writer))
        writer.write(self._frame(0x9, b"hello"))
        try:
            while True:
                first, second = await reader.readexactly(2)
                opcode, length = first & 0x0F, second & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await reader.readexactly(8))
                if not second & 0x80:
                    self.unmasked += 1  # RFC 6455 5.1: close the connection
                    writer.write(self._frame(0x8, struct.pack("!H", 1002)))
                    break
                mask = await reader.readexactly(4)
                payload = bytes(
                    b ^ mask[i % 4]
                    for i, b in enumerate(await reader.readexactly(length))
                )
                if opcode == 0xA:
                    self.pongs += 1
                elif opcode == 0x8:
                    writer.write(self._frame(0x8, payload[:2]))
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if (reader, writer) in self.sockets:
                self.sockets.remove((reader, writer))
            writer.close()


def port_for_tests(kind=socket.SOCK_STREAM):
    """A free loopback port in 15000-15999 (the range of the ARI tests)."""
    for port in random.sample(range(15000, 16000), 1000):
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 15000-15999")


class AriBridgeProcess(BridgeProcess):
    """The bridge started as in production for an Asterisk PBX: ``--pbx``,
    no trunk, its configuration (and the ARI password) asked to Odoo."""

    def __init__(self, odoo_url, secret, pbx, ring_timeout=10):
        super().__init__(odoo_url, secret, trunk_port=0, ring_timeout=ring_timeout)
        self.http_port = port_for_tests()
        self.args[self.args.index("--http") + 1] = f"127.0.0.1:{self.http_port}"
        trunk = self.args.index("--trunk")
        self.args[trunk : trunk + 2] = ["--pbx", str(pbx), "--reconnect-delay", "0.2"]

    def run_until_exit(self, timeout=15):
        """Start the bridge and wait for it to stop by itself: its exit status."""
        with open(self.log_path, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self.process.wait(timeout)
