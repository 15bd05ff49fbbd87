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
    calendoc_google_service_account_key = fields.Char(
        string="Google service account key",
        config_parameter="calendoc_google.service_account_key",
        help="The JSON key of a Google Workspace service account with domain-wide "
        "delegation of the Calendar scope.",
    )
