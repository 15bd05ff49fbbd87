"""Consent (issue 20, point 8): what a requester agreed to, on which text, when,
through which channel and recorded by whom. Each consent given or withdrawn
is a new row (proof of consent, GDPR article 7(1)): rows are never changed."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

PURPOSES = [
    ("booking", "Processing of his data to manage his appointments"),
    ("terms", "Practice's terms for online booking"),
    ("sms", "SMS confirmations and reminders"),
]
CHANNELS = [("online", "Online booking"), ("phone", "Phone")]


class CalendocGdprConsent(models.Model):
    _name = "calendoc.gdpr.consent"
    _description = "Consent of a requester"
    _order = "date desc, id desc"
    _rec_name = "purpose"
    _calendoc_account_link = "account_id"
    _calendoc_requester_link = "requester_id"
    _calendoc_personal_fields = (
        "requester_id",
        "purpose",
        "accepted",
        "version",
        "text",
        "date",
        "channel",
        "recorded_by_id",
        "event_id",
    )
    _calendoc_erasure = "keep"
    _calendoc_erasure_reason = (
        "Proof of consent: the controller must be able to demonstrate that the "
        "person consented (GDPR article 7(1)); the row keeps no name once the "
        "requester is erased."
    )

    requester_id = fields.Many2one(
        "res.partner",
        string="Requester",
        index=True,
        ondelete="set null",
        readonly=True,
        domain=[("is_calendoc_requester", "=", True)],
    )
    account_id = fields.Many2one(
        "res.partner", string="Client account", index=True, readonly=True
    )
    purpose = fields.Selection(PURPOSES, required=True)
    accepted = fields.Boolean(
        default=True, help="Unticked: he refused or withdrew his consent."
    )
    version = fields.Char(
        string="Text version", help="The version of the text he agreed to."
    )
    text = fields.Text(string="Text", help="The text read or shown to him.")
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    channel = fields.Selection(CHANNELS, required=True, default="phone", readonly=True)
    recorded_by_id = fields.Many2one(
        "res.users",
        string="Recorded by",
        readonly=True,
        help="The secretary who recorded a consent given by phone.",
    )
    event_id = fields.Many2one(
        "calendar.event", string="Appointment", index=True, ondelete="set null"
    )

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self.env["res.partner"]
        for vals in vals_list:
            requester = Partner.browse(
                vals.get("requester_id") or self.env.context.get("default_requester_id")
            ).exists()
            if not requester.is_calendoc_requester:
                raise UserError(self.env._("A consent is given by a requester."))
            if not self.env.su:
                # what a secretary records is what she heard, now, by phone
                vals.update(
                    channel="phone",
                    date=fields.Datetime.now(),
                    recorded_by_id=self.env.uid,
                )
            # sudo: the requester's account, whoever records (checked by the
            # reference guard and the record rules on the row created)
            vals["account_id"] = requester.sudo().calendoc_account_id.id
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "A consent recorded cannot be changed: record a new one "
                    "(a withdrawal is a consent not accepted)."
                )
            )
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            raise AccessError(self.env._("A consent recorded cannot be deleted."))
        return super().unlink()

    def copy(self, default=None):
        if not self.env.su:
            raise UserError(
                self.env._("A consent is given by the requester: record a new one.")
            )
        return super().copy(default=default)


class ResPartner(models.Model):
    _inherit = "res.partner"

    calendoc_consent_ids = fields.One2many(
        "calendoc.gdpr.consent", "requester_id", string="Consents"
    )

    def action_calendoc_record_consent(self):
        """Record a consent the requester gives by phone."""
        self.ensure_one()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record a consent"),
            "res_model": "calendoc.gdpr.consent",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_requester_id": self.id,
                "default_purpose": "booking",
            },
        }


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    def _calendoc_after_booking(self):
        """The online booking page's boxes, stored as consents of the
        requester (the page refuses a booking without the terms accepted)."""
        result = super()._calendoc_after_booking()
        rows = []
        for event in self.filtered(lambda e: e.calendoc_source == "online"):
            requester = event.calendoc_requester_id
            env = event.with_context(lang=requester.lang or self.env.lang).env
            terms = event.calendoc_practice_id.online_terms or False
            booking_text = (
                env._(
                    "I accept the practice's terms for online booking (above) and "
                    "the processing of my data to manage this appointment."
                )
                if terms
                else env._(
                    "I accept the processing of my data to manage this appointment."
                )
            )
            values = {
                "requester_id": requester.id,
                "event_id": event.id,
                "channel": "online",
            }
            rows += [
                {
                    **values,
                    "purpose": "terms",
                    "version": str(event.calendoc_online_terms_version),
                    "text": f"{booking_text}\n\n{terms}" if terms else booking_text,
                },
                {
                    **values,
                    "purpose": "sms",
                    "accepted": bool(event.calendoc_online_sms_consent),
                    "text": env._(
                        "I agree to receive the confirmation and reminder of this "
                        "appointment by SMS (optional)."
                    ),
                },
            ]
        if rows:
            # sudo: the visitor records his own answers (the public user has
            # no rights on consents); the events were just created from them
            self.env["calendoc.gdpr.consent"].sudo().create(rows)
        return result
