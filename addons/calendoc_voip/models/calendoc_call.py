import logging
from datetime import datetime, timezone

from odoo import api, fields, models
from odoo.exceptions import UserError

# The call model is spread over files by concern, all extending
# ``calendoc.call``: this one (fields, actions, statistics), the event API
# (calendoc_call_ingest.py), who rings (calendoc_call_routing.py), the popup
# (calendoc_call_popup.py) and click-to-call (calendoc_call_bridge.py). They
# log under this one name, the model's, whatever the file.
_logger = logging.getLogger(__name__)

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
    _calendoc_retention = "calls"

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
            "name": self.practice_id.display_name,
            "res_model": "calendoc.practice",
            "res_id": self.practice_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

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
