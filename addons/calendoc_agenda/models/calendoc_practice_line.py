from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.phone import to_e164


class CalendocPracticeLine(models.Model):
    _name = "calendoc.practice.line"
    _description = "Practice phone line"
    _order = "practice_id, number"
    _calendoc_account_link = "account_id"
    _calendoc_rule_fields = ("practice_id",)
    _rec_name = "number"

    practice_id = fields.Many2one(
        "calendoc.practice", required=True, ondelete="cascade", index=True
    )
    account_id = fields.Many2one(
        related="practice_id.account_id", store=True, index=True
    )
    company_id = fields.Many2one(related="practice_id.company_id", store=True)
    number = fields.Char(
        required=True,
        help="The number patients dial, stored in E.164 (+33...). Calls to it "
        "are routed to the secretaries of this practice.",
    )
    label = fields.Char(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "number_uniq",
            "unique (number)",
            "This number already routes to another practice.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "number" in vals:
                vals["number"] = self._normalize_number(vals["number"])
        return super().create(vals_list)

    def write(self, vals):
        if "number" in vals:
            vals["number"] = self._normalize_number(vals["number"])
        return super().write(vals)

    @api.model
    def _normalize_number(self, number):
        e164 = to_e164(number)
        if not e164:
            raise ValidationError(
                self.env._(
                    "%(number)s is not a valid phone number for a practice line.",
                    number=number,
                )
            )
        return e164
