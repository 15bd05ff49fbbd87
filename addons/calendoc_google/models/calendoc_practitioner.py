from odoo import fields, models


class CalendocPractitioner(models.Model):
    _inherit = "calendoc.practitioner"

    google_connection_ids = fields.One2many(
        "calendoc.google.connection",
        "practitioner_id",
        string="Google Calendar connection",
        groups="calendoc_agenda.group_calendoc_manager",
    )
    google_state = fields.Selection(
        related="google_connection_ids.state",
        string="Google Calendar",
        groups="calendoc_agenda.group_calendoc_manager",
    )

    def action_google_connection(self):
        """Open (and make, the first time) this practitioner's Google Calendar
        connection."""
        self.ensure_one()
        connection = self.google_connection_ids[:1] or self.env[
            "calendoc.google.connection"
        ].create({"practitioner_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Google Calendar"),
            "res_model": "calendoc.google.connection",
            "res_id": connection.id,
            "view_mode": "form",
        }
