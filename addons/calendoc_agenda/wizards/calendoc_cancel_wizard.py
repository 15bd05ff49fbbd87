from odoo import fields, models


class CalendocCancelWizard(models.TransientModel):
    _name = "calendoc.cancel.wizard"
    _description = "Cancel appointments"

    event_ids = fields.Many2many("calendar.event", string="Appointments", required=True)
    reason = fields.Text(required=True)

    def action_cancel(self):
        self.ensure_one()
        self.event_ids.calendoc_cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
