import hashlib
import json
import logging
import time
from urllib.parse import quote

import requests

from odoo import api, fields, models, tools

from ..tools.phone import region_of
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
ENCODINGS = [
    ("gsm7", "GSM 7-bit"),
    ("ucs2", "UCS-2 (Unicode)"),
]
PARAM_PREFIX = "calendoc_agenda."
OVH_DEFAULT_ENDPOINT = "https://eu.api.ovh.com"
# Seconds to wait for the gateway: a hung gateway must not hold the SMS queue.
OVH_TIMEOUT = 10
# One HTTP call per SMS: keep the batches (committed one by one by the queue)
# small, so that a crash re-sends few messages.
OVH_DEFAULT_BATCH_SIZE = 50


class SmsSms(models.Model):
    _inherit = "sms.sms"
    _calendoc_account_link = "calendoc_account_id"
    # A confirmation or reminder holds the requester's number and the text
    # sent to him (invariant 4).
    _calendoc_personal_fields = ("number", "body", "partner_id")
    _calendoc_requester_link = "partner_id"

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
        # once per SMS whatever happens to it later (resending is free).
        for sms in messages.filtered(
            lambda s: s.calendoc_account_id and s.calendoc_segments
        ):
            sms.calendoc_account_id._calendoc_consume_credits(
                "sms", sms.calendoc_segments, f"sms.sms:{sms.id}", sms
            )
        return messages

    # --- sending ---------------------------------------------------------------
    def _split_batch(self):
        if self._calendoc_sms_provider() != "ovh":
            yield from super()._split_batch()
            return
        calendoc = self.filtered("calendoc_kind")
        yield from super(SmsSms, self - calendoc)._split_batch()
        size = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"{PARAM_PREFIX}ovh_batch_size", OVH_DEFAULT_BATCH_SIZE)
        )
        yield from tools.split_every(size, calendoc.ids)

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Send CalenDoc SMS through the provider chosen in the settings, the
        others as Odoo does.

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
        if self._calendoc_sms_provider() == "ovh":
            calendoc._calendoc_send_ovh(raise_exception=raise_exception)
        else:
            super(SmsSms, calendoc)._send(
                unlink_failed=False, unlink_sent=False, raise_exception=raise_exception
            )

    # --- OVH SMS API -----------------------------------------------------------
    @api.model
    def _calendoc_sms_provider(self):
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"{PARAM_PREFIX}sms_provider", "iap")
        )

    @api.model
    def _calendoc_ovh_config(self):
        """The OVH credentials, or ``None`` when some are missing. Secrets: keep
        them out of logs and messages."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        config = {
            key: (get_param(f"{PARAM_PREFIX}ovh_{key}") or "").strip()
            for key in (
                "endpoint",
                "application_key",
                "application_secret",
                "consumer_key",
                "service_name",
                "sender",
            )
        }
        config["endpoint"] = (config["endpoint"] or OVH_DEFAULT_ENDPOINT).rstrip("/")
        required = ("application_key", "application_secret", "consumer_key")
        if not all(config[key] for key in required + ("service_name",)):
            return None
        return config

    def _calendoc_send_ovh(self, raise_exception=False):
        """POST each SMS to ``/1.0/sms/{service}/jobs`` of the OVH API and record
        the outcome: 'pending' (sent, as Odoo calls an SMS accepted by the
        gateway), or 'error' with 'sms_number_format' when OVH refuses the
        receiver and 'sms_server' for any other failure. Nothing is deleted: a
        failed SMS can be resent."""
        config = self._calendoc_ovh_config()
        if not config:
            _logger.info(
                "CalenDoc SMS %s not sent: the OVH SMS gateway is not configured",
                self.ids,
            )
            self._update_sms_state_and_trackers("error", failure_type="sms_acc")
            return
        url = "{}/1.0/sms/{}/jobs".format(
            config["endpoint"], quote(config["service_name"], safe="")
        )
        sent = 0
        for sms in self:
            if not sms.number:
                sms._update_sms_state_and_trackers(
                    "error", failure_type="sms_number_missing"
                )
                continue
            try:
                state, failure_type, reference = sms._calendoc_post_ovh(config, url)
            except requests.RequestException as exc:
                _logger.info(
                    "CalenDoc SMS %s: OVH SMS API unreachable (%s)",
                    sms.id,
                    type(exc).__name__,
                )
                # As Odoo's IAP path: raise when the provider cannot be reached,
                # unless SMS of this batch already left (they must be recorded).
                if raise_exception and not sent:
                    raise
                state, failure_type, reference = "error", "sms_server", False
            if state == "pending":
                sent += 1
                sms.calendoc_provider_ref = reference
            sms._update_sms_state_and_trackers(state, failure_type=failure_type)

    def _calendoc_post_ovh(self, config, url):
        """Post this SMS; return (state, failure_type, gateway reference)."""
        self.ensure_one()
        payload = {
            "message": self.body or "",
            "receivers": [self.number],
            "charset": "UTF-8",
            "noStopClause": True,
            "senderForResponse": False,
        }
        if config["sender"]:
            payload["sender"] = config["sender"]
        body = json.dumps(payload)
        timestamp = str(int(time.time()))
        signed = "+".join(
            [
                config["application_secret"],
                config["consumer_key"],
                "POST",
                url,
                body,
                timestamp,
            ]
        )
        headers = {
            "Content-Type": "application/json",
            "X-Ovh-Application": config["application_key"],
            "X-Ovh-Consumer": config["consumer_key"],
            "X-Ovh-Timestamp": timestamp,
            # SHA-1 is what OVH's signature scheme ($1$) prescribes.
            "X-Ovh-Signature": "$1$" + hashlib.sha1(signed.encode()).hexdigest(),
        }
        response = requests.post(
            url, data=body.encode(), headers=headers, timeout=OVH_TIMEOUT
        )
        try:
            report = response.json()
        except ValueError:
            report = {}
        if not isinstance(report, dict):
            report = {}
        if response.status_code >= 400:
            _logger.info(
                "CalenDoc SMS %s refused by the OVH SMS API: HTTP %s %s",
                self.id,
                response.status_code,
                str(report.get("message") or "")[:200],
            )
            return "error", "sms_server", False
        if self.number in (report.get("invalidReceivers") or []):
            _logger.info(
                "CalenDoc SMS %s: OVH refused the receiver as invalid", self.id
            )
            return "error", "sms_number_format", False
        if report.get("validReceivers") or report.get("ids"):
            reference = ",".join(str(job) for job in report.get("ids") or [])
            _logger.info(
                "CalenDoc SMS %s sent through the OVH SMS API (job %s)",
                self.id,
                reference or "?",
            )
            return "pending", False, reference or False
        _logger.info("CalenDoc SMS %s: unexpected answer from the OVH SMS API", self.id)
        return "error", "sms_server", False
