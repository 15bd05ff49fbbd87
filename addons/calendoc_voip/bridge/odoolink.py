"""The bridge's link to Odoo, shared by its drivers (SIP and Asterisk ARI).

Call events are signed (``signing.py``) and posted to ``/calendoc_voip/event``.
Events Odoo could not take (link down) are kept per call, in order, and
retried until it answers: they are idempotent on (call id, event type), so a
retry never duplicates. A driver keeps its calls in ``self.calls`` (key ->
an object with ``key``, ``direction``, ``caller``, ``called``), says what a
restart needs of each (``call_states``) and calls ``save_state`` when they
change.
"""

import asyncio
import collections
import json
import logging
import math
import os
import time
import urllib.error
import urllib.request

import signing

_logger = logging.getLogger("calendoc_bridge")
HTTP_TIMEOUT = 3
POSTS_IN_PARALLEL = 4
# The most events in one request (Odoo's /calendoc_voip/events takes 50).
MAX_BATCH = 50
# The language of the requests to Odoo (French first); one Odoo has installed
# spares it reading the company's language at each of them.
ODOO_LANGUAGE = "fr-FR"
# How many of the last calls the health page's ringing figures are made of.
RINGING_SAMPLES = 10000
# Seconds a change of the calls waits at most before the state file is
# written (changes in between are written together); an event is never posted
# to Odoo before the state that led to it is written.
STATE_DELAY = 0.05


class OdooLink:
    def __init__(self, options):
        self.options = options
        self.calls = {}  # Odoo call key -> call
        # events waiting for Odoo, per call: each call's events go in order,
        # calls in parallel (a few posts at a time)
        self.outbox = {}  # call key -> deque of payloads
        self.senders = {}  # call key -> task draining its deque
        self.post_slots = asyncio.Semaphore(POSTS_IN_PARALLEL)
        # events of several calls waiting for a post slot: (payload, future)
        self.waiting = []
        self.batcher = None
        self.nonces = {}  # nonce -> expiry, for /originate
        self.stats = collections.Counter()
        # ms from a call reaching the bridge to Odoo's answer to its "ringing"
        # event: Odoo answers once the popup is committed and notified on the
        # bus, so this is the call-to-popup time as the bridge sees it
        self.ringing_ms = collections.deque(maxlen=RINGING_SAMPLES)
        self.state_timer = None  # a state write is due (save_state)

    def queue_event(self, call, event, when, **extra):
        self.queue_payload(self.event_payload(call, event, when, **extra))

    def queue_payload(self, payload):
        key = payload["call_id"]
        self.outbox.setdefault(key, collections.deque()).append(payload)
        if key not in self.senders:
            self.senders[key] = asyncio.ensure_future(self.drain(key))

    def pending_events(self):
        return [payload for queue in self.outbox.values() for payload in queue]

    def event_payload(self, call, event, when, **extra):
        payload = {
            "event": event,
            "call_id": call.key,
            "direction": call.direction,
            "from": call.caller,
            "to": call.called,
            "time": when,
        }
        payload.update({k: v for k, v in extra.items() if v is not None})
        return payload

    async def post_event(self, call, event, when, wait=False, **extra):
        """Post one event now; (status, answer), status None when unreachable."""
        payload = self.event_payload(call, event, when, **extra)
        async with self.post_slots:
            self.write_state_due()
            status, answer = await asyncio.get_running_loop().run_in_executor(
                None, self._post, payload
            )
        if event == "ringing" and status == 200:
            self.ringing_ms.append((time.time() - when) * 1000)
        return status, answer

    def ringing_figures(self):
        """Percentiles (nearest rank) of ``ringing_ms``, for the health page."""
        times = sorted(self.ringing_ms)
        if not times:
            return {}

        def rank(fraction):
            return round(times[max(0, math.ceil(fraction * len(times)) - 1)], 1)

        return {
            "ringing_ms": {
                "calls": len(times),
                "p50": rank(0.5),
                "p95": rank(0.95),
                "max": round(times[-1], 1),
            }
        }

    def headers(self, body):
        """The signature of ``body`` and the language of the request: without
        one Odoo installed, it reads the company's language at each request
        that has no session (three whole records: users, company, partner)."""
        return dict(
            signing.signed_headers(self.options.secret, body),
            **{"Accept-Language": ODOO_LANGUAGE},
        )

    def _post(self, payload):
        body = json.dumps(payload).encode()
        request = urllib.request.Request(
            self.options.odoo_url.rstrip("/") + "/calendoc_voip/event",
            data=body,
            headers=self.headers(body),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:
                self.stats["posted"] += 1
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:200].decode("utf-8", "replace")
            if error.code >= 500:
                return None, {}
            _logger.warning(
                "Odoo refused %s of %s: %s %s",
                payload["event"],
                payload["call_id"],
                error.code,
                detail,
            )
            return error.code, {}
        except (urllib.error.URLError, OSError, ValueError) as error:
            _logger.warning(
                "Odoo unreachable for %s of %s: %s",
                payload["event"],
                payload["call_id"],
                error,
            )
            return None, {}

    async def drain(self, key):
        """Post the events of one call in order, retrying while Odoo is away
        (events are idempotent: a retry after a lost answer is harmless)."""
        queue = self.outbox[key]
        try:
            while queue:
                status, _answer = await self.submit(queue[0])
                if status is None:
                    self.stats["retries"] += 1
                    await asyncio.sleep(self.options.retry_delay)
                    continue
                queue.popleft()
            del self.outbox[key]
        finally:
            self.senders.pop(key, None)
            self.save_state()

    async def submit(self, payload):
        """(status, answer) of ``payload``, posted with the events of other
        calls waiting at the same time: one request per free post slot, up to
        ``MAX_BATCH`` events each. While Odoo keeps up, each event goes alone;
        when it is busy (or back after a cut), the events that piled up go
        together, which spares Odoo a request (routing, signature, commit) per
        event. Each call still has one event in flight at a time: its order
        holds."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((payload, future))
        if self.batcher is None or self.batcher.done():
            self.batcher = asyncio.ensure_future(self._send_waiting())
        return await future

    async def _send_waiting(self):
        while self.waiting:
            await self.post_slots.acquire()
            items = self.waiting[:MAX_BATCH]
            del self.waiting[:MAX_BATCH]
            if not items:
                self.post_slots.release()
                break
            asyncio.ensure_future(self._send_batch(items))

    async def _send_batch(self, items):
        loop = asyncio.get_running_loop()
        payloads = [payload for payload, _future in items]
        self.write_state_due()
        try:
            if len(payloads) == 1:
                results = [await loop.run_in_executor(None, self._post, payloads[0])]
            else:
                results = await loop.run_in_executor(None, self._post_many, payloads)
        except Exception:  # noqa: BLE001 - a bug here must not lose the events
            _logger.exception("posting %d events failed", len(payloads))
            results = [(None, {})] * len(payloads)
        finally:
            self.post_slots.release()
        for (_payload, future), result in zip(items, results, strict=True):
            if not future.done():
                future.set_result(result)

    def _post_many(self, payloads):
        """[(status, answer)] of ``payloads`` posted in one request to
        ``/calendoc_voip/events``; status None when Odoo is unreachable or
        failing (5xx) for the whole request or for one event."""
        body = json.dumps({"events": payloads}).encode()
        request = urllib.request.Request(
            self.options.odoo_url.rstrip("/") + "/calendoc_voip/events",
            data=body,
            headers=self.headers(body),
            method="POST",
        )
        try:
            # a larger request takes longer to record: more time to answer
            timeout = HTTP_TIMEOUT + 0.1 * len(payloads)
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                results = json.loads(answer.read() or b"{}")["results"]
        except urllib.error.HTTPError as error:
            status = None if error.code >= 500 else error.code
            _logger.warning(
                "Odoo refused %d events together: %s", len(payloads), error.code
            )
            return [(status, {})] * len(payloads)
        except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
            _logger.warning("Odoo unreachable for %d events: %s", len(payloads), error)
            return [(None, {})] * len(payloads)
        self.stats["posted"] += len(payloads)
        self.stats["batches"] += 1
        self.stats["largest_batch"] = max(self.stats["largest_batch"], len(payloads))
        answers = []
        for payload, result in zip(payloads, results, strict=True):
            status = result.get("status")
            if status >= 500:
                status = None
            elif status != 200:
                _logger.warning(
                    "Odoo refused %s of %s: %s %s",
                    payload["event"],
                    payload["call_id"],
                    status,
                    result.get("answer"),
                )
            answers.append((status, result.get("answer") or {}))
        return answers

    def ask_odoo(self, path, payload, what):
        """(status, answer) of a signed POST of ``payload`` to Odoo's ``path``
        (blocking: run it in an executor); status None when Odoo is
        unreachable or failing (5xx)."""
        body = json.dumps(payload).encode()
        request = urllib.request.Request(
            self.options.odoo_url.rstrip("/") + path,
            data=body,
            headers=self.headers(body),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            return (None if error.code >= 500 else error.code), {}
        except (urllib.error.URLError, OSError, ValueError) as error:
            _logger.warning("Odoo unreachable for %s: %s", what, error)
            return None, {}

    def call_states(self):
        """What a restart needs of each call in progress (drivers)."""
        return []

    def save_state(self):
        """The calls changed: write the state file within ``STATE_DELAY``, or
        before the next post to Odoo if that comes first. One write per change
        was two thirds of the bridge's CPU at 20 calls/s (the whole state each
        time); now a crash loses at most ``STATE_DELAY`` of changes, and
        whatever Odoo knows of a call, the state file knew first."""
        if not self.options.state_file or self.state_timer is not None:
            return
        self.state_timer = asyncio.get_running_loop().call_later(
            STATE_DELAY, self.write_state
        )

    def read_state(self):
        """After a restart: queue again the events the previous run could not
        deliver and return the calls it had in progress (what each driver's
        ``call_states`` wrote), for the driver to take back or end."""
        path = self.options.state_file
        if not path or not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
        for payload in state.get("outbox", []):
            self.queue_payload(payload)
        return state.get("calls", [])

    def write_state_due(self):
        """Write the state file now if a change is waiting for it."""
        if self.state_timer is not None:
            self.write_state()

    def write_state(self):
        """Write the calls in progress and the undelivered events to the state
        file now, atomically (a crash mid-write leaves the previous one)."""
        if self.state_timer is not None:
            self.state_timer.cancel()
            self.state_timer = None
        if not self.options.state_file:
            return
        state = {"calls": self.call_states(), "outbox": self.pending_events()}
        # json.dumps: the C encoder (json.dump to a file is pure Python)
        data = json.dumps(state)
        tmp = self.options.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, self.options.state_file)
