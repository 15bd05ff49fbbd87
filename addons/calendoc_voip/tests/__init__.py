from . import (
    test_call_log,
    test_event_api,
    test_access,
    test_click_to_call,
    test_statistics,
    test_lookup_plan,
    test_sip_bridge,
    test_popup_tour,
    test_personal_data,
    test_ari_bridge,
    test_pbx_access,
    test_bus_wake_up,
    test_signing,
    test_popup_times,
    test_firm_setup,
)
from . import test_kamailio
