from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    calendoc_sms_foreign_credits = fields.Integer(
        related="company_id.calendoc_sms_foreign_credits", readonly=False
    )
