import logging

from odoo import api, fields, models, tools

from ..tools.phone import region_of
from ..tools.sms_gateway import PARAM_PREFIX, CalendocSmsApi
from ..tools.sms_ovh import OvhSmsApi
from ..tools.sms_segments import sms_segments

_logger = logging.getLogger(__name__)

PROVIDERS = [
    ("iap", "Odoo SMS (IAP)"),
    ("ovh", "OVH SMS API"),
]
KINDS = [
    ("confirmation", "Confirmation"),
    ("reminder", "Reminder"),
]
# Final states of an SMS that did not leave: its credits are given back.
UNSENT_STATES = ("error", "canceled")
ENCODINGS = [
    ("gsm7", "GSM 7-bit"),
    ("ucs2", "UCS-2 (Unicode)"),
]


class SmsSms(models.Model):
    _inherit = "sms.sms"
    _calendoc_account_link = "calendoc_account_id"
    # A confirmation or reminder holds the requester's number and the text
    # sent to him (invariant 4).
    _calendoc_personal_fields = ("number", "body", "partner_id")
    _calendoc_requester_link = "partner_id"
    _calendoc_retention = "sms"

    calendoc_event_id = fields.Many2one(
        "calendar.event",
        string="Appointment",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    calendoc_kind = fields.Selection(KINDS, string="CalenDoc SMS", readonly=True)
    calendoc_account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        index="btree_not_null",
        ondelete="restrict",
        readonly=True,
        help="The client account charged for this SMS.",
    )
    calendoc_segments = fields.Integer(
        string="Segments",
        compute="_compute_calendoc_segments",
        store=True,
        help="Number of SMS the text is sent as (and charged for).",
    )
    calendoc_encoding = fields.Selection(
        ENCODINGS,
        string="Encoding",
        compute="_compute_calendoc_segments",
        store=True,
    )
    calendoc_country_code = fields.Char(
        string="Country",
        compute="_compute_calendoc_country_code",
        store=True,
        help="ISO code of the country of the number (prices differ by country).",
    )
    calendoc_provider_ref = fields.Char(
        string="Gateway reference", readonly=True, copy=False
    )
    calendoc_attempt = fields.Integer(
        string="Paid attempt",
        readonly=True,
        copy=False,
        help="How many times this SMS was sent again after a failure (each "
        "failure gives its credits back, each new attempt is paid again).",
    )

    @api.depends("body")
    def _compute_calendoc_segments(self):
        for sms in self:
            count = sms_segments(sms.body or "")
            sms.calendoc_segments = count.segments
            sms.calendoc_encoding = count.encoding

    @api.depends("number")
    def _compute_calendoc_country_code(self):
        for sms in self:
            sms.calendoc_country_code = region_of(sms.number) or False

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        # Invariant 2: the SMS is paid for in the transaction that creates it,
        # once per attempt (see write: a failed attempt is given back).
        for sms in messages._calendoc_paid():
            sms._calendoc_charge()
        return messages

    def write(self, vals):
        """An SMS that fails (state 'error', whatever told it: the gateway's
        answer, core's IAP path, a manager) or is cancelled gives its client
        account the credits of that attempt back, once; one sent again after
        that is paid again, as a new attempt."""
        retried = self.browse()
        if vals.get("state") == "outgoing":
            retried = self._calendoc_paid().filtered(lambda s: s.state in UNSENT_STATES)
        result = super().write(vals)
        if vals.get("state") in UNSENT_STATES:
            for sms in self._calendoc_paid():
                sms.calendoc_account_id._calendoc_refund_credits(
                    sms._calendoc_charge_key(), sms
                )
        for sms in retried:
            sms.calendoc_attempt += 1
            sms._calendoc_charge()
        return result

    # --- paying ----------------------------------------------------------------
    def _calendoc_paid(self):
        """The SMS of these that a client account pays for."""
        return self.filtered(lambda s: s.calendoc_account_id and s.calendoc_segments)

    def _calendoc_charge_key(self):
        """The ledger's key of this SMS's current attempt: one charge (and at
        most one refund) per attempt."""
        self.ensure_one()
        key = f"sms.sms:{self.id}"
        return f"{key}:{self.calendoc_attempt}" if self.calendoc_attempt else key

    def _calendoc_charge(self):
        self.ensure_one()
        return self.calendoc_account_id._calendoc_consume_credits(
            "sms", self.calendoc_segments, self._calendoc_charge_key(), self
        )

    # --- sending ---------------------------------------------------------------
    def _split_batch(self):
        gateway = self._calendoc_sms_api()
        if gateway is None:
            yield from super()._split_batch()
            return
        calendoc = self.filtered("calendoc_kind")
        yield from super(SmsSms, self - calendoc)._split_batch()
        yield from tools.split_every(gateway._batch_size(), calendoc.ids)

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Send CalenDoc SMS through the gateway of the provider chosen in the
        settings, the others as Odoo does.

        CalenDoc SMS are never marked for deletion: each one keeps the segment
        count its client account was charged for, and a failed one stays in
        error, ready to be resent."""
        calendoc = self.filtered("calendoc_kind")
        others = self - calendoc
        if others:
            super(SmsSms, others)._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        if not calendoc:
            return
        gateway = self._calendoc_sms_api()
        if gateway is None:
            super(SmsSms, calendoc)._send(
                unlink_failed=False, unlink_sent=False, raise_exception=raise_exception
            )
        else:
            calendoc._calendoc_send_through(gateway, raise_exception=raise_exception)

    @api.model
    def _calendoc_delivery_reports(self, message_statuses):
        """Apply IAP's delivery reports (``/sms/status``, already checked by
        core: ``[{'sms_status': ..., 'uuids': [...]}]``) to CalenDoc's SMS: the
        state reported, or 'error' for a failure (its credits come back, see
        ``write``). They stay in the queue's history (core marks the SMS it
        has a report of for deletion)."""
        for status in message_statuses:
            messages = self.search(
                [("uuid", "in", status["uuids"]), ("calendoc_kind", "!=", False)]
            )
            if not messages:
                continue
            iap_state = status["sms_status"]
            state = self.IAP_TO_SMS_STATE_SUCCESS.get(iap_state)
            if state:
                messages.write({"state": state, "failure_type": False})
            else:
                failure = self.IAP_TO_SMS_FAILURE_TYPE.get(iap_state, "unknown")
                messages.write({"state": "error", "failure_type": failure})
            messages.write({"to_delete": False})
        return True

    # --- the gateway seam --------------------------------------------------------
    @api.model
    def _calendoc_sms_provider(self):
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"{PARAM_PREFIX}sms_provider", "iap")
        )

    @api.model
    def _calendoc_sms_api(self):
        """The gateway CalenDoc's SMS leave through: what
        ``_calendoc_sms_api_<provider>()`` returns for the provider chosen in
        the settings, an object shaped like core's ``SmsApi`` (see
        ``tools/sms_gateway.py``), or ``None`` for Odoo's IAP, sent by core's
        own path (delivery reports included). An unknown provider (its addon
        uninstalled) falls back to IAP, as Odoo's default."""
        provider = self._calendoc_sms_provider()
        factory = getattr(self, f"_calendoc_sms_api_{provider}", None)
        if factory is None:
            _logger.warning("Unknown SMS provider %r: sending through IAP", provider)
            return None
        return factory()

    # --- hooks: one factory per gateway (docs/extending.md) ----------------------
    @api.model
    def _calendoc_sms_api_iap(self):
        # Odoo's IAP: core's own sending path and its delivery reports.
        return None

    @api.model
    def _calendoc_sms_api_ovh(self):
        return OvhSmsApi(self.env)

    # --- sending through a gateway ------------------------------------------------
    def _calendoc_send_through(self, gateway, raise_exception=False):
        """Send these SMS through ``gateway`` and record what it answers, with
        core's meaning of IAP's states: accepted is 'pending' (Odoo's "Sent"),
        a failure is 'error' with core's failure type ('sms_number_format',
        'sms_server', 'sms_acc'...). Nothing is deleted: a failed SMS can be
        resent."""
        name = type(gateway).__name__
        missing = self.filtered(lambda sms: not sms.number)
        missing._update_sms_state_and_trackers(
            "error", failure_type="sms_number_missing"
        )
        todo = self - missing
        if not todo:
            return
        messages = [
            {
                "content": body,
                "numbers": [{"number": sms.number, "uuid": sms.uuid} for sms in group],
            }
            for body, group in todo.grouped("body").items()
        ]
        try:
            results = gateway._send_sms_batch(messages, delivery_reports_url=False)
        except Exception as exc:
            _logger.info(
                "CalenDoc SMS %s: %s failed (%s)", todo.ids, name, type(exc).__name__
            )
            # As core's IAP path: raise when the gateway cannot be reached.
            if raise_exception:
                raise
            results = CalendocSmsApi._results(messages, "server_error")
        by_uuid = {sms.uuid: sms for sms in todo}
        for result in results:
            sms = by_uuid[result["uuid"]]
            state = self.IAP_TO_SMS_STATE_SUCCESS.get(result["state"])
            if state:
                _logger.info(
                    "CalenDoc SMS %s sent through %s (reference %s)",
                    sms.id,
                    name,
                    result.get("reference") or "?",
                )
                sms.calendoc_provider_ref = result.get("reference") or False
                sms._update_sms_state_and_trackers(state, failure_type=False)
            else:
                failure_type = self.IAP_TO_SMS_FAILURE_TYPE.get(
                    result["state"], "unknown"
                )
                _logger.info(
                    "CalenDoc SMS %s not sent through %s: %s",
                    sms.id,
                    name,
                    result["state"],
                )
                sms._update_sms_state_and_trackers("error", failure_type=failure_type)
