from odoo import fields, models


class CalendocRequesterCategory(models.Model):
    _name = "calendoc.requester.category"
    _description = "Requester category"
    _order = "sequence, name"
    _calendoc_account_link = "account_id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("is_calendoc_client", "=", True)],
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)
