from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    calendoc_google_client_id = fields.Char(
        string="Google OAuth client id", config_parameter="calendoc_google.client_id"
    )
    calendoc_google_client_secret = fields.Char(
        string="Google OAuth client secret",
        config_parameter="calendoc_google.client_secret",
    )
