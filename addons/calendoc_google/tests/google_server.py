"""A local stand-in for Google: the subset of the Calendar API v3 and of the
OAuth 2.0 token endpoint that CalenDoc uses, on 127.0.0.1 and a free port,
answering in Google's documented formats:

- POST /token, a form (grant_type refresh_token / authorization_code /
  jwt-bearer: a service account's RS256 assertion, checked against its public
  key, audience, lifetime, scope and delegated subject); a revoked or unknown
  refresh token gets 400 {"error": "invalid_grant"};
- GET /calendar/v3/users/me/calendarList;
- GET /calendar/v3/calendars/{id}/events with singleEvents (recurring events
  expanded into instances), maxResults, pageToken, syncToken (410
  fullSyncRequired once tokens are expired), nextPageToken / nextSyncToken;
- POST (insert; 409 duplicate for a known id), PATCH (404 unknown), DELETE
  (404 unknown, 410 already deleted) on events;
- 401 for an unknown or expired access token; injected 429/5xx answers, of
  the API or of the token endpoint.

Used by the tests and by bench/bench_google.py; nothing of Odoo runs here.
"""

import base64
import copy
import itertools
import json
import re
import threading
import time
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from dateutil import rrule


def _error(code, message, reason, status=None):
    return code, {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"domain": "global", "reason": reason, "message": message}],
            "status": status or reason,
        }
    }


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse(value):
    if "dateTime" in value:
        return datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
    return datetime.fromisoformat(value["date"] + "T00:00:00+00:00")


class FakeGoogle:
    def __init__(self):
        self.lock = threading.RLock()
        self.refresh_tokens = set()
        self.codes = {}  # authorization code -> refresh token
        self.access_tokens = {}  # access token -> refresh token
        self.calendars = {}  # id -> {"summary", "primary", "events": {id: event}}
        self.channels = {}  # push notification channels, by id
        self.service_accounts = {}  # client_email -> public key
        self.delegated = set()  # Workspace addresses service accounts may act as
        self.seq = 0
        self.min_sync_seq = 0
        self.page_size = 2500  # Google's maximum for events.list
        self.failures = []  # [(status, retry_after)] for the next API calls
        self.token_failures = []  # the same, for the next token requests
        self.requests = []  # (method, path, params, body)
        self.statuses = {}  # index in requests -> the status answered
        self.http_count = 0  # HTTP requests received (a batch counts once)
        self.counter = itertools.count(1)
        handler = type("Handler", (_Handler,), {"google": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- life cycle ---------------------------------------------------------------
    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return "http://127.0.0.1:%s" % self.server.server_address[1]

    # --- what tests set up or look at -----------------------------------------------
    def add_calendar(self, calendar_id, summary=None, primary=False):
        with self.lock:
            self.calendars[calendar_id] = {
                "summary": summary or calendar_id,
                "primary": primary,
                "events": {},
            }

    def put_event(self, calendar_id, event):
        """Create or replace an event as the practitioner would in Google."""
        with self.lock:
            self.seq += 1
            event = dict(event, status=event.get("status", "confirmed"))
            event.setdefault("id", "g%s" % next(self.counter))
            event["_seq"] = self.seq
            self.calendars[calendar_id]["events"][event["id"]] = event
            return event

    def cancel_event(self, calendar_id, event_id):
        with self.lock:
            self.seq += 1
            event = self.calendars[calendar_id]["events"][event_id]
            event.update(status="cancelled", _seq=self.seq)

    def live_events(self, calendar_id):
        return [
            e
            for e in self.calendars[calendar_id]["events"].values()
            if e["status"] != "cancelled"
        ]

    def expire_sync_tokens(self):
        with self.lock:
            self.min_sync_seq = self.seq + 1

    def expire_access_tokens(self):
        with self.lock:
            self.access_tokens.clear()

    def revoke(self, refresh_token):
        with self.lock:
            self.refresh_tokens.discard(refresh_token)
            for token, owner in list(self.access_tokens.items()):
                if owner == refresh_token:
                    del self.access_tokens[token]

    def fail_next(self, status, count=1, retry_after=None, token=False):
        """Answer the next ``count`` API calls (``token``: token requests)
        with ``status``, as Google does when overloaded or down."""
        with self.lock:
            failures = self.token_failures if token else self.failures
            failures += [(status, retry_after)] * count

    def clear_log(self):
        with self.lock:
            self.requests.clear()
            self.statuses.clear()

    def answered(self, path_part=""):
        """[(method, status)] of the requests whose path contains path_part."""
        return [
            (request[0], self.statuses.get(index))
            for index, request in enumerate(self.requests)
            if path_part in request[1]
        ]

    def calls(self, method=None, path_part=""):
        return [
            r
            for r in self.requests
            if (method is None or r[0] == method) and path_part in r[1]
        ]

    # --- the protocol -------------------------------------------------------------------
    def handle(self, method, path, params, body, headers):
        with self.lock:
            index = len(self.requests)
            result = self._handle(method, path, params, body, headers)
            self.statuses[index] = result[0]
            return result

    def _handle(self, method, path, params, body, headers):
        with self.lock:
            self.requests.append((method, path, params, body))
            if path == "/token":
                if self.token_failures:
                    status, retry_after = self.token_failures.pop(0)
                    error = {"error": "internal_failure"}
                    return status, error, retry_after
                return self._token(body, headers)
            token = (headers.get("Authorization") or "").removeprefix("Bearer ")
            if path == "/batch/calendar/v3":
                if token not in self.access_tokens:
                    return _error(401, "Invalid Credentials", "authError")
                return self._batch(body, headers)
            if token not in self.access_tokens:
                return _error(
                    401,
                    "Request had invalid authentication credentials.",
                    "authError",
                    "UNAUTHENTICATED",
                )
            if self.failures:
                status, retry_after = self.failures.pop(0)
                code, payload = _error(
                    status,
                    "Rate Limit Exceeded" if status == 429 else "Backend Error",
                    "rateLimitExceeded" if status == 429 else "backendError",
                )
                return code, payload, retry_after
            prefix = "/calendar/v3"
            if not path.startswith(prefix):
                return _error(404, "Not Found", "notFound")
            parts = [unquote(p) for p in path[len(prefix) :].strip("/").split("/")]
            if parts == ["channels", "stop"] and method == "POST":
                if self.channels.pop(body.get("id"), None) is None:
                    return _error(404, "Channel not found", "notFound")
                return 204, None
            if parts == ["users", "me", "calendarList"]:
                return 200, {
                    "kind": "calendar#calendarList",
                    "items": [
                        {
                            "id": cid,
                            "summary": cal["summary"],
                            "primary": cal["primary"],
                            "accessRole": "owner",
                        }
                        for cid, cal in self.calendars.items()
                    ],
                }
            if len(parts) < 3 or parts[0] != "calendars" or parts[2] != "events":
                return _error(404, "Not Found", "notFound")
            calendar_id = self._calendar_id(parts[1])
            if calendar_id not in self.calendars:
                return _error(404, "Not Found", "notFound")
            events = self.calendars[calendar_id]["events"]
            if len(parts) == 4 and parts[3] == "watch" and method == "POST":
                return self._watch(calendar_id, body)
            if len(parts) == 3 and method == "GET":
                return self._list(calendar_id, params)
            if len(parts) == 3 and method == "POST":
                if body.get("id") in events:
                    return _error(
                        409, "The requested identifier already exists.", "duplicate"
                    )
                return 200, self._public(self.put_event(calendar_id, body))
            if len(parts) != 4:
                return _error(404, "Not Found", "notFound")
            event = events.get(parts[3])
            if event is None:
                return _error(404, "Not Found", "notFound")
            if method == "PATCH":
                self.seq += 1
                event.update(body)
                event["_seq"] = self.seq
                event.setdefault("status", "confirmed")
                return 200, self._public(event)
            if method == "DELETE":
                if event["status"] == "cancelled":
                    return _error(410, "Resource has been deleted", "deleted")
                self.cancel_event(calendar_id, event["id"])
                return 204, None
            return _error(405, "Method not allowed", "methodNotAllowed")

    def _batch(self, raw, headers):
        """Google's batch endpoint: a multipart/mixed body of HTTP requests,
        answered by a multipart/mixed body of HTTP responses (at most 50)."""
        match = re.search(r'boundary="?([^";]+)"?', headers.get("Content-Type", ""))
        if not match:
            return _error(400, "Missing boundary", "badRequest")
        parts = []
        for part in raw.split("--" + match.group(1)):
            head, _sep, inner = part.partition("\r\n\r\n")
            content_id = re.search(r"Content-ID:\s*<([^>]+)>", head, re.I)
            request_line = re.match(r"\s*([A-Z]+) (\S+)", inner)
            if content_id and request_line:
                _h, _sep, body = inner.partition("\r\n\r\n")
                parts.append(
                    (
                        content_id.group(1),
                        request_line.group(1),
                        request_line.group(2),
                        json.loads(body) if body.strip() else {},
                    )
                )
        if len(parts) > 50:
            return _error(400, "Too many requests in a batch", "badRequest")
        boundary = "batch_%s" % next(self.counter)
        out = []
        for content_id, method, target, body in parts:
            split = urlsplit(target)
            params = {k: v[-1] for k, v in parse_qs(split.query).items()}
            result = self.handle(method, split.path, params, body, headers)
            status, payload = result[0], result[1]
            data = "" if payload is None else json.dumps(payload)
            out.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: <response-{content_id}>\r\n\r\n"
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                f"Content-Type: application/json; charset=UTF-8\r\n"
                f"Content-Length: {len(data)}\r\n\r\n{data}\r\n"
            )
        text = "".join(out) + f"--{boundary}--\r\n"
        return 200, text, None, f"multipart/mixed; boundary={boundary}"

    def _watch(self, calendar_id, body):
        if body.get("type") != "web_hook" or not str(
            body.get("address", "")
        ).startswith(("https://", "http://127.0.0.1")):
            return _error(400, "Invalid channel", "invalid")
        expiration = (
            int(time.time() * 1000)
            + int((body.get("params") or {}).get("ttl", 604800)) * 1000
        )
        channel = {
            "kind": "api#channel",
            "id": body["id"],
            "resourceId": "res-%s" % next(self.counter),
            "resourceUri": "%s/calendar/v3/calendars/%s/events"
            % (self.url, calendar_id),
            "token": body.get("token"),
            "expiration": str(expiration),
        }
        self.channels[body["id"]] = dict(
            channel, calendar=calendar_id, address=body["address"], number=0
        )
        return 200, channel

    def notify(self, calendar_id, state="exists", token=None):
        """Send the push notifications of ``calendar_id``'s channels, as Google
        does after a change; return the HTTP statuses answered."""
        statuses = []
        for channel in list(self.channels.values()):
            if channel["calendar"] != calendar_id:
                continue
            channel["number"] += 1
            response = requests.post(
                channel["address"],
                headers={
                    "X-Goog-Channel-ID": channel["id"],
                    "X-Goog-Channel-Token": token or channel["token"] or "",
                    "X-Goog-Channel-Expiration": "Tue, 01 Dec 2026 00:00:00 GMT",
                    "X-Goog-Resource-ID": channel["resourceId"],
                    "X-Goog-Resource-URI": channel["resourceUri"],
                    "X-Goog-Resource-State": state,
                    "X-Goog-Message-Number": str(channel["number"]),
                },
                timeout=30,
            )
            statuses.append(response.status_code)
        return statuses

    def _calendar_id(self, calendar_id):
        if calendar_id == "primary":
            for cid, cal in self.calendars.items():
                if cal["primary"]:
                    return cid
        return calendar_id

    def _token(self, body, headers):
        # Google's token endpoint takes a form (RFC 6749, section 4)
        content_type = headers.get("Content-Type") or ""
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return 400, {"error": "invalid_request", "error_description": "Not a form"}
        grant = body.get("grant_type")
        if grant == "authorization_code":
            refresh = self.codes.pop(body.get("code"), None)
            if not refresh:
                return 400, {"error": "invalid_grant", "error_description": "Bad code"}
            self.refresh_tokens.add(refresh)
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            refresh, error = self._check_assertion(body.get("assertion") or "")
            if error:
                return 400, {"error": error, "error_description": "Bad assertion"}
        elif grant == "refresh_token":
            refresh = body.get("refresh_token")
            if refresh not in self.refresh_tokens:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
        else:
            return 400, {"error": "unsupported_grant_type"}
        access = "at-%s" % next(self.counter)
        self.access_tokens[access] = refresh
        payload = {
            "access_token": access,
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": "https://www.googleapis.com/auth/calendar",
        }
        if grant == "authorization_code":
            payload["refresh_token"] = refresh
        return 200, payload

    def _check_assertion(self, assertion):
        """A service account's JWT: signed by a known key (RS256), for our
        token endpoint, not expired, for a subject the Workspace admin
        delegated. Returns (owner, error)."""
        try:
            head, claims, signature = assertion.split(".")
            header = json.loads(_unb64(head))
            payload = json.loads(_unb64(claims))
            key = self.service_accounts[payload["iss"]]
            key.verify(
                _unb64(signature),
                f"{head}.{claims}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, KeyError, InvalidSignature):
            return None, "invalid_grant"
        if header.get("alg") != "RS256" or payload.get("aud") != self.url + "/token":
            return None, "invalid_grant"
        # issued now, for at most one hour, for the scopes it names
        iat, exp = payload.get("iat", 0), payload.get("exp", 0)
        if not iat <= time.time() < exp or exp - iat > 3600:
            return None, "invalid_grant"
        if not payload.get("scope"):
            return None, "invalid_scope"
        if payload.get("sub") not in self.delegated:
            # domain-wide delegation not granted for this user
            return None, "unauthorized_client"
        return "sa:%s" % payload["sub"], None

    def _list(self, calendar_id, params):
        events = self.calendars[calendar_id]["events"].values()
        page_token = params.get("pageToken")
        if page_token:
            offset, since, snapshot = (int(x) for x in page_token.split(":"))
        else:
            offset, snapshot = 0, self.seq
            if params.get("syncToken"):
                since = int(params["syncToken"].removeprefix("sync-"))
                if since < self.min_sync_seq:
                    return _error(
                        410,
                        "Sync token is no longer valid, a full sync is required.",
                        "fullSyncRequired",
                    )
            else:
                since = -1
        selected = sorted(
            (e for e in events if e["_seq"] > since and e["_seq"] <= snapshot),
            key=lambda e: e["_seq"],
        )
        if since < 0:
            # a full sync lists deleted events only with showDeleted
            if params.get("showDeleted") != "true":
                selected = [e for e in selected if e["status"] != "cancelled"]
            time_min = params.get("timeMin")
            time_max = params.get("timeMax")
        else:
            time_min = time_max = None
        items = []
        for event in selected:
            if params.get("singleEvents") == "true" and event.get("recurrence"):
                items += self._instances(event)
            else:
                items.append(self._public(event))
        if time_min or time_max:
            low = time_min and _parse({"dateTime": time_min})
            high = time_max and _parse({"dateTime": time_max})
            items = [
                i
                for i in items
                if i["status"] == "cancelled"
                or (
                    (not low or _parse(i["end"]) > low)
                    and (not high or _parse(i["start"]) < high)
                )
            ]
        size = min(int(params.get("maxResults", 250)), self.page_size)
        page = items[offset : offset + size]
        calendar = self.calendars[calendar_id]
        payload = {
            "kind": "calendar#events",
            "etag": '"%s"' % snapshot,
            "summary": calendar["summary"],
            "updated": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "timeZone": "Europe/Paris",
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 30}],
            "items": page,
        }
        if offset + size < len(items):
            payload["nextPageToken"] = "%s:%s:%s" % (offset + size, since, snapshot)
        else:
            payload["nextSyncToken"] = "sync-%s" % snapshot
        return 200, payload

    def _instances(self, event):
        """singleEvents=true: one instance per occurrence of the RRULE."""
        start, end = _parse(event["start"]), _parse(event["end"])
        rule = next(r for r in event["recurrence"] if r.startswith("RRULE:"))
        occurrences = rrule.rrulestr(rule.removeprefix("RRULE:"), dtstart=start)
        instances = []
        for occurrence in itertools.islice(occurrences, 730):
            stamp = occurrence.strftime("%Y%m%dT%H%M%SZ")
            instance = self._public(event)
            instance.pop("recurrence")
            instance.update(
                id="%s_%s" % (event["id"], stamp),
                recurringEventId=event["id"],
                originalStartTime={"dateTime": occurrence.isoformat()},
                start={"dateTime": occurrence.isoformat()},
                end={"dateTime": (occurrence + (end - start)).isoformat()},
            )
            instances.append(instance)
        return instances

    @staticmethod
    def _public(event):
        event = copy.deepcopy(event)
        event.pop("_seq", None)
        event.setdefault("kind", "calendar#event")
        event.setdefault(
            "updated", datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        )
        return event


class _Handler(BaseHTTPRequestHandler):
    google = None

    def log_message(self, format, *args):  # noqa: A002 (quiet server)
        return

    def _serve(self):
        split = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if split.path == "/token":
            body = {k: v[-1] for k, v in parse_qs(raw).items()}
        elif split.path.startswith("/batch/"):
            body = raw
        else:
            body = json.loads(raw) if raw else {}
        with self.google.lock:
            self.google.http_count += 1
        result = self.google.handle(
            self.command, split.path, params, body, self.headers
        )
        status, payload = result[0], result[1]
        retry_after = result[2] if len(result) > 2 else None
        content_type = result[3] if len(result) > 3 else None
        if content_type:
            data = payload.encode()
        else:
            data = b"" if payload is None else json.dumps(payload).encode()
            content_type = "application/json; charset=UTF-8"
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve
