from odoo import api, fields, models

from ..models.res_config_settings import PARAM_BRIDGE_URL, PARAM_SECRET


class CalendocFirmSetup(models.TransientModel):
    _inherit = "calendoc.firm.setup"

    # System parameters, as in the Settings: system administrators only.
    calendoc_voip_bridge_url = fields.Char(
        string="Bridge URL",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_voip_bridge_url"),
        help="Where Odoo asks the bridge to place calls, as http://127.0.0.1:5080.",
    )
    calendoc_voip_secret = fields.Char(
        string="Bridge shared secret",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_voip_secret"),
        help="Signs (HMAC-SHA256) every request between Odoo and the telephony "
        "bridge; the bridge is started with the same secret.",
    )

    @api.model
    def _calendoc_system_params(self):
        return {
            **super()._calendoc_system_params(),
            "calendoc_voip_bridge_url": (PARAM_BRIDGE_URL, False),
            "calendoc_voip_secret": (PARAM_SECRET, False),
        }
