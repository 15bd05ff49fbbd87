"""A small client of the Google Calendar API v3 and of Google's OAuth 2.0
endpoints, on plain ``requests``, with ``google-auth`` for the access tokens.

Only what CalenDoc uses: events.list (sync and page tokens), events.insert,
events.patch, events.delete, events.watch, channels.stop, calendarList.list,
the batch endpoint and the token endpoint's three grants.
``google-auth`` refreshes the practitioner's token and signs the service
account's JWT (RS256, domain-wide delegation); its requests travel through our
own session, timeout, retries and count (``_token_endpoint``). Every URL is a
parameter, so that tests run this very code against a local server speaking
Google's wire format. Tokens and keys are never logged.
"""

import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytz
import requests
from google.auth import exceptions as auth_exceptions
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

_logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://www.googleapis.com/calendar/v3"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
DEFAULT_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
SCOPE = "https://www.googleapis.com/auth/calendar"
# Google documents 429 and 5xx (and 403 with a rate-limit reason) as worth a
# retry with exponential backoff.
RETRIABLE = {429, 500, 502, 503, 504}
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
# Private extended properties CalenDoc sets on the events it pushes.
PROP_DB = "calendoc_db"
PROP_EVENT = "calendoc_event"


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


def _reason(body):
    """Google's reason for an error, from the JSON ``body`` of its answer."""
    try:
        error = json.loads(body or b"{}").get("error")
    except (ValueError, AttributeError):
        return None
    if isinstance(error, dict):
        errors = error.get("errors") or [{}]
        return errors[0].get("reason") or error.get("status")
    return error  # the token endpoint answers {"error": "invalid_grant"}


def parse_google_time(value):
    """An event's start or end ({"dateTime": ...} or {"date": ...}) as
    (naive UTC datetime or None, date or None)."""
    if value.get("dateTime"):
        moment = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
        if moment.tzinfo is None:
            tz = pytz.timezone(value.get("timeZone") or "UTC")
            moment = tz.localize(moment)
        return moment.astimezone(pytz.utc).replace(tzinfo=None), None
    if value.get("date"):
        return None, datetime.strptime(value["date"][:10], "%Y-%m-%d").date()
    return None, None


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

    # --- HTTP -------------------------------------------------------------------
    def _wait(self, attempt, response=None):
        delay = self.backoff * (2**attempt)
        if response is not None and response.headers.get("Retry-After"):
            try:
                delay = float(response.headers["Retry-After"])
            except ValueError:
                pass
        time.sleep(min(delay, 60))

    def _send(self, method, url, what="Google", **kwargs):
        """One HTTP request, tried again after a network error, a 429 or 5xx (or
        a 403 for a rate limit), waiting longer each time: the last answer."""
        for attempt in range(self.max_tries):
            last = attempt + 1 == self.max_tries
            try:
                self.calls += 1
                response = self.session.request(
                    method, url, timeout=self.timeout, **kwargs
                )
            except requests.RequestException as exc:
                if last:
                    raise GoogleError(f"{what} unreachable: {exc}") from None
                self._wait(attempt)
                continue
            status = response.status_code
            if last or not (
                status in RETRIABLE
                or (status == 403 and _reason(response.content) in RATE_LIMIT_REASONS)
            ):
                return response
            self._wait(attempt, response)
        raise GoogleError(f"{what}: no answer")  # pragma: no cover (the last returns)

    # --- OAuth 2.0 ----------------------------------------------------------
    def _token_endpoint(self, url, method="POST", body=None, headers=None, **_kw):
        """The HTTP of google-auth (its ``request``), on our session, timeout,
        retries and count. What no retry mends is raised as our errors, so that
        google-auth only reads tokens; unlike its own transport, no request body
        (no secret) is ever logged."""
        response = self._send(method, url, "token endpoint", data=body, headers=headers)
        status = response.status_code
        if status in (400, 401):
            # invalid_grant: revoked or expired consent; invalid_client: our
            # credentials. Either way no retry will help.
            reason = _reason(response.content)
            raise GoogleAuthError(f"token refused ({reason})", status, reason)
        if not response.ok:
            raise GoogleError(
                f"token endpoint answered {status}", status, _reason(response.content)
            )
        return SimpleNamespace(
            status=status, headers=response.headers, data=response.content
        )

    def _credentials(self):
        """google-auth's credentials: the service account acting as
        ``subject`` (domain-wide delegation), or the practitioner's consent."""
        if self.service_account:
            info = dict(self.service_account, token_uri=self.token_url)
            try:
                account = service_account.Credentials.from_service_account_info(
                    # aud: the token endpoint we post to (RFC 7523), Google's
                    # unless calendoc_google.token_url says otherwise
                    info,
                    scopes=[SCOPE],
                    additional_claims={"aud": self.token_url},
                )
            except (ValueError, TypeError, KeyError) as exc:
                raise GoogleAuthError(
                    "unreadable service account key", None, "invalid_key"
                ) from exc
            return account.with_subject(self.subject)
        if not self.refresh_token:
            raise GoogleAuthError("no refresh token", None, "no_refresh_token")
        return user_credentials.Credentials(
            None,
            refresh_token=self.refresh_token,
            token_uri=self.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
        )

    def refresh(self):
        """Get a new access token through google-auth: from the service
        account's signed assertion (domain-wide delegation), or from the
        practitioner's refresh token."""
        credentials = self._credentials()
        try:
            credentials.refresh(self._token_endpoint)
        except auth_exceptions.RefreshError as exc:
            # refused by google-auth itself: no OAuth client, no token answered
            # (its first argument only: the others may hold the answer's tokens)
            raise GoogleAuthError(f"token refused ({exc.args[0]})") from None
        self.access_token = credentials.token
        expiry = credentials.expiry
        self.expiry = (
            expiry.replace(tzinfo=timezone.utc).timestamp()
            if expiry
            else time.time() + 3600
        )
        self.token_refreshed = True
        _logger.debug("Google access token refreshed")
        return self.access_token

    def exchange_code(self, code, redirect_uri):
        """Trade the consent's authorization code for tokens (a grant that
        google-auth leaves to web frameworks: one form to the token endpoint)."""
        body = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        # a dict: ``requests`` form-encodes it, leaving out what is None
        payload = json.loads(self._token_endpoint(self.token_url, body=body).data)
        self.access_token = payload.get("access_token")
        self.expiry = time.time() + int(payload.get("expires_in", 3600))
        self.refresh_token = payload.get("refresh_token") or self.refresh_token
        return payload

    # --- the API ------------------------------------------------------------
    def _request(self, method, path, params=None, body=None, url=None, data=None):
        """One call with the access token, refreshed once on 401, retried on
        429/5xx. ``url``/``data``: a raw body to another address (batch), whose
        ``requests`` response is returned instead of its JSON."""
        raw = url is not None
        url = url or self.api_url + path
        refreshed = False
        if not self.access_token or self.expiry - 60 < time.time():
            self.refresh()
            refreshed = True
        while True:
            headers = {"Authorization": f"Bearer {self.access_token}"}
            if data is not None:
                headers["Content-Type"] = data[0]
            response = self._send(
                method,
                url,
                params=params,
                json=body,
                data=data[1] if data is not None else None,
                headers=headers,
            )
            if response.status_code != 401 or refreshed:
                break
            # the access token expired early or was revoked: one refresh
            self.refresh()
            refreshed = True
        status = response.status_code
        reason = _reason(response.content) if status >= 400 else None
        if status == 410:
            raise GoogleGoneError("sync token expired", status, reason)
        if status == 401:
            raise GoogleAuthError("access refused", status, reason)
        if status >= 400:
            rate_limited = status == 403 and reason in RATE_LIMIT_REASONS
            raise GoogleError(
                f"Google answered {status} ({reason}) to {method} {path}",
                429 if rate_limited else status,
                reason,
            )
        if raw:
            return response
        if status == 204 or not response.content:
            return {}
        return response.json()

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
