from odoo import fields, models

from ..tools.sms_gateway import PARAM_PREFIX
from ..tools.sms_ovh import OvhSmsApi
from .sms_sms import PROVIDERS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    calendoc_service_hour_from = fields.Float(
        related="company_id.calendoc_service_hour_from", readonly=False
    )
    calendoc_service_hour_to = fields.Float(
        related="company_id.calendoc_service_hour_to", readonly=False
    )
    calendoc_same_day_reminder = fields.Selection(
        related="company_id.calendoc_same_day_reminder", readonly=False
    )
    # The SMS gateway is one per database; its credentials are system parameters,
    # readable by system administrators only.
    calendoc_sms_provider = fields.Selection(
        PROVIDERS,
        string="SMS provider",
        default="iap",
        config_parameter=f"{PARAM_PREFIX}sms_provider",
        groups="base.group_system",
        help="Who sends the confirmations and reminders: Odoo's IAP service "
        "(prepaid Odoo SMS credits) or the OVH SMS API with your own account.",
    )
    calendoc_ovh_endpoint = fields.Char(
        string="OVH API endpoint",
        default=OvhSmsApi.DEFAULT_ENDPOINT,
        config_parameter=f"{PARAM_PREFIX}ovh_endpoint",
        groups="base.group_system",
    )
    calendoc_ovh_application_key = fields.Char(
        string="OVH application key",
        config_parameter=f"{PARAM_PREFIX}ovh_application_key",
        groups="base.group_system",
    )
    calendoc_ovh_application_secret = fields.Char(
        string="OVH application secret",
        config_parameter=f"{PARAM_PREFIX}ovh_application_secret",
        groups="base.group_system",
    )
    calendoc_ovh_consumer_key = fields.Char(
        string="OVH consumer key",
        config_parameter=f"{PARAM_PREFIX}ovh_consumer_key",
        groups="base.group_system",
    )
    calendoc_ovh_service_name = fields.Char(
        string="OVH SMS account",
        config_parameter=f"{PARAM_PREFIX}ovh_service_name",
        groups="base.group_system",
        help="The SMS service name, as sms-ab12345-1.",
    )
    calendoc_ovh_sender = fields.Char(
        string="SMS sender",
        config_parameter=f"{PARAM_PREFIX}ovh_sender",
        groups="base.group_system",
        help="Sender name registered with OVH (11 letters at most), e.g. the "
        "name of the secretariat.",
    )
