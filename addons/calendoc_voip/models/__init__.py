from . import (
    bus_bus,
    calendoc_sip_endpoint,
    calendoc_duty,
    calendoc_call,
    calendoc_call_event,
    calendoc_voip_nonce,
    calendoc_pbx,
    calendar_event,
    res_partner,
    res_config_settings,
)
