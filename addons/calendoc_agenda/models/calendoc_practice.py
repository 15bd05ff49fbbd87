import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..tools.tz import DEFAULT_TZ, timezone


class CalendocPractice(models.Model):
    _name = "calendoc.practice"
    _description = "Practice"
    _inherit = ["mail.thread"]
    _order = "account_id, name"
    _calendoc_account_link = "account_id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        required=True,
        index=True,
        ondelete="restrict",
        domain=[("is_calendoc_client", "=", True)],
        tracking=True,
    )
    street = fields.Char()
    street2 = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    country_id = fields.Many2one(
        "res.country", default=lambda self: self.env.ref("base.fr", False)
    )
    phone = fields.Char(help="Switchboard number shown to patients.")
    email = fields.Char()
    tz = fields.Selection(
        _tz_get,
        string="Time zone",
        required=True,
        default=DEFAULT_TZ,
        help="Slots are computed and shown in this time zone.",
    )
    line_ids = fields.One2many(
        "calendoc.practice.line", "practice_id", string="Phone lines"
    )
    opening_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Opening hours",
        check_company=True,
        help="When the practice is open; online booking stays within them.",
    )
    holiday_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Public holidays",
        check_company=True,
        help="Calendar whose global time off (no resource) are this practice's "
        "public holidays: no slot is offered on them.",
    )
    schedule_ids = fields.One2many(
        "calendoc.schedule", "practice_id", string="Practitioners' schedules"
    )
    practitioner_ids = fields.Many2many(
        "calendoc.practitioner",
        string="Practitioners",
        compute="_compute_practitioner_ids",
    )
    appointment_type_ids = fields.One2many(
        "calendoc.appointment.type", "practice_id", string="Appointment types"
    )
    # What the secretary reads when she picks up the phone for this practice.
    greeting = fields.Char(
        translate=True, help="How to answer the phone for this practice."
    )
    questions_to_ask = fields.Text(
        translate=True, help="What to ask a caller before booking."
    )
    urgent_policy = fields.Text(
        string="Urgent cases",
        translate=True,
        help="What to do when a caller reports an emergency.",
    )
    instructions = fields.Html(string="Instructions for secretaries", translate=True)
    sms_enabled = fields.Boolean(
        string="Send SMS",
        default=True,
        help="Untick to send no SMS confirmation or reminder for this practice.",
    )
    sms_show_type = fields.Boolean(
        string="Appointment type in SMS",
        help="Show the appointment type in SMS texts. Off by default: an "
        "appointment type can reveal health data.",
    )
    color = fields.Integer()

    @api.depends("schedule_ids.practitioner_id")
    def _compute_practitioner_ids(self):
        for practice in self:
            practice.practitioner_ids = practice.schedule_ids.practitioner_id

    @api.model_create_multi
    def create(self, vals_list):
        self._check_tz_values(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_tz_values([vals])
        return super().write(vals)

    @api.model
    def _check_tz_values(self, vals_list):
        # A selection refuses unknown values with a bare ValueError; say it plainly.
        for vals in vals_list:
            if vals.get("tz") and vals["tz"] not in pytz.all_timezones_set:
                raise ValidationError(
                    self.env._(
                        "%(tz)s is not a known time zone (expected a name such as "
                        "%(default)s).",
                        tz=vals["tz"],
                        default=DEFAULT_TZ,
                    )
                )

    def _calendoc_tz(self):
        self.ensure_one()
        return timezone(self.tz)
