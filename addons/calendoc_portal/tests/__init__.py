from . import (
    test_manage_link,
    test_online_booking,
    test_portal,
    test_requester_messages,
    test_two_factor,
    test_ui,
)
