from odoo import models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"
    _calendoc_account_link = "event_id.calendoc_account_id"
    _calendoc_rule_fields = ("event_id",)
    # The requester invited to his appointment: his name copied here
    # (invariant 4); the attendee goes with the appointment on erasure.
    _calendoc_personal_fields = ("partner_id", "common_name")
    _calendoc_requester_link = "partner_id"
    _calendoc_erasure = "delete"
    _calendoc_retention = "appointments"

    def _should_notify_attendee(self):
        # CalenDoc sends its own confirmations and reminders (SMS, email) with no
        # health data; Odoo's invitation mail would leak the appointment type.
        if self.event_id.calendoc_practitioner_id:
            return False
        return super()._should_notify_attendee()
