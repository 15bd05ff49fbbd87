from . import (
    calendar_event,
    calendoc_portal_throttle,
    calendoc_practice,
    calendoc_practitioner,
    calendoc_requester_thread,
    res_partner,
    res_users,
)
