from odoo import api, models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        call_id = self.env.context.get("calendoc_voip_call_id")
        if call_id and events:
            call = self.env["calendoc.call"].browse(call_id).exists()
            # the secretary books from the call she answered: a write she may do
            if call and not call.appointment_id:
                call.appointment_id = events[:1]
        return events
