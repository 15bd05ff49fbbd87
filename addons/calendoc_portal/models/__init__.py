from . import (
    calendar_event,
    calendoc_portal_throttle,
    calendoc_practice,
    calendoc_requester_thread,
    res_partner,
)
