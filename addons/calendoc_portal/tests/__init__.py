from . import (
    test_booking_refusals,
    test_local_times,
    test_manage_link,
    test_online_booking,
    test_online_consent,
    test_portal,
    test_portal_methods,
    test_portal_pages,
    test_requester_messages,
    test_two_factor,
    test_ui,
    test_ui_phone,
)
