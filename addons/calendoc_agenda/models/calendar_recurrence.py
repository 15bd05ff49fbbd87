from odoo import models


class CalendarRecurrence(models.Model):
    _inherit = "calendar.recurrence"
    _calendoc_account_link = "base_event_id.calendoc_account_id"
    _calendoc_rule_fields = ("base_event_id",)
