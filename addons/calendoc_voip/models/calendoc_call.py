import base64
import binascii
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.calendoc_agenda.tools.phone import to_e164

from ..bridge.signing import signed_headers
from .res_config_settings import PARAM_BRIDGE_URL, PARAM_SECRET

_logger = logging.getLogger(__name__)

EVENTS = ("ringing", "answered", "ended", "recorded")
# Largest recording accepted in one event (base64 in JSON).
MAX_RECORDING_BYTES = 20 * 1024 * 1024
# How long the secretaries' phones ring before the caller is told nobody
# answers (system parameter calendoc_voip.ring_seconds).
RING_TIMEOUT = 30
BRIDGE_TIMEOUT = 5
# Seconds before the overflow secretaries' phones ring too (queue).
OVERFLOW_SECONDS = 15
# Who reaches a call's account without these scopes (a delegation of calls
# only) sees the number in the popup, not who calls nor his appointments.
CARD_SCOPES = ("requesters", "agenda_read")
# What an incoming call reads of the client account.
ACCOUNT_FIELDS = [
    "active",
    "name",
    "tz",
    "country_id",
    "calendoc_offer",
    "calendoc_call_recording",
    "calendoc_recording_announcement",
]
# What the popup shows of the practice, and what a call records of it.
PRACTICE_FIELDS = [
    "name",
    "account_id",
    "company_id",
    "greeting",
    "questions_to_ask",
    "urgent_policy",
    "instructions",
]
# Appointment types and slots each the popup shows (the slot finder behind
# "Book" shows the rest).
POPUP_TYPES = 2
POPUP_SLOTS = 3


def _utc(epoch):
    """Naive UTC datetime of epoch seconds, the way Odoo stores them."""
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


class VoipEventError(Exception):
    """A call event the API refuses: ``status`` is the HTTP status to answer."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class CalendocCall(models.Model):
    _name = "calendoc.call"
    _description = "Call"
    _order = "ring_date desc, id desc"
    _rec_name = "sip_call_id"
    _calendoc_account_link = "account_id"
    _calendoc_rule_fields = ("account_id", "practice_id", "line_id")
    # The requester's personal data a call holds (ARCHITECTURE invariant 4):
    # one of the numbers is his (caller of an incoming call, callee of an
    # outgoing one), the link to him, his voice. Read by calendoc_gdpr for
    # access, erasure and retention.
    _calendoc_personal_fields = (
        "caller_number",
        "called_number",
        "requester_id",
        "recording_id",
    )
    _calendoc_requester_link = "requester_id"

    sip_call_id = fields.Char(
        string="Call id",
        required=True,
        readonly=True,
        copy=False,
        help="The PBX's or SIP call id: every event of the call carries it.",
    )
    direction = fields.Selection(
        [("in", "Incoming"), ("out", "Outgoing")], required=True, readonly=True
    )
    caller_number = fields.Char(readonly=True)
    called_number = fields.Char(readonly=True)
    line_id = fields.Many2one("calendoc.practice.line", readonly=True)
    practice_id = fields.Many2one("calendoc.practice", index=True, readonly=True)
    account_id = fields.Many2one(
        "res.partner", string="Client account", index=True, readonly=True
    )
    requester_id = fields.Many2one(
        "res.partner",
        string="Requester",
        index="btree_not_null",
        domain=[("is_calendoc_requester", "=", True)],
    )
    secretary_id = fields.Many2one("res.users", string="Secretary", readonly=True)
    rung_user_ids = fields.Many2many(
        "res.users",
        "calendoc_call_rung_user_rel",
        "call_id",
        "user_id",
        string="Secretaries rung",
        readonly=True,
        help="The on-duty secretaries whose phone rang and who got the popup.",
    )
    ring_date = fields.Datetime(string="Rang at", readonly=True)
    answer_date = fields.Datetime(string="Answered at", readonly=True)
    end_date = fields.Datetime(string="Ended at", readonly=True)
    state = fields.Selection(
        [("ringing", "Ringing"), ("in_progress", "In progress"), ("done", "Ended")],
        required=True,
        default="ringing",
        readonly=True,
    )
    outcome = fields.Selection(
        [
            ("answered", "Answered"),
            ("missed", "Missed"),
            ("abandoned", "Abandoned"),
            ("refused", "Refused (calls not allowed)"),
        ],
        readonly=True,
    )
    duration = fields.Integer(
        string="Duration (s)",
        compute="_compute_times",
        store=True,
        # in the INSERT, not a second UPDATE of every new call
        precompute=True,
        aggregator="avg",
        help="From answer to hang-up.",
    )
    wait_seconds = fields.Integer(
        string="Wait (s)",
        compute="_compute_times",
        store=True,
        # in the INSERT, not a second UPDATE of every new call
        precompute=True,
        aggregator="avg",
        help="From ringing to answer (or to hang-up when nobody answered).",
    )
    answered_percent = fields.Integer(
        string="Answered (%)",
        compute="_compute_rates",
        store=True,
        # in the INSERT, not a second UPDATE of every new call
        precompute=True,
        aggregator="avg",
    )
    booked_percent = fields.Integer(
        string="Bookings per call (%)",
        compute="_compute_rates",
        store=True,
        # in the INSERT, not a second UPDATE of every new call
        precompute=True,
        aggregator="avg",
    )
    appointment_id = fields.Many2one(
        "calendar.event",
        string="Appointment booked",
        index="btree_not_null",
        ondelete="set null",
    )
    event_ids = fields.One2many("calendoc.call.event", "call_id", string="Events")
    recording_id = fields.Many2one(
        "ir.attachment", string="Recording", readonly=True, ondelete="set null"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    _sql_constraints = [
        (
            "sip_call_id_uniq",
            "unique (sip_call_id)",
            "A call is recorded once per call id.",
        ),
    ]

    @api.depends("ring_date", "answer_date", "end_date")
    def _compute_times(self):
        for call in self:
            call.duration = (
                (call.end_date - call.answer_date).total_seconds()
                if call.answer_date and call.end_date
                else 0
            )
            waited_until = call.answer_date or call.end_date
            call.wait_seconds = (
                (waited_until - call.ring_date).total_seconds()
                if waited_until and call.ring_date
                else 0
            )

    @api.depends("outcome", "appointment_id")
    def _compute_rates(self):
        for call in self:
            call.answered_percent = 100 if call.outcome == "answered" else 0
            call.booked_percent = 100 if call.appointment_id else 0

    # --- actions ----------------------------------------------------------------
    def action_book(self):
        """Open the slot finder for the caller; the appointment booked there is
        recorded on this call."""
        self.ensure_one()
        if not self.requester_id:
            return self.action_new_requester()
        action = self.requester_id.action_calendoc_find_slot()
        action["context"] = dict(action["context"], calendoc_voip_call_id=self.id)
        if self.practice_id:
            action["context"]["default_practice_id"] = self.practice_id.id
        return action

    def action_new_requester(self):
        """The requester form prefilled with the caller's number (E.164) and
        the account of the practice called; the requester saved there becomes
        the call's caller."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New requester"),
            "res_model": "res.partner",
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "calendoc_agenda.res_partner_view_form_calendoc_requester"
                    ).id,
                    "form",
                )
            ],
            "target": "current",
            "context": {
                "default_is_calendoc_requester": True,
                "default_calendoc_account_id": self.account_id.id,
                "default_mobile": self.caller_number,
                "calendoc_voip_call_id": self.id,
            },
        }

    def action_message_practice(self):
        """The practice's form, where the secretary leaves a message in its chatter."""
        self.ensure_one()
        if not self.practice_id:
            raise UserError(self.env._("This call reached no practice."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "calendoc.practice",
            "res_id": self.practice_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    # --- click-to-call ----------------------------------------------------------------
    def _originate(self, endpoint):
        """Ask the bridge to place this outgoing call from ``endpoint``."""
        self.ensure_one()
        # sudo: the secret and URL are system parameters; the user never sees them
        params = self.env["ir.config_parameter"].sudo()
        url = (params.get_param(PARAM_BRIDGE_URL) or "").rstrip("/")
        secret = params.get_param(PARAM_SECRET)
        if not url or not secret:
            raise UserError(
                self.env._("Telephony is not configured: no bridge URL or secret.")
            )
        body = json.dumps(
            {
                "call_id": self.sip_call_id,
                "extension": endpoint.extension,
                "contact": endpoint.contact_uri or "",
                "auto_answer": endpoint.auto_answer,
                "number": self.called_number,
                "caller_id": self.caller_number,
            }
        ).encode()
        request = urllib.request.Request(
            f"{url}/originate",
            data=body,
            headers=signed_headers(secret, body),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=BRIDGE_TIMEOUT) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            _logger.warning(
                "bridge refused call %s: HTTP %s", self.sip_call_id, error.code
            )
            raise UserError(
                self.env._(
                    "The telephony bridge refused the call (HTTP %(status)s).",
                    status=error.code,
                )
            ) from error
        except (urllib.error.URLError, OSError) as error:
            _logger.warning("bridge unreachable for %s: %s", self.sip_call_id, error)
            raise UserError(
                self.env._("The telephony bridge cannot be reached; try again.")
            ) from error

    # --- statistics ----------------------------------------------------------------
    @api.model
    def _statistics(self, groupby, domain=None):
        """Billing and staffing figures of the calls the user may read, grouped by
        ``groupby`` ('practice_id' or 'secretary_id'): a list of dicts with the
        group, calls, answered calls, answered rate (%), average wait of the
        answered calls (s) and bookings per call."""
        if groupby not in ("practice_id", "secretary_id", "account_id"):
            raise UserError(self.env._("Statistics are per practice or secretary."))
        base = [("state", "=", "done"), *(domain or [])]
        answered = {
            group: (count, wait)
            for group, count, wait in self._read_group(
                [*base, ("outcome", "=", "answered")],
                [groupby],
                ["__count", "wait_seconds:avg"],
            )
        }
        rows = []
        for group, count, booked in self._read_group(
            base, [groupby], ["__count", "appointment_id:count"]
        ):
            answered_count, wait = answered.get(group, (0, 0.0))
            rows.append(
                {
                    "group": group,
                    "calls": count,
                    "answered": answered_count,
                    "answered_rate": round(100.0 * answered_count / count, 1),
                    "average_wait": round(wait or 0.0, 1),
                    "bookings_per_call": round(booked / count, 3),
                }
            )
        return rows

    # --- the event API (called by the bridge through the controller) -------------
    @api.model
    def _ingest_event(self, payload):
        """Record one call event sent by the bridge; return what the bridge must do.

        Idempotent: an event (call id, type) is stored once; a replay answers the
        first answer again and changes nothing. Raises ``VoipEventError`` for
        events to refuse (4xx). Runs as the superuser: the bridge is not a user,
        it is authenticated by the HMAC signature checked by the controller."""
        event, call_key, when, direction = self._parse_event(payload)
        self.flush_model()
        self.env["calendoc.call.event"].flush_model()
        # the call and whether this event of it is known, in one query
        self.env.cr.execute(
            SQL(
                "SELECT call.id, event.id IS NOT NULL, event.response "
                "FROM calendoc_call call LEFT JOIN calendoc_call_event event "
                "ON event.sip_call_id = call.sip_call_id AND event.kind = %s "
                "WHERE call.sip_call_id = %s",
                event,
                call_key,
            )
        )
        call_id, known, response = self.env.cr.fetchone() or (None, False, None)
        if known:
            _logger.info("call %s: %s replayed, ignored", call_key, event)
            return dict(response or {}, duplicate=True)
        call = self.browse(call_id)
        if not call:
            if direction == "out":
                raise VoipEventError(404, f"unknown outgoing call {call_key}")
            call = self._create_incoming(call_key, payload, when)
        elif call.state == "done" and event in ("ringing", "answered"):
            # a late 'ringing'/'answered' (bridge retry) after the end: keep the end
            response = {"action": "none", "call": call.id}
            call._store_event(event, when, payload, response)
            return response
        response = getattr(call, f"_on_{event}")(when, payload)
        if event == "recorded":
            # the audio lives in the attachment, not twice in the event log
            payload = {k: v for k, v in payload.items() if k != "recording"}
        call._store_event(event, when, payload, response)
        return response

    @api.model
    def _parse_event(self, payload):
        if not isinstance(payload, dict):
            raise VoipEventError(400, "the event must be a JSON object")
        if params.json_has_nul(payload):
            # the event is stored as sent (jsonb), which refuses NUL bytes
            raise VoipEventError(400, "the event holds a NUL byte")
        event = payload.get("event")
        if not isinstance(event, str) or event not in EVENTS:
            raise VoipEventError(400, f"unknown event type {event!r:.40}")
        call_key = params.parse_text(payload.get("call_id"), max_length=255)
        if not call_key:
            raise VoipEventError(400, "call_id is missing")
        direction = payload.get("direction", "in")
        if not isinstance(direction, str) or direction not in ("in", "out"):
            raise VoipEventError(400, f"unknown direction {direction!r:.40}")
        epoch = params.parse_epoch(payload.get("time"))
        if epoch is None:
            raise VoipEventError(400, "time (epoch seconds) is missing")
        for key in ("from", "to", "extension", "reason"):
            value = payload.get(key)
            if value is not None and params.parse_text(value) is None:
                raise VoipEventError(400, f"{key} must be a short string")
        rang = payload.get("rang")
        if rang is not None and params.parse_epoch(rang) is None:
            raise VoipEventError(400, "rang (epoch seconds) is not a time")
        return event, call_key, _utc(epoch), direction

    @api.model
    def _create_incoming(self, call_key, payload, when):
        called = to_e164(payload.get("to") or "")
        # the line, its practice and account, and the account's country (for
        # the caller's national number), in one query
        self.env["calendoc.practice.line"].flush_model(
            ["number", "active", "practice_id", "account_id", "company_id"]
        )
        self.env["res.partner"].flush_model(["country_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT line.id, line.practice_id, line.account_id,
                       line.company_id, country.code
                  FROM calendoc_practice_line line
                  JOIN res_partner account ON account.id = line.account_id
             LEFT JOIN res_country country ON country.id = account.country_id
                 WHERE line.number = %s AND line.active
              ORDER BY line.id
                 LIMIT 1
                """,
                called,
            )
        )
        found = called and self.env.cr.fetchone()
        if not found:
            raise VoipEventError(
                404, f"no practice line for the dialled number {payload.get('to')!r}"
            )
        line_id, practice_id, account_id, company_id, country = found
        # what the call and its popup read of the practice and the account,
        # not every column of them (the ORM's prefetch): on every incoming call
        self.env["calendoc.practice"].browse(practice_id).fetch(PRACTICE_FIELDS)
        account = self.env["res.partner"].browse(account_id)
        account.fetch(ACCOUNT_FIELDS)
        caller = to_e164(payload.get("from") or "", country or "FR")
        requesters = (
            self.env["res.partner"]._calendoc_search_by_phone(
                caller, account, fetch=["name"]
            )
            if caller
            else self.env["res.partner"]
        )
        values = {
            "sip_call_id": call_key,
            "direction": "in",
            "caller_number": caller or payload.get("from") or "",
            "called_number": called,
            "line_id": line_id,
            "practice_id": practice_id,
            "account_id": account_id,
            "requester_id": requesters[:1].id,
            "company_id": company_id,
        }
        if payload.get("event") == "ringing":
            # set at creation: one INSERT, no UPDATE of the times computed from it
            values["ring_date"] = when
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                # the requesters found are handed to the popup: no second lookup
                return self.create(values).with_context(
                    calendoc_voip_requester_ids=requesters[:5].ids
                )
        except psycopg2.errors.UniqueViolation:
            # the same call created by a concurrent request: use that one
            return self.search([("sip_call_id", "=", call_key)])

    def _store_event(self, event, when, payload, response):
        self.env["calendoc.call.event"].create(
            {
                "call_id": self.id,
                "sip_call_id": self.sip_call_id,
                "kind": event,
                "event_date": when,
                "payload": payload,
                "response": response,
            }
        )

    def _on_ringing(self, when, payload):
        if not self.ring_date:  # set by the INSERT of a call created ringing
            self.ring_date = when
        if self.direction == "out":
            return {"action": "none", "call": self.id}
        if not self.account_id._calendoc_service_allowed("calls"):
            _logger.warning(
                "call %s to %s refused: calls are not allowed for account %s",
                self.sip_call_id,
                self.called_number,
                self.account_id.id,
            )
            self.write({"state": "done", "outcome": "refused", "end_date": when})
            return {"action": "refuse", "call": self.id}
        secretaries, overflow_users, reach = self._routing(CARD_SCOPES)
        endpoints = self.env["calendoc.sip.endpoint"].search_fetch(
            [("user_id", "in", secretaries.ids)],
            ["extension", "contact_uri", "auto_answer", "user_id"],
        )
        if secretaries:
            # who got the popup: told when another one takes the call
            self.rung_user_ids = secretaries
            self._notify_secretaries(secretaries, reach)
        overflow = self._overflow_delay()
        account = self.account_id
        return {
            "action": "ring",
            "call": self.id,
            "practice": self.practice_id.name,
            # for a PBX that records: only with the account's consent, after
            # the announcement
            "record": account.calendoc_call_recording,
            "announcement": account.calendoc_call_recording
            and (account.calendoc_recording_announcement or ""),
            "ring_timeout": self._seconds_param(
                "calendoc_voip.ring_seconds", RING_TIMEOUT, minimum=1
            )
            + (overflow if overflow_users else 0),
            "targets": [
                {
                    "extension": endpoint.extension,
                    "contact": endpoint.contact_uri or "",
                    "auto_answer": endpoint.auto_answer,
                    "delay": overflow if endpoint.user_id in overflow_users else 0,
                }
                for endpoint in endpoints
            ],
        }

    def _on_answered(self, when, payload):
        values = {"answer_date": when, "state": "in_progress"}
        extension = payload.get("extension")
        if extension:
            endpoint = self.env["calendoc.sip.endpoint"].search(
                [("extension", "=", extension)], limit=1
            )
            values["secretary_id"] = endpoint.user_id.id or self.secretary_id.id
        self.write(values)
        # the popups shown at ringing close (the roster may have changed since)
        others = self.rung_user_ids - self.secretary_id
        self.env["bus.bus"]._calendoc_send_now(
            [
                (partner, "calendoc_voip/call_taken", {"call": self.id})
                for partner in others.partner_id
            ]
        )
        return {"action": "none", "call": self.id}

    def _on_recorded(self, when, payload):
        if not self.account_id.calendoc_call_recording:
            raise VoipEventError(
                403, f"recording is not allowed for the account of {self.sip_call_id}"
            )
        data = payload.get("recording")
        if not isinstance(data, str) or not data:
            raise VoipEventError(400, "recording (base64) is missing")
        if len(data) > MAX_RECORDING_BYTES * 4 // 3 + 4:
            raise VoipEventError(413, "recording too large")
        try:
            base64.b64decode(data, validate=True)
        except (ValueError, binascii.Error) as error:
            raise VoipEventError(400, "recording is not base64") from error
        mimetype = payload.get("mimetype") or "audio/wav"
        if mimetype not in ("audio/wav", "audio/x-wav", "audio/mpeg", "audio/ogg"):
            raise VoipEventError(400, f"unsupported recording type {mimetype!r}")
        self.recording_id = self.env["ir.attachment"].create(
            {
                "name": f"{self.sip_call_id}.{mimetype.rsplit('/', 1)[-1]}",
                "datas": data,
                "mimetype": mimetype,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {"action": "none", "call": self.id}

    def _on_ended(self, when, payload):
        values = {"end_date": when, "state": "done"}
        if not self.ring_date:
            # Odoo was unreachable when the call rang: the bridge says when
            rang = params.parse_epoch(payload.get("rang"))
            values["ring_date"] = _utc(rang) if rang is not None else when
        if self.outcome == "refused":
            values.pop("end_date")
        elif self.answer_date:
            values["outcome"] = "answered"
        elif (
            payload.get("reason") in ("no_answer", "odoo_unreachable")
            or self.direction == "out"
        ):
            values["outcome"] = "missed"
        else:
            values["outcome"] = "abandoned"
        self.write(values)
        return {"action": "none", "call": self.id}

    # --- routing and the popup -------------------------------------------------------
    def _routing(self, scopes=("calls",)):
        """(secretaries to ring, those of them whose phone rings only after the
        overflow delay: no duty line of theirs rings at once, {secretary: the
        ``scopes`` she reaches on the call's account}).

        Secretaries to ring are the on-duty users who reach the account's calls."""
        self.ensure_one()
        duties = self.env["calendoc.duty"]._on_duty(self.practice_id)
        # what routing and the rights read of the users, not every column
        duties.user_id.fetch(["active", "partner_id"])
        duties.user_id.partner_id.fetch(["commercial_partner_id"])
        users = duties.user_id.filtered("active")
        at_once = duties.filtered(lambda duty: not duty.overflow).user_id
        reach = self._scopes_of(users, {"calls", *scopes})
        allowed = users.filtered(lambda user: "calls" in reach[user.id])
        return allowed, allowed - at_once, reach

    def _scopes_of(self, users, scopes):
        """{user id: the ``scopes`` each of ``users`` reaches now on this call's
        account}, in one query whatever the number of users and scopes: each
        test is the SQL the record rules' account search is made of, for that
        user (``res.partner._calendoc_reached_accounts_sql``)."""
        self.ensure_one()
        account = self.account_id
        account.fetch(ACCOUNT_FIELDS)
        reach = {user.id: set() for user in users}
        if not account.active:
            return reach
        tests, keys = [], []
        for user in users:
            # sudo: the rights of that secretary are read from the uid of
            # with_user(), not from the record rules of the system
            partners = self.env["res.partner"].with_user(user).sudo()
            for scope in sorted(scopes):
                accounts = partners._calendoc_reached_accounts_sql(scope)
                tests.append(
                    SQL("TRUE")
                    if accounts is None
                    else SQL("%s IN %s", account.id, accounts)
                )
                keys.append((user.id, scope))
        if tests:
            self.env.cr.execute(SQL("SELECT %s", SQL(", ").join(tests)))
            for (user_id, scope), ok in zip(keys, self.env.cr.fetchone(), strict=True):
                if ok:
                    reach[user_id].add(scope)
        return reach

    def _overflow_delay(self):
        return self._seconds_param("calendoc_voip.overflow_seconds", OVERFLOW_SECONDS)

    def _seconds_param(self, key, default, minimum=0):
        """A number of seconds set as the system parameter ``key`` (``default``
        when unset or not a number)."""
        # sudo: a system parameter the bridge's routing reads
        value = self.env["ir.config_parameter"].sudo().get_param(key, default)
        try:
            return max(minimum, int(value))
        except ValueError:
            _logger.warning("%s is not a number of seconds: %r", key, value)
            return default

    def _notify_secretaries(self, secretaries, reach):
        payload = self._popup_payload()
        restricted = dict(payload, requesters=[], restricted=True)
        self.env["bus.bus"]._calendoc_send_now(
            [
                (
                    user.partner_id,
                    "calendoc_voip/incoming_call",
                    payload if reach[user.id].issuperset(CARD_SCOPES) else restricted,
                )
                for user in secretaries
            ]
        )

    def _popup_payload(self):
        """What the incoming-call popup shows at once: the practice card and the
        caller. The next free slots are asked by the popup when it opens
        (``calendoc_next_slots``): the card must be on the bus within the first
        ring, and the slot engine is the slowest part of it."""
        self.ensure_one()
        practice = self.practice_id
        Partner = self.env["res.partner"]
        if "calendoc_voip_requester_ids" in self.env.context:
            requesters = Partner.browse(self.env.context["calendoc_voip_requester_ids"])
        elif self.caller_number:
            requesters = Partner._calendoc_search_by_phone(
                self.caller_number, self.account_id
            )[:5]
        else:
            requesters = Partner
        now = fields.Datetime.now()
        return {
            "call": self.id,
            "caller_number": self.caller_number,
            "practice": {
                "id": practice.id,
                "name": practice.name,
                "account": self.account_id.name,
                "greeting": practice.greeting or "",
                "questions_to_ask": practice.questions_to_ask or "",
                "urgent_policy": practice.urgent_policy or "",
                "instructions": str(practice.instructions or ""),
                "practitioners": self.env["calendoc.practitioner"]
                .search_fetch(
                    [("schedule_ids.practice_id", "=", practice.id)], ["name"]
                )
                .mapped("name"),
            },
            "requesters": requesters._calendoc_call_cards(now),
        }

    def calendoc_next_slots(self):
        """The next free slots of the called practice, for the popup: the first
        appointment types, a few slots each in the coming week."""
        self.ensure_one()
        # the record rules of calls: only who serves the account's calls
        self.check_access("read")
        practice = self.practice_id
        if not practice:
            return []
        now = fields.Datetime.now()
        # sudo: the slot engine reads the practitioners' busy times (other
        # patients' appointments) to give free times only, no personal data
        engine = self.env["calendoc.slot.engine"].sudo()
        slots = []
        for apt_type in practice.sudo().appointment_type_ids[:POPUP_TYPES]:
            for slot in engine._find_slots(
                apt_type, now, now + timedelta(days=7), limit=POPUP_SLOTS
            ):
                slots.append(
                    {
                        "type": apt_type.name,
                        "start": fields.Datetime.to_string(slot["start"]),
                        "practitioner": engine.env["calendoc.practitioner"]
                        .browse(slot["practitioner_id"])
                        .name,
                    }
                )
        return slots
