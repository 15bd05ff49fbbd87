from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    calendoc_sms_foreign_credits = fields.Integer(
        string="Credits per SMS segment abroad (default)",
        default=3,
        help="For destination countries without a tariff of their own.",
    )
