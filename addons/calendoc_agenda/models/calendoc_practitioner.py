from odoo import api, fields, models


class CalendocPractitioner(models.Model):
    _name = "calendoc.practitioner"
    _description = "Practitioner"
    _inherits = {"resource.resource": "resource_id"}
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    resource_id = fields.Many2one(
        "resource.resource", required=True, ondelete="restrict", auto_join=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        ondelete="restrict",
        index=True,
        help="The practitioner as a contact: attendee of his appointments, and the "
        "owner of his private events, which block his agenda.",
    )
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        required=True,
        index=True,
        ondelete="restrict",
        domain=[("is_calendoc_client", "=", True)],
        tracking=True,
    )
    specialty = fields.Char(translate=True)
    color = fields.Integer(string="Agenda colour")
    schedule_ids = fields.One2many(
        "calendoc.schedule", "practitioner_id", string="Schedules"
    )
    practice_ids = fields.Many2many(
        "calendoc.practice",
        "calendoc_practice_practitioner_rel",
        "practitioner_id",
        "practice_id",
        string="Practices",
        compute="_compute_practice_ids",
        store=True,
    )
    appointment_type_ids = fields.Many2many(
        "calendoc.appointment.type",
        "calendoc_appointment_type_practitioner_rel",
        "practitioner_id",
        "type_id",
        string="Appointment types",
    )
    see_colleagues = fields.Boolean(
        string="Sees colleagues' agendas",
        help="The practitioner may read the agendas of the other practitioners of "
        "his practices.",
    )

    @api.depends("schedule_ids.practice_id")
    def _compute_practice_ids(self):
        for practitioner in self:
            practitioner.practice_ids = practitioner.schedule_ids.practice_id

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("partner_id") and vals.get("name"):
                vals["partner_id"] = (
                    self.env["res.partner"]
                    .create({"name": vals["name"], "type": "contact"})
                    .id
                )
            # The practice's schedules carry the hours: the resource itself has
            # none, so that the company calendar never leaks into slots.
            vals.setdefault("calendar_id", False)
        return super().create(vals_list)

    def action_view_leaves(self):
        """Absences of this practitioner (time off of his resource)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Absences of %(name)s", name=self.name),
            "res_model": "resource.calendar.leaves",
            "view_mode": "list,form",
            "domain": [("resource_id", "=", self.resource_id.id)],
            "context": {
                "default_resource_id": self.resource_id.id,
                "default_name": self.env._("Absence"),
            },
        }

    def action_view_agenda(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendoc_agenda.calendoc_appointment_action"
        )
        action["context"] = {
            "default_calendoc_practitioner_id": self.id,
            "search_default_calendoc_practitioner_id": self.id,
        }
        return action
