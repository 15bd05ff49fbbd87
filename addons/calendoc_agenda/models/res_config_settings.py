from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    calendoc_service_hour_from = fields.Float(
        related="company_id.calendoc_service_hour_from", readonly=False
    )
    calendoc_service_hour_to = fields.Float(
        related="company_id.calendoc_service_hour_to", readonly=False
    )
