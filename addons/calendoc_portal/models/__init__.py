from . import calendar_event, calendoc_portal_throttle, calendoc_practice, res_partner
