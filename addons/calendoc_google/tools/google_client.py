"""A small client of the Google Calendar API v3 and of Google's OAuth 2.0 token
endpoint, on plain ``requests``.

Only what CalenDoc uses: events.list (sync and page tokens), events.insert,
events.patch, events.delete, calendarList.list, and the token endpoint's
``refresh_token`` and ``authorization_code`` grants. Both base URLs are
parameters, so that tests run this very code against a local server speaking
Google's wire format. Tokens are never logged.
"""

import base64
import json
import logging
import re
import time
import uuid
from urllib.parse import quote, urlsplit

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

_logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://www.googleapis.com/calendar/v3"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
DEFAULT_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
SCOPE = "https://www.googleapis.com/auth/calendar"
# Google documents 429 and 5xx (and 403 with a rate-limit reason) as worth a
# retry with exponential backoff.
RETRIABLE = {429, 500, 502, 503, 504}
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


class GoogleError(Exception):
    """An answer of Google that is not a success (after retries)."""

    def __init__(self, message, status=None, reason=None):
        super().__init__(message)
        self.status = status
        self.reason = reason

    @property
    def retriable(self):
        return self.status is None or self.status in RETRIABLE


class GoogleAuthError(GoogleError):
    """The refresh token no longer works (revoked, expired): the practitioner
    must consent again."""


class GoogleGoneError(GoogleError):
    """410 Gone: the sync token is stale, a full resync is needed."""


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _parse_batch(response):
    """{index: (status, payload)} of a multipart/mixed batch answer."""
    match = re.search(
        r'boundary="?([^";]+)"?', response.headers.get("Content-Type", "")
    )
    if not match:
        raise GoogleError("batch answer without boundary", response.status_code)
    answers = {}
    for part in response.text.split("--" + match.group(1)):
        head, _sep, inner = part.partition("\r\n\r\n")
        content_id = re.search(r"Content-ID:\s*<response-item(\d+)>", head, re.I)
        status = re.match(r"\s*HTTP/[\d.]+ (\d{3})", inner)
        if not (content_id and status):
            continue
        _headers, _sep, body = inner.partition("\r\n\r\n")
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            payload = {}
        answers[int(content_id.group(1))] = (int(status.group(1)), payload)
    return answers


def _reason(response):
    try:
        error = response.json().get("error")
    except ValueError:
        return None
    if isinstance(error, dict):
        errors = error.get("errors") or [{}]
        return errors[0].get("reason") or error.get("status")
    return error  # the token endpoint answers {"error": "invalid_grant"}


class GoogleCalendarClient:
    """One practitioner's access to Google Calendar.

    :param refresh_token: the OAuth 2.0 refresh token of the practitioner
    :param service_account, subject: instead, the firm's service account key
        (its JSON as a dict) and the practitioner's Workspace address
    :param access_token, expiry: a cached access token and its expiry (epoch
        seconds), reused while valid
    :param max_tries: attempts per request on 429/5xx/network errors
    :param backoff: first wait in seconds, doubled at each retry (Retry-After wins)
    """

    def __init__(
        self,
        *,
        api_url,
        token_url,
        client_id,
        client_secret,
        refresh_token=None,
        access_token=None,
        expiry=0.0,
        max_tries=5,
        backoff=1.0,
        timeout=10,
        session=None,
        batch_url=None,
        service_account=None,
        subject=None,
    ):
        self.api_url = api_url.rstrip("/")
        # https://www.googleapis.com/calendar/v3 -> .../batch/calendar/v3
        root, _sep, version = self.api_url.rpartition("/calendar/")
        self.batch_url = batch_url or f"{root}/batch/calendar/{version}"
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        # {"client_email", "private_key", ...} of a Google Workspace service
        # account with domain-wide delegation, acting as ``subject``
        self.service_account = service_account
        self.subject = subject
        self.access_token = access_token
        self.expiry = expiry or 0.0
        self.max_tries = max(1, max_tries)
        self.backoff = backoff
        self.timeout = timeout
        self.session = session or requests.Session()
        # HTTP requests made (token endpoint included): the benchmarks report it.
        self.calls = 0
        self.token_refreshed = False

    # --- OAuth 2.0 ----------------------------------------------------------
    def _token_request(self, data):
        data = dict(data, client_id=self.client_id, client_secret=self.client_secret)
        for attempt in range(self.max_tries):
            try:
                self.calls += 1
                response = self.session.post(
                    self.token_url, data=data, timeout=self.timeout
                )
            except requests.RequestException as exc:
                if attempt + 1 == self.max_tries:
                    raise GoogleError(f"token endpoint unreachable: {exc}") from None
                self._wait(attempt)
                continue
            if response.status_code in RETRIABLE and attempt + 1 < self.max_tries:
                self._wait(attempt, response)
                continue
            if response.status_code in (400, 401):
                reason = _reason(response)
                # invalid_grant: revoked or expired consent; invalid_client: our
                # credentials. Either way no retry will help.
                raise GoogleAuthError(
                    f"token refused ({reason})", response.status_code, reason
                )
            if not response.ok:
                raise GoogleError(
                    f"token endpoint answered {response.status_code}",
                    response.status_code,
                    _reason(response),
                )
            return response.json()
        raise GoogleError("token endpoint: no answer")  # pragma: no cover

    def refresh(self):
        """Get a new access token: from the service account's signed assertion
        (domain-wide delegation), or from the practitioner's refresh token."""
        if self.service_account:
            payload = self._token_request(
                {
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": self._assertion(),
                }
            )
            self.access_token = payload["access_token"]
            self.expiry = time.time() + int(payload.get("expires_in", 3600))
            self.token_refreshed = True
            return self.access_token
        if not self.refresh_token:
            raise GoogleAuthError("no refresh token", None, "no_refresh_token")
        payload = self._token_request(
            {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        )
        self.access_token = payload["access_token"]
        self.expiry = time.time() + int(payload.get("expires_in", 3600))
        self.token_refreshed = True
        _logger.debug("Google access token refreshed")
        return self.access_token

    def _assertion(self):
        """The JWT a service account signs (RS256) to act as ``subject``."""
        account = self.service_account
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT"}
        if account.get("private_key_id"):
            header["kid"] = account["private_key_id"]
        claims = {
            "iss": account["client_email"],
            "scope": SCOPE,
            "aud": self.token_url,
            "iat": now,
            "exp": now + 3600,
            "sub": self.subject,
        }
        signing_input = b".".join(
            _b64(json.dumps(part, separators=(",", ":")).encode())
            for part in (header, claims)
        )
        try:
            key = serialization.load_pem_private_key(
                account["private_key"].encode(), password=None
            )
            signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        except (ValueError, TypeError, KeyError) as exc:
            raise GoogleAuthError(
                "unreadable service account key", None, "invalid_key"
            ) from exc
        return (signing_input + b"." + _b64(signature)).decode()

    def exchange_code(self, code, redirect_uri):
        """Trade the consent's authorization code for tokens."""
        payload = self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
            }
        )
        self.access_token = payload.get("access_token")
        self.expiry = time.time() + int(payload.get("expires_in", 3600))
        self.refresh_token = payload.get("refresh_token") or self.refresh_token
        return payload

    # --- the API ------------------------------------------------------------
    def _wait(self, attempt, response=None):
        delay = self.backoff * (2**attempt)
        if response is not None and response.headers.get("Retry-After"):
            try:
                delay = float(response.headers["Retry-After"])
            except ValueError:
                pass
        time.sleep(min(delay, 60))

    def _request(self, method, path, params=None, body=None, url=None, data=None):
        """One call with the access token, refreshed once on 401, retried on
        429/5xx. ``url``/``data``: a raw body to another address (batch), whose
        ``requests`` response is returned instead of its JSON."""
        raw = url is not None
        url = url or self.api_url + path
        refreshed = False
        for attempt in range(self.max_tries):
            if not self.access_token or self.expiry - 60 < time.time():
                self.refresh()
                refreshed = True
            try:
                self.calls += 1
                headers = {"Authorization": f"Bearer {self.access_token}"}
                if data is not None:
                    headers["Content-Type"] = data[0]
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    data=data[1] if data is not None else None,
                    headers=headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                if attempt + 1 == self.max_tries:
                    raise GoogleError(f"Google unreachable: {exc}") from None
                self._wait(attempt)
                continue
            status = response.status_code
            if status == 401 and not refreshed:
                # the access token expired early or was revoked: one refresh
                self.access_token = None
                refreshed = True
                continue
            reason = _reason(response) if status >= 400 else None
            retriable = status in RETRIABLE or (
                status == 403 and reason in RATE_LIMIT_REASONS
            )
            if retriable and attempt + 1 < self.max_tries:
                self._wait(attempt, response)
                continue
            if status == 410:
                raise GoogleGoneError("sync token expired", status, reason)
            if status == 401:
                raise GoogleAuthError("access refused", status, reason)
            if status >= 400:
                raise GoogleError(
                    f"Google answered {status} ({reason}) to {method} {path}",
                    429 if status == 403 and retriable else status,
                    reason,
                )
            if raw:
                return response
            if status == 204 or not response.content:
                return {}
            return response.json()
        raise GoogleError("Google: no answer")  # pragma: no cover

    def batch(self, calls):
        """Several calls in one HTTP request (Google's batch endpoint, at most
        50 calls): ``calls`` is [(method, path, body)], paths as for the other
        methods. Returns [(status, payload)] in the same order; each answer is
        the one a single call would have had (the caller retries failures one
        by one)."""
        boundary = "calendoc_%s" % uuid.uuid4().hex
        api_path = urlsplit(self.api_url).path
        parts = []
        for index, (method, path, body) in enumerate(calls):
            payload = json.dumps(body) if body is not None else ""
            parts.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: <item{index}>\r\n\r\n"
                f"{method} {api_path}{path} HTTP/1.1\r\n"
                f"Content-Type: application/json; charset=UTF-8\r\n\r\n"
                f"{payload}\r\n"
            )
        data = "".join(parts) + f"--{boundary}--\r\n"
        response = self._request(
            "POST",
            "/batch",
            url=self.batch_url,
            data=(f"multipart/mixed; boundary={boundary}", data.encode()),
        )
        answers = _parse_batch(response)
        return [answers.get(index, (None, {})) for index in range(len(calls))]

    @staticmethod
    def _calendar_path(calendar_id):
        return "/calendars/%s/events" % quote(calendar_id, safe="")

    def list_calendars(self):
        """All calendars of the account (calendarList.list, every page)."""
        items, params = [], {"maxResults": 250}
        while True:
            page = self._request("GET", "/users/me/calendarList", params=params)
            items += page.get("items", [])
            if not page.get("nextPageToken"):
                return items
            params["pageToken"] = page["nextPageToken"]

    def list_events(self, calendar_id, sync_token=None, page_token=None, **window):
        """One page of events.list with ``singleEvents=true``: Google expands
        recurring events into their instances, each one a busy interval.

        With ``sync_token``, only what changed since (deleted events included,
        status "cancelled"); otherwise ``window`` (timeMin, timeMax) bounds the
        first, full synchronisation."""
        params = {"singleEvents": "true", "maxResults": 2500, "showDeleted": "true"}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params.update(window)
        if page_token:
            params["pageToken"] = page_token
        return self._request("GET", self._calendar_path(calendar_id), params=params)

    def watch_events(self, calendar_id, body):
        """events.watch: Google will POST to ``body["address"]`` when the
        calendar changes (push notifications)."""
        return self._request(
            "POST", self._calendar_path(calendar_id) + "/watch", body=body
        )

    def stop_channel(self, channel_id, resource_id):
        return self._request(
            "POST", "/channels/stop", body={"id": channel_id, "resourceId": resource_id}
        )

    def insert_event(self, calendar_id, body):
        return self._request("POST", self._calendar_path(calendar_id), body=body)

    def patch_event(self, calendar_id, event_id, body):
        path = "%s/%s" % (self._calendar_path(calendar_id), quote(event_id, safe=""))
        return self._request("PATCH", path, body=body)

    def delete_event(self, calendar_id, event_id):
        path = "%s/%s" % (self._calendar_path(calendar_id), quote(event_id, safe=""))
        return self._request("DELETE", path)
