from . import (
    test_booking_refusals,
    test_manage_link,
    test_online_booking,
    test_portal,
    test_portal_methods,
    test_requester_messages,
    test_two_factor,
    test_ui,
    test_user_invite,
)
