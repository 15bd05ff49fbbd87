from odoo import fields, models


class CalendocSchedule(models.Model):
    _name = "calendoc.schedule"
    _description = "Consultation schedule"
    _order = "practitioner_id, practice_id"
    _calendoc_account_link = "account_id"
    _calendoc_rule_fields = ("practice_id", "practitioner_id")

    practitioner_id = fields.Many2one(
        "calendoc.practitioner", required=True, ondelete="cascade", index=True
    )
    practice_id = fields.Many2one(
        "calendoc.practice", required=True, ondelete="cascade", index=True
    )
    account_id = fields.Many2one(
        related="practice_id.account_id", store=True, index=True
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Weekly hours",
        required=True,
        help="When the practitioner consults at this practice, in the practice's "
        "time zone. Breaks are the gaps between the lines.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "practitioner_practice_uniq",
            "unique (practitioner_id, practice_id)",
            "A practitioner has one schedule per practice.",
        ),
    ]
