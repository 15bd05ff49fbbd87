from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .calendoc_delegation import compute_access_scopes, scope_of


class CalendocPractitioner(models.Model):
    _name = "calendoc.practitioner"
    _description = "Practitioner"
    _inherits = {"resource.resource": "resource_id"}
    _inherit = ["mail.thread"]
    _order = "name"
    _calendoc_account_link = "account_id"
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

    calendoc_access_scope = fields.Char(
        compute="_compute_calendoc_access_scope",
        search="_search_calendoc_access_scope",
        help="Technical: agendas the current user may reach for a scope, now.",
    )

    @api.depends_context("uid")
    def _compute_calendoc_access_scope(self):
        compute_access_scopes(self)

    def _search_calendoc_access_scope(self, operator, value):
        """Practitioners whose agenda the current user may reach for the scope
        ``value`` ('agenda_read' or 'agenda_write'): those of the accounts she
        serves or that delegated to her, her own agenda, the agendas lent to her
        by their holders and, to read, her colleagues' when she may see them."""
        value = scope_of(operator, value)
        if not value:
            raise UserError(self.env._("Unsupported search on agenda access."))
        user = self.env.user
        if user.calendoc_sees_all_accounts and (
            value != "agenda_write" or user.calendoc_changes_all_accounts
        ):
            # managers reach everything; auditors read everything
            return [(1, "=", 1)]
        Delegation = self.env["calendoc.delegation"]
        if value == "config":
            return [("account_id.calendoc_access_scope", "like", ",config,")]
        if value not in ("agenda_read", "agenda_write"):
            return [("account_id", "in", Delegation._accessible_accounts_sql(value))]
        domain = [
            "|",
            "|",
            ("account_id", "in", Delegation._accessible_accounts_sql(value)),
            ("user_id", "=", user.id),
            ("user_id", "in", Delegation._delegated_practitioner_users_sql(value)),
        ]
        if value == "agenda_read":
            colleagues = SQL(
                """(
                SELECT other.practitioner_id
                  FROM calendoc_schedule mine
                  JOIN calendoc_practitioner me ON me.id = mine.practitioner_id
                  JOIN resource_resource r ON r.id = me.resource_id
                  JOIN calendoc_schedule other ON other.practice_id = mine.practice_id
                 WHERE r.user_id = %s AND me.see_colleagues
                )""",
                user.id,
            )
            domain = ["|", ("id", "in", colleagues)] + domain
        return domain

    @api.depends("schedule_ids.practice_id")
    def _compute_practice_ids(self):
        for practitioner in self:
            practitioner.practice_ids = practitioner.schedule_ids.practice_id

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("partner_id") and vals.get("name"):
                # a contact of his client account: the account's data, which
                # only those who serve the account reach
                vals["partner_id"] = (
                    self.env["res.partner"]
                    .create(
                        {
                            "name": vals["name"],
                            "type": "contact",
                            "parent_id": vals.get("account_id"),
                        }
                    )
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
