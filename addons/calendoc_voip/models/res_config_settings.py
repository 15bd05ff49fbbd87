from odoo import fields, models

PARAM_SECRET = "calendoc_voip.secret"
PARAM_BRIDGE_URL = "calendoc_voip.bridge_url"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # System parameters, readable by system administrators only.
    calendoc_voip_secret = fields.Char(
        string="Bridge shared secret",
        config_parameter=PARAM_SECRET,
        groups="base.group_system",
        help="Signs (HMAC-SHA256) every request between Odoo and the telephony "
        "bridge; the bridge is started with the same secret.",
    )
    calendoc_voip_bridge_url = fields.Char(
        string="Bridge URL",
        config_parameter=PARAM_BRIDGE_URL,
        groups="base.group_system",
        help="Where Odoo asks the bridge to place calls, as http://127.0.0.1:5080.",
    )
