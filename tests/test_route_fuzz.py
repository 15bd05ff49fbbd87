"""Route fuzz suite (issue 17): hostile input never reaches the error path.

The routes are not listed here: they are read from Odoo's routing map, every
rule whose endpoint CalenDoc code defines or overrides (our own routes, and the
core routes our controllers override: ``/web/login``, ``/web/dataset/call_kw``).
The parameters of each route are found the same way: its URL converters, the
named arguments of its endpoint, and what its code reads (``kw.get("x")``,
``kw["x"]``, ``request.params.get("x")``, ``headers.get("X-...")``) in its
implementations and in the helpers of its controller they call. A route added
tomorrow is fuzzed without anyone listing it.

``baselines()`` holds, for the routes known today, a valid request (a real
slot, a real signed link, a signed bridge body...), so that each hostile value
is tried where the others are right and reaches the deepest code it can. A
route missing from it is fuzzed all the same, from an empty request.

Each parameter gets each hostile class once: a NUL byte inside its valid
value, a non-ASCII look-alike (superscript, full-width digits, Cyrillic
letters, in turn), empty, 100 kB, a non-digit, a 400-digit number, the years 1
and 9999; in JSON, also a list, an object, null, true and a 400-digit number;
in URLs, what the converters let through; in the bridge's signature headers,
the same, signed. Requests are sent as the role the route is for, and sampled
(one hostile value per parameter) as the others.

Asserted for every request: an answer below 500, nothing logged at ERROR and
no traceback, a JSON-RPC error only of a class meant for users, and, when the
request is refused, no business table changed (row count, last id, last
write). Each request runs in a savepoint rolled back after it: a request a
hostile value did not stop (a Cyrillic name is a name) changes nothing for the
next one.

The second test calls the public methods of CalenDoc's models (read from the
registry) over JSON-RPC as a secretary, with hostile ids and arguments.
"""

import importlib
import inspect
import json
import logging
import re
import secrets
import time
from datetime import timedelta
from urllib.parse import quote, urlencode

import requests
from werkzeug.exceptions import HTTPException

from odoo import Command, fields
from odoo.exceptions import AccessDenied, UserError
from odoo.http import SessionExpiredException
from odoo.models import regex_private
from odoo.tests import tagged

from odoo.addons.calendoc_portal.tests.common import PortalCase, signup_form
from odoo.addons.calendoc_voip.bridge.signing import (
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    signature,
    signed_headers,
)

_logger = logging.getLogger(__name__)
SECRET = "fuzz-secret-0123456789"
CSRF_IN_PAGE = re.compile(r'csrf_token: "([0-9a-f]+o\d+)"')


# --- what is sent ----------------------------------------------------------------
def _with_nul(base):
    """The valid value with a NUL byte in its middle: it passes every other
    check (an e-mail stays an e-mail) and reaches the database."""
    text = str(base) if base not in (None, "") else "1x"
    return text[: len(text) // 2] + "\x00" + text[len(text) // 2 :]


# Each parameter gets each class once; the look-alikes take turns.
LOOKALIKES = ("²", "１２", "Ѕесrеt")  # superscript two, full-width digits, Cyrillic
HOSTILE_TEXT = (
    ("nul", _with_nul),
    ("look-alike", None),
    ("empty", lambda base: ""),
    ("100kB", lambda base: "7" * 100_000),
    ("non-digit", lambda base: "12a"),
    ("400 digits", lambda base: "9" * 400),
    ("year 1", lambda base: "0001-01-01"),
    ("year 9999", lambda base: "9999-12-31"),
)
HOSTILE_JSON_TYPES = (
    ("list", ["x"]),
    ("object", {"x": 1}),
    ("null", None),
    ("true", True),
    ("400-digit number", int("9" * 400)),
)
# URL parts: what the converters let through (``<int:>`` takes signed ASCII and
# Unicode digits; a 100 kB URL is refused by the HTTP server itself, 414)
HOSTILE_PATH = {
    "int": (
        ("zero", "0"),
        ("negative", "-1"),
        ("out of int4", str(2**31)),
        ("400 digits", "9" * 400),
        ("full-width digits", "１２"),
        ("superscript", "²"),
    ),
    "string": (
        ("nul", "%00"),
        ("nul inside", "x%00y"),
        ("look-alike", quote("Ѕесrеt")),
        ("superscript", quote("²")),
        ("4 kB", "k" * 4000),
    ),
}
# Headers travel as bytes (latin-1): NUL and UTF-8 are sent raw.
HOSTILE_HEADER = (
    ("nul", lambda base: _with_nul(base).encode("latin-1", "replace")),
    ("utf-8 look-alike", lambda base: "Ѕесrеt".encode()),
    ("superscript", lambda base: "²".encode("latin-1")),
    ("empty", lambda base: b""),
    ("8kB", lambda base: b"7" * 8000),
    ("non-digit", lambda base: b"12a"),
    ("400 digits", lambda base: b"9" * 400),
)
SIGNING_HEADERS = (HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
# JSON-RPC errors a caller may get: the user errors, HTTP refusals, and "sign
# in first"
USER_FACING = (UserError, AccessDenied, HTTPException, SessionExpiredException)

# JSON-RPC calls: ids and arguments
HOSTILE_IDS = (
    ("superscript", ["²"]),
    ("null", [None]),
    ("nested list", [[1]]),
    ("object", {"id": 1}),
    ("out of int4", [2**31]),
    ("400 digits", [int("9" * 400)]),
    ("string", "1"),
    ("negative", [-1]),
    ("true", [True]),
)
HOSTILE_ARGS = (
    ("nul", "Fuzz\x00x"),
    ("100kB", "7" * 100_000),
    ("superscript", "²"),
    ("list", ["x"]),
    ("object", {"x": 1}),
    ("null", None),
    ("400-digit number", int("9" * 400)),
    ("year 1", "0001-01-01 00:00:00"),
    ("year 9999", "9999-12-31 00:00:00"),
)
# what the other arguments of a method are while one is hostile
NEUTRAL_ARGS = {
    "reason": "Fuzz",
    "date_from": "2030-01-07 08:00:00",
    "date_to": "2030-01-14 08:00:00",
}
# Odoo's CRUD, which CalenDoc overrides: hostile ids only (and the web
# client's reads and saves, which calendoc_gdpr's audit trail wraps)
ORM_METHODS = (
    "create",
    "write",
    "unlink",
    "copy",
    "web_read",
    "web_save",
    "web_search_read",
)

# --- what a refused request must leave untouched -----------------------------------
# Odoo tables that hold CalenDoc's business beside CalenDoc's own.
CORE_BUSINESS_TABLES = (
    "res_partner",
    "res_users",
    "calendar_event",
    "calendar_attendee",
    "resource_calendar_leaves",
    "sale_order",
    "sale_order_line",
    "account_move",
    "mail_message",
    "mail_activity",
    "mail_mail",
    "sms_sms",
)
# Written by every request on purpose (throttling, replay protection, login
# failures): not business data.
NOT_BUSINESS_TABLES = (
    "calendoc_portal_throttle",
    "calendoc_voip_nonce",
    "calendoc_login_failure",
)

# --- how a route is read -----------------------------------------------------------
PARAM_READ = re.compile(
    r"""\b(?:kw|kwargs|params)\s*(?:\.get\(|\[)\s*["']([A-Za-z_]\w*)["']"""
)
HEADER_READ = re.compile(r"""headers\.get\(\s*["']([A-Za-z][\w-]*)["']""")
FILE_READ = re.compile(r"""files\.getlist\(\s*["'](\w+)["']""")
HELPER_CALL = re.compile(r"\bself\.(\w+)\(")
# The named arguments of an endpoint that are not request parameters.
NOT_PARAMS = {"self", "kw", "kwargs", "_kwargs", "post"}


def calendoc_routes(env):
    """[(rule, method, endpoint)] of every rule whose endpoint CalenDoc code
    defines or overrides (whichever class comes first in the controller's MRO:
    that depends on the import order)."""
    routes = []
    for rule in env["ir.http"].routing_map().iter_rules():
        if not implementations(rule.endpoint, calendoc_only=True):
            continue
        methods = sorted((rule.methods or {"GET", "POST"}) & {"GET", "POST"})
        if rule.endpoint.routing["type"] == "json":
            methods = ["POST"]
        routes.extend((rule, method, rule.endpoint) for method in methods)
    return routes


def implementations(endpoint, calendoc_only=False):
    """The functions that implement ``endpoint`` along its controller's MRO."""
    name = endpoint.original_endpoint.__name__
    # the endpoint is a partial of the method bound to the controller Odoo
    # built from every installed addon's classes
    found = []
    for cls in type(endpoint.func.__self__).__mro__:
        method = vars(cls).get(name)
        module = cls.__module__
        if method is not None and (
            module.startswith("odoo.addons.calendoc_")
            or (not calendoc_only and module.startswith("odoo.addons."))
        ):
            found.append(method)
    return found


def route_reads(endpoint):
    """(parameters, headers, files) a route reads: in its implementations and
    in the methods of its controller they call, transitively."""
    controller = type(endpoint.func.__self__)
    params = {
        name
        for name, p in inspect.signature(endpoint.original_endpoint).parameters.items()
        if name not in NOT_PARAMS and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }
    headers, files = set(), set()
    todo, seen = implementations(endpoint), set()
    while todo:
        code = inspect.unwrap(todo.pop())
        if code in seen:
            continue
        seen.add(code)
        try:
            source = inspect.getsource(code)
        except (OSError, TypeError):
            continue
        params.update(PARAM_READ.findall(source))
        headers.update(HEADER_READ.findall(source))
        files.update(FILE_READ.findall(source))
        for helper in HELPER_CALL.findall(source):
            method = getattr(controller, helper, None)
            if callable(method) and getattr(method, "__module__", "").startswith(
                "odoo.addons."
            ):
                todo.append(method)
    return params, headers, files


def calendoc_public_methods(env):
    """{(model, method): function} of the methods JSON-RPC may call that
    CalenDoc defines, on its models and on Odoo's."""
    found = {}
    for name in sorted(env.registry):
        Model = env.registry[name]
        for attr in dir(Model):
            if regex_private.match(attr):
                continue
            function = getattr(Model, attr, None)
            module = getattr(function, "__module__", "") or ""
            if (
                callable(function)
                and not isinstance(function, type)
                and module.startswith("odoo.addons.calendoc_")
                # the guards every model gets from calendoc_agenda (create and
                # write check the records linked): the isolation suite's
                and module != "odoo.addons.calendoc_agenda.models.base"
            ):
                found[name, attr] = function
    return found


def json_leaves(value, path=()):
    """The paths of every leaf of a JSON body (what a hostile value replaces)."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from json_leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from json_leaves(item, (*path, index))
    else:
        yield path


def json_get(value, path):
    for key in path:
        value = value[key]
    return value


def json_replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = json_replace(value[path[0]], path[1:], new)
    return copy


def multipart(fields, files):
    """A multipart/form-data body and its content type, the file names sent
    as they are (``requests`` would escape a NUL byte as ``%00``)."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode()
        + b"\r\n"
        for name, value in fields.items()
    ]
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '.encode()
            + b'filename="'
            + filename.encode()
            + b'"\r\nContent-Type: application/pdf\r\n\r\n'
            + content
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def is_user_facing(error_name):
    """Whether the exception class a JSON-RPC error names is meant for users."""
    module, _dot, name = (error_name or "").rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        return False
    return isinstance(cls, type) and issubclass(cls, USER_FACING)


class _ErrorLog(logging.Handler):
    """What the server logs at ERROR, or with a traceback, while it is on
    (whatever --log-level the suite runs with)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []
        self.logger = logging.getLogger("odoo")
        self.level = self.logger.level

    def __enter__(self):
        self.logger.addHandler(self)
        if self.logger.getEffectiveLevel() > logging.ERROR:
            self.logger.setLevel(logging.ERROR)
        return self

    def __exit__(self, *_exc):
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level)

    def emit(self, record):
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


@tagged("post_install", "-at_install")
class TestRouteFuzz(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # a portal user who is both his account's client admin and one of its
        # practitioners: every /my/calendoc page is his
        cls.client_admin.groups_id = [
            Command.link(
                env.ref("calendoc_agenda.group_calendoc_portal_practitioner").id
            )
        ]
        # telephony: the bridge's secret, a line, a phone, a PBX connection
        env["ir.config_parameter"].set_param("calendoc_voip.secret", SECRET)
        env["calendoc.practice.line"].create(
            {"practice_id": cls.practice.id, "number": "02 41 11 22 33"}
        )
        env["calendoc.sip.endpoint"].create(
            {
                "user_id": cls.secretary.id,
                "extension": "201",
                "contact_uri": "127.0.0.1:5999",
            }
        )
        cls.pbx = env["calendoc.pbx"].create(
            {
                "name": "Asterisk fuzz",
                "kind": "asterisk_ari",
                "ari_url": "http://127.0.0.1:9",
                "ari_user": "calendoc",
                "ari_password": "pbx-secret",
            }
        )
        # Google: a watched calendar, and a Google that refuses at once (a
        # consent code sent to /calendoc_google/oauth is tried there)
        for key, value in {
            "calendoc_google.token_url": "http://127.0.0.1:9/token",
            "calendoc_google.api_url": "http://127.0.0.1:9/calendar/v3",
            "calendoc_google.client_id": "fuzz.apps.googleusercontent.com",
            "calendoc_google.client_secret": "fuzz-secret",
            "calendoc_google.backoff": "0.01",
            "calendoc_google.max_tries": "1",
        }.items():
            env["ir.config_parameter"].set_param(key, value)
        cls.connection = env["calendoc.google.connection"].create(
            {
                "practitioner_id": cls.doctor.id,
                "refresh_token": "rt-fuzz",
                "responsible_user_id": env.ref("base.user_admin").id,
            }
        )
        cls.channel_token = secrets.token_urlsafe(24)
        env["calendoc.google.calendar"].create(
            {
                "connection_id": cls.connection.id,
                "google_calendar_id": "fuzz@example.com",
                "read_busy": True,
                "channel_id": "fuzz-channel",
                "channel_token": cls.channel_token,
            }
        )
        # an appointment booked online, opened by its signed link, and a
        # requester's conversation with the secretariat
        start = fields.Datetime.now().replace(second=0, microsecond=0)
        slots = env["calendoc.slot.engine"]._find_slots(
            cls.consult,
            start + timedelta(days=3),
            start + timedelta(days=17),
            practitioners=cls.doctor,
            online=True,
        )
        cls.slot, cls.move_slot = slots[-1], slots[-2]
        cls.event = env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.doctor.id,
                "calendoc_type_id": cls.consult.id,
                "calendoc_requester_id": cls.requester.id,
                "calendoc_source": "online",
                "start": slots[0]["start"],
            }
        )
        cls.token = cls.event._calendoc_manage_url().rsplit("/", 1)[1]
        cls.thread = env["calendoc.requester.thread"]._calendoc_thread_for(
            cls.requester
        )
        # a patient of the practitioner with no conversation yet
        cls.lone_requester = env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.account.id,
                "calendoc_last_name": "Durand",
                "calendoc_first_name": "Léa",
                "mobile": "06 11 22 33 44",
            }
        )
        env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.doctor.id,
                "calendoc_type_id": cls.consult.id,
                "calendoc_requester_id": cls.lone_requester.id,
                "start": slots[1]["start"],
            }
        )
        cls.terms = env["calendoc.terms.version"]._in_force_for(env["res.partner"])
        if not cls.terms:
            cls.terms = env["calendoc.terms.version"].create(
                {
                    "name": "CGV fuzz",
                    "date_effective": "2018-05-25",
                    "state": "published",
                }
            )
        # the portal user signs in with his account's permanence code
        cls.account.calendoc_permanence_code = "FUZZ01"
        cls.client_admin.write(
            {
                "calendoc_permanence_account_id": cls.account.id,
                "calendoc_permanence_login": "fuzzadmin",
            }
        )
        cls.secretary.password = cls.secretary.login
        cls.tables = cls._business_tables(env)
        # the site's default language: no redirection to a language prefix
        # before the route's code
        cls.default_lang = (
            env["ir.default"]._get("res.partner", "lang")
            or env["res.lang"].search([], limit=1).code
        )

    @classmethod
    def _business_tables(cls, env):
        tables = set(CORE_BUSINESS_TABLES)
        for model in env.registry.values():
            if (
                model._auto
                and not model._abstract
                and not model._transient
                and (model._original_module or "").startswith("calendoc_")
            ):
                tables.add(model._table)
        tables -= set(NOT_BUSINESS_TABLES)
        env.cr.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE column_name = 'write_date' AND table_name IN %s",
            [tuple(tables)],
        )
        written = {row[0] for row in env.cr.fetchall()}
        return {table: table in written for table in sorted(tables)}

    def setUp(self):
        super().setUp()
        self.sent = 0
        self.sessions = {}
        # Odoo's own login cooldown lives in the process's memory, which the
        # savepoints do not roll back: off, so that every login is tried
        # (CalenDoc's own throttle, in the database, still runs)
        self.env["ir.config_parameter"].set_param("base.login_cooldown_after", 0)
        getattr(self.registry, "_login_failures", {}).clear()

    # --- the valid requests hostile values are put into -----------------------------
    def baselines(self):
        """{(method, rule): {"args": URL arguments, "params": form or query,
        "headers", "json": signed JSON body or JSON-RPC params, "role": who
        sends it in full}} of the routes known today."""
        event = {"event_id": str(self.event.id), "token": self.token}
        booking = {
            "type_id": str(self.consult.id),
            "practitioner_id": str(self.doctor.id),
            "start": self.slot["start"].isoformat(),
        }
        identity = {
            "last_name": "Martin",
            "first_name": "Paul",
            "birthdate": "1980-05-17",
            "mobile": "06 98 76 54 32",
            "email": "paul.martin@example.fr",
            "accept_terms": "1",
            "accept_sms": "1",
            "terms_version": str(self.practice.online_terms_version),
        }
        ringing = {
            "event": "ringing",
            "call_id": "fuzz-call@trunk",
            "time": int(time.time()),
            "from": "06 12 34 56 78",
            "to": "+33241112233",
            "direction": "in",
        }
        call_kw = {
            "role": "secretary",
            "json": {
                "model": "res.partner",
                "method": "action_calendoc_view_appointments",
                "args": [[self.requester.id]],
                "kwargs": {},
            },
        }
        return {
            ("GET", "/rdv/<string:key>"): {
                "args": {"key": "cabinet-test"},
                "params": {**booking, "week": "1", "any": ""},
            },
            ("GET", "/rdv/<string:key>/book"): {
                "args": {"key": "cabinet-test"},
                "params": booking,
            },
            ("POST", "/rdv/<string:key>/book"): {
                "args": {"key": "cabinet-test"},
                "params": {**booking, **identity},
            },
            ("GET", "/rdv/appointment/<int:event_id>/<string:token>"): {
                "args": event,
                "params": {"done": "booked"},
            },
            ("POST", "/rdv/appointment/<int:event_id>/<string:token>/cancel"): {
                "args": event,
            },
            ("GET", "/rdv/appointment/<int:event_id>/<string:token>/move"): {
                "args": event,
                "params": {"week": "1"},
            },
            ("POST", "/rdv/appointment/<int:event_id>/<string:token>/move"): {
                "args": event,
                "params": {"start": self.move_slot["start"].isoformat()},
            },
            ("POST", "/calendoc/signup"): {
                "params": signup_form(self.terms, terms_version_id=str(self.terms.id)),
            },
            ("GET", "/my/calendoc/appointments"): {
                "params": {
                    "scope": "week",
                    "day": fields.Date.today().isoformat(),
                    "practitioner_id": str(self.doctor.id),
                },
            },
            ("GET", "/my/calendoc/appointments/page/<int:page>"): {
                "args": {"page": "1"},
                "params": {"scope": "list"},
            },
            ("GET", "/my/calendoc/appointments/<int:event_id>"): {
                "args": {"event_id": str(self.event.id)},
            },
            ("GET", "/my/calendoc/statement"): {
                "params": {"date_from": "2024-01-01", "date_to": "2024-01-31"},
            },
            ("POST", "/my/calendoc/packs/buy"): {
                "params": {"product_id": str(self.pack_rdv.id)},
            },
            ("POST", "/my/calendoc/gdpr"): {
                "params": {
                    "kind": "access",
                    "person": "Jeanne Dupont",
                    "details": "Ses rendez-vous",
                },
            },
            ("POST", "/my/calendoc/users"): {
                "params": {
                    "name": "Paul Assistant",
                    "email": "paul.assistant@example.fr",
                    "role": "assistant",
                    "login": "assistant.fuzz",
                    "practitioner_id": "",
                },
            },
            ("GET", "/my/calendoc/messages/new"): {
                "params": {"requester_id": str(self.lone_requester.id)},
            },
            ("POST", "/my/calendoc/messages/new"): {
                "params": {
                    "requester_id": str(self.lone_requester.id),
                    "body": "Bonjour",
                },
            },
            ("GET", "/my/calendoc/messages/<int:thread_id>"): {
                "args": {"thread_id": str(self.thread.id)},
            },
            ("POST", "/my/calendoc/messages/<int:thread_id>"): {
                "args": {"thread_id": str(self.thread.id)},
                "params": {"body": "Bonjour"},
            },
            ("GET", "/my/calendoc/messages/page/<int:page>"): {
                "args": {"page": "1"},
            },
            ("GET", "/my/calendoc/messages"): {"role": "portal"},
            ("GET", "/my/calendoc/delegations"): {"role": "portal"},
            ("GET", "/my/calendoc/packs"): {"params": {"welcome": "1"}},
            ("POST", "/calendoc_google/notify"): {
                "headers": {
                    "X-Goog-Channel-ID": "fuzz-channel",
                    "X-Goog-Channel-Token": self.channel_token,
                    "X-Goog-Resource-State": "exists",
                },
            },
            ("GET", "/calendoc_google/oauth"): {
                "params": {
                    "state": self.connection._google_oauth_state(),
                    "error": "access_denied",
                },
            },
            ("POST", "/web/login"): {
                "params": {
                    "calendoc_permanence": "FUZZ01",
                    "login": "fuzzadmin",
                    # a wrong password: every check of the login runs, and
                    # the session stays anonymous
                    "password": "not-the-password",
                    "redirect": "/my",
                },
            },
            ("POST", "/calendoc_voip/event"): {"json": ringing},
            ("POST", "/calendoc_voip/events"): {"json": {"events": [ringing]}},
            ("POST", "/calendoc_voip/sip_credentials"): {
                "json": {"extension": "201", "realm": "calendoc"},
            },
            ("POST", "/calendoc_voip/pbx_config"): {"json": {"pbx": self.pbx.id}},
            ("POST", "/calendoc_voip/pbx_status"): {
                "json": {"pbx": self.pbx.id, "status": "connected", "detail": "ok"},
            },
            # IAP's delivery reports (core's route, which calendoc_agenda
            # extends): a report of an SMS that does not exist
            ("POST", "/sms/status"): {
                "json": {
                    "message_statuses": [
                        {"sms_status": "delivered", "uuids": ["0" * 32]}
                    ]
                },
            },
            ("POST", "/web/dataset/call_kw"): call_kw,
            ("POST", "/web/dataset/call_kw/<path:path>"): call_kw,
            ("POST", "/web/dataset/call_button"): call_kw,
            ("POST", "/web/dataset/call_button/<path:path>"): call_kw,
        }

    # --- sessions ---------------------------------------------------------------------
    def _session(self, role):
        """The session of ``role``, with its CSRF token (made once)."""
        if role not in self.sessions:
            login = {
                "public": None,
                "portal": self.client_admin.login,
                "secretary": self.secretary.login,
            }[role]
            # authenticate() ends the previous session: each role keeps its own
            self.session = None
            self.authenticate(login, login)
            opener = self.opener
            opener.cookies.set("frontend_lang", self.default_lang)
            page = opener.get(
                self.base_url() + ("/web/login" if login is None else "/my"),
                timeout=30,
            )
            csrf = CSRF_IN_PAGE.search(page.text)
            self.assertTrue(csrf, f"no CSRF token for {role}: {page.status_code}")
            self.sessions[role] = {
                "opener": opener,
                "csrf": csrf.group(1),
                "role": role,
            }
        return self.sessions[role]

    @staticmethod
    def _cookies(session):
        return sorted(
            c.value for c in session["opener"].cookies if c.name == "session_id"
        )

    # --- one request ---------------------------------------------------------------------
    def _snapshot(self):
        self.env.flush_all()
        self.env.cr.execute(
            " UNION ALL ".join(
                f"SELECT '{table}', count(*), max(id), "  # noqa: S608 - our own names
                + ("max(write_date)" if written else "NULL")
                + f" FROM {table}"
                for table, written in self.tables.items()
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _request(self, method, rule, case, csrf):
        """(method, url, body, headers) of ``case`` sent to ``rule``."""
        path = rule.rule
        for name, value in case["args"].items():
            path = re.sub(rf"<[^>]*:{name}>|<{name}>", lambda _m, v=value: v, path)
        params = dict(case["params"])
        headers = dict(case["headers"])
        if rule.endpoint.routing["type"] == "json":
            body = json.dumps(
                {"jsonrpc": "2.0", "method": "call", "params": case["json"]}
            )
            headers["Content-Type"] = "application/json"
        elif "json" in case:
            # a body of the bridge, signed; the signature headers may be
            # replaced by hostile ones, signed again or not
            body = json.dumps(case["json"]).encode()
            headers.update(signed_headers(SECRET, body))
            headers.update(case.get("signing") or {})
            if case.get("resign"):
                stamp, nonce = (
                    value.decode("latin-1") if isinstance(value, bytes) else value
                    for value in (headers[HEADER_TIMESTAMP], headers[HEADER_NONCE])
                )
                headers[HEADER_SIGNATURE] = signature(SECRET, stamp, nonce, body)
        elif method == "POST":
            if rule.endpoint.routing.get("csrf", True):
                params["csrf_token"] = csrf
            body = params
            if case.get("files"):
                body, headers["Content-Type"] = multipart(params, case["files"])
        elif any(len(v) > 2000 for v in params.values()):
            # too long for a URL (the HTTP server answers 414 before Odoo): in
            # a form body, which Odoo reads as the same parameters
            body = params
        else:
            body = None
            path += "?" + urlencode(params) if params else ""
        return self.base_url() + path, body, headers

    def _send(self, role, method, rule, case, label):
        """Send one request; return (what went wrong or None, refused?)."""
        session = self._session(role)
        url, body, headers = self._request(method, rule, case, session["csrf"])
        before = self._cookies(session)
        where = f"{role} {method} {rule.rule} {label}"
        try:
            with _ErrorLog() as errors:
                response = session["opener"].request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                    timeout=60,
                )
        except requests.RequestException as error:
            return f"{where}: no answer ({error})", True
        self.sent += 1
        failure = []
        if response.status_code >= 500:
            failure.append(f"HTTP {response.status_code}")
        for record in errors.records[:1]:
            failure.append(
                f"logged {record.levelname} {record.name}: "
                f"{record.getMessage()[:160]}"
                + (f" ({record.exc_info[0].__name__})" if record.exc_info else "")
            )
        refused = response.status_code >= 400
        if rule.endpoint.routing["type"] == "json" and response.status_code == 200:
            error = response.json().get("error")
            refused = bool(error)
            if error and not is_user_facing(error["data"]["name"]):
                failure.append(f"JSON-RPC {error['data']['name']}")
        if refused:
            after = self._snapshot()
            changed = sorted(t for t, row in after.items() if row != self.before[t])
            if changed:
                failure.append(
                    f"refused ({response.status_code}) but changed {changed}"
                )
        if self._cookies(session) != before:
            # the request signed in or out: the role starts afresh
            del self.sessions[role]
        return (f"{where}: {'; '.join(failure)}" if failure else None), refused

    # --- the cases of one route -----------------------------------------------------------
    def _cases(self, rule, endpoint, baseline, sample):
        """(label, case) of each hostile value for each parameter, after the
        baseline itself; with ``sample``, one value per parameter (the classes
        take turns)."""
        params, headers, files = route_reads(endpoint)
        base = {
            "args": {
                name: "1" if type(conv).__name__.endswith("IntConverter") else "x"
                for name, conv in rule._converters.items()
            },
            "params": {},
            "headers": {},
        }
        base.update({key: value for key, value in baseline.items() if key != "role"})
        if endpoint.routing["type"] == "json":
            base.setdefault(
                "json", {name: "x" for name in params - set(rule._converters)}
            )
        yield "baseline", base
        turn = 0

        def pick(values):
            nonlocal turn
            turn += 1
            return [values[turn % len(values)]] if sample else values

        for name, conv in rule._converters.items():
            kind = "int" if type(conv).__name__.endswith("IntConverter") else "string"
            for label, value in pick(HOSTILE_PATH[kind]):
                yield (
                    f"<{name}>={label}",
                    dict(base, args={**base["args"], name: value}),
                )
        if "json" in base:
            for path in json_leaves(base["json"]):
                leaf = json_get(base["json"], path)
                values = [*self._texts(leaf, turn), *HOSTILE_JSON_TYPES]
                for label, value in pick(values):
                    yield (
                        f"json {'.'.join(map(str, path)) or 'body'}={label}",
                        dict(base, json=json_replace(base["json"], path, value)),
                    )
            if endpoint.routing["type"] != "json":
                yield from self._signing_cases(base, pick)
            return
        names = sorted(
            (params | set(base["params"])) - set(base["args"]) - {"csrf_token"}
        )
        for name in names:
            for label, value in pick(self._texts(base["params"].get(name), turn)):
                yield (
                    f"{name}={label}",
                    dict(base, params={**base["params"], name: value}),
                )
        for header in sorted(headers | set(base["headers"])):
            for label, make in pick(HOSTILE_HEADER):
                value = make(base["headers"].get(header) or "")
                yield (
                    f"header {header}={label}",
                    dict(base, headers={**base["headers"], header: value}),
                )
        for name in sorted(files):
            for label, filename in pick(self._texts("note.pdf", turn)):
                yield (
                    f"file {name} named {label}",
                    dict(base, files={name: (filename, b"%PDF-1.4 fuzz")}),
                )

    def _signing_cases(self, base, pick):
        """The bridge's signature headers: each hostile, then signed anew
        (a valid signature of a hostile timestamp or nonce)."""
        now = str(int(time.time()))
        for header in SIGNING_HEADERS:
            for label, make in pick(HOSTILE_HEADER):
                value = make(now if header == HEADER_TIMESTAMP else "a1b2c3d4e5f6")
                yield (
                    f"header {header}={label}",
                    dict(base, signing={header: value}),
                )
                if header != HEADER_SIGNATURE:
                    yield (
                        f"header {header}={label}, signed",
                        dict(base, signing={header: value}, resign=True),
                    )

    @staticmethod
    def _texts(base, turn):
        return [
            (
                label,
                make(base) if make else LOOKALIKES[turn % len(LOOKALIKES)],
            )
            for label, make in HOSTILE_TEXT
        ]

    @staticmethod
    def _roles(endpoint, baseline):
        """[(role, sampled?)]: in full as the role the route is for, sampled
        as the others."""
        auth = endpoint.routing.get("auth")
        if auth == "user":
            full = baseline.get("role", "portal")
            return [(full, False)] + [
                (role, True)
                for role in ("portal", "secretary", "public")
                if role != full
            ]
        if auth == "public":
            return [("public", False), ("portal", True)]
        return [("public", False)]

    # --- the suites ------------------------------------------------------------------------
    def test_every_calendoc_route_answers_hostile_input_without_error(self):
        routes = calendoc_routes(self.env)
        found = {rule.rule for rule, _method, _endpoint in routes}
        # the map is read, not trusted blindly: routes of every kind are there
        for expected in (
            "/rdv/<string:key>/book",
            "/my/calendoc/statement",
            "/calendoc/signup",
            "/calendoc_google/notify",
            "/calendoc_voip/event",
            "/web/login",
            "/web/dataset/call_kw",
        ):
            self.assertIn(expected, found)
        baselines = self.baselines()
        failures, unknown, count, parameters = [], [], 0, set()
        savepoint = self.env.cr.savepoint()
        self.before = self._snapshot()
        started = time.monotonic()
        for rule, method, endpoint in routes:
            # a route open to any method has one baseline for both
            baseline = baselines.get((method, rule.rule)) or next(
                (case for (_m, path), case in baselines.items() if path == rule.rule),
                None,
            )
            if baseline is None:
                unknown.append(f"{method} {rule.rule}")
            for role, sample in self._roles(endpoint, baseline or {}):
                for label, case in self._cases(rule, endpoint, baseline or {}, sample):
                    count += 1
                    parameters.add((method, rule.rule, label.split("=")[0]))
                    failure, refused = self._send(role, method, rule, case, label)
                    savepoint.rollback()
                    self.env.invalidate_all()
                    if failure:
                        failures.append(failure)
                    elif label == "baseline" and baseline and not sample and refused:
                        # the valid request must be accepted, or the hostile
                        # values put into it would not reach the deep code
                        failures.append(
                            f"{role} {method} {rule.rule}: baseline refused"
                        )
        savepoint.close(rollback=True)
        _logger.info(
            "route fuzz: %s routes (%s without a baseline: %s), %s parameters, "
            "%s requests in %.0f s",
            len(routes),
            len(unknown),
            ", ".join(unknown),
            len(parameters) - len(routes),  # the baselines are not parameters
            count,
            time.monotonic() - started,
        )
        self.assertFalse(
            failures,
            f"{len(failures)} of {count} hostile requests reached the error "
            "path:\n" + "\n".join(failures[:300]),
        )

    def test_public_methods_of_calendoc_models_refuse_hostile_calls_as_users_errors(
        self,
    ):
        """Every public method CalenDoc defines (``action_*`` and the others),
        called by a secretary over JSON-RPC with hostile ids, then with each of
        its arguments hostile: a success or a user error, never an internal
        exception. Odoo's own CRUD overridden by CalenDoc (create, write,
        unlink, copy) get the hostile ids only: the values they write are the
        isolation suite's business."""
        methods = calendoc_public_methods(self.env)
        self.assertIn(("calendar.event", "calendoc_cancel"), methods)
        secretary = self.secretary
        failures, count = [], 0
        savepoint = self.env.cr.savepoint()
        self.before = self._snapshot()
        started = time.monotonic()
        for (model, name), function in methods.items():
            record_method = not getattr(function, "_api", None)
            try:
                ids = self.env[model].with_user(secretary).search([], limit=1).ids
            except UserError:
                ids = []
            parameters = [
                p
                for p in list(inspect.signature(function).parameters.values())[1:]
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            neutral = [NEUTRAL_ARGS.get(p.name) for p in parameters]
            if name in ORM_METHODS:
                neutral = [{} for _p in parameters]
            cases = []
            if record_method:
                cases += [
                    (f"ids={label}", [value, *neutral]) for label, value in HOSTILE_IDS
                ]
            if name not in ORM_METHODS:
                head = [ids] if record_method else []
                for index, parameter in enumerate(parameters):
                    for label, value in HOSTILE_ARGS:
                        args = list(neutral)
                        args[index] = value
                        cases.append((f"{parameter.name}={label}", [*head, *args]))
            for label, args in cases:
                count += 1
                failure = self._call(model, name, args, label)
                savepoint.rollback()
                self.env.invalidate_all()
                if failure:
                    failures.append(failure)
        savepoint.close(rollback=True)
        _logger.info(
            "JSON-RPC fuzz: %s methods, %s calls in %.0f s",
            len(methods),
            count,
            time.monotonic() - started,
        )
        self.assertFalse(
            failures,
            f"{len(failures)} of {count} hostile calls reached the error path:\n"
            + "\n".join(failures[:300]),
        )

    def _call(self, model, name, args, label):
        session = self._session("secretary")
        where = f"{model}.{name} {label}"
        try:
            with _ErrorLog() as errors:
                response = session["opener"].post(
                    f"{self.base_url()}/web/dataset/call_kw/{model}/{name}",
                    json={
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "model": model,
                            "method": name,
                            "args": args,
                            "kwargs": {},
                        },
                    },
                    timeout=60,
                )
        except requests.RequestException as error:
            return f"{where}: no answer ({error})"
        failure = []
        if response.status_code != 200:
            failure.append(f"HTTP {response.status_code}")
        error = response.json().get("error") if response.status_code == 200 else None
        if error and not is_user_facing(error["data"]["name"]):
            failure.append(
                f"{error['data']['name']}: {error['data'].get('message', '')[:160]}"
            )
        for record in errors.records[:1]:
            failure.append(
                f"logged {record.levelname} {record.name}: {record.getMessage()[:160]}"
            )
        if error:
            after = self._snapshot()
            changed = sorted(t for t, row in after.items() if row != self.before[t])
            if changed:
                failure.append(f"refused but changed {changed}")
        return f"{where}: {'; '.join(failure)}" if failure else None
