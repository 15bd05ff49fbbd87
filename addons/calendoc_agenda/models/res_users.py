from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    calendoc_sees_all_accounts = fields.Boolean(
        string="Sees every client account",
        compute="_compute_calendoc_sees_all_accounts",
        help="Secretariat managers see every client account; record rules read it.",
    )

    def _compute_calendoc_sees_all_accounts(self):
        for user in self:
            user.calendoc_sees_all_accounts = user.has_group(
                "calendoc_agenda.group_calendoc_manager"
            )
