import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.calendoc_agenda.tools.tz import timezone

DAYS = [
    ("all", "Every day"),
    ("weekdays", "Monday to Friday"),
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class CalendocDuty(models.Model):
    """One line of the duty roster: a secretary answers the calls of these
    practices on these days, between these hours (the firm's time zone)."""

    _name = "calendoc.duty"
    _description = "Duty roster line"
    _order = "user_id, days, hour_from"

    user_id = fields.Many2one(
        "res.users",
        string="Secretary",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("share", "=", False)],
    )
    practice_ids = fields.Many2many(
        "calendoc.practice",
        string="Practices",
        required=True,
        help="The practices whose calls ring on her phone.",
    )
    days = fields.Selection(DAYS, required=True, default="weekdays")
    overflow = fields.Boolean(
        help="Her phone rings only when nobody else has answered after the "
        "overflow delay (queue); otherwise it rings at once with the others "
        "(ring group).",
    )
    hour_from = fields.Float(
        string="From",
        required=True,
        default=lambda self: self.env.company.calendoc_service_hour_from,
    )
    hour_to = fields.Float(
        string="To",
        required=True,
        default=lambda self: self.env.company.calendoc_service_hour_to,
    )
    active = fields.Boolean(default=True)

    @api.constrains("hour_from", "hour_to")
    def _check_hours(self):
        for duty in self:
            if not 0 <= duty.hour_from < duty.hour_to <= 24:
                raise ValidationError(
                    self.env._(
                        "A duty starts before it ends, within the day (%(user)s).",
                        user=duty.user_id.name,
                    )
                )

    @api.model
    def _on_duty_users(self, practice, when=None):
        """Users on duty now (or at ``when``, naive UTC) for ``practice``."""
        return self._on_duty(practice, when).user_id.filtered("active")

    @api.model
    def _on_duty(self, practice, when=None):
        """Duty lines in force now (or at ``when``, naive UTC) for ``practice``."""
        company = self.env.company
        # only the time zone, not every column of the company and its partner
        company.fetch(["partner_id"])
        company.partner_id.fetch(["tz"])
        tz = timezone(company.partner_id.tz)
        local = pytz.utc.localize(when or fields.Datetime.now()).astimezone(tz)
        weekday = local.weekday()
        hour = local.hour + local.minute / 60
        days = ["all", str(weekday)] + (["weekdays"] if weekday < 5 else [])
        return self.search_fetch(
            [
                ("practice_ids", "in", practice.ids),
                ("days", "in", days),
                ("hour_from", "<=", hour),
                ("hour_to", ">", hour),
            ],
            # what routing reads, in the same query; no join on the users for
            # the roster's order: routing needs none
            ["user_id", "overflow"],
            order="id",
        )
