from odoo import fields, models
from odoo.exceptions import UserError


class CalendocGdprRetentionWizard(models.TransientModel):
    """The manager's retention purge by hand: a dry run first, that lists the
    counts per store, then the purge itself."""

    _name = "calendoc.gdpr.retention.wizard"
    _description = "Retention purge"

    dry_run_id = fields.Many2one("calendoc.gdpr.retention.run", readonly=True)
    summary = fields.Text(related="dry_run_id.summary")

    def action_dry_run(self):
        self.ensure_one()
        self.dry_run_id = self.env["calendoc.gdpr.retention.run"]._calendoc_run(
            dry_run=True
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Retention purge"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_purge(self):
        self.ensure_one()
        if not self.dry_run_id:
            raise UserError(self.env._("Run the dry run first: it lists what goes."))
        run = self.env["calendoc.gdpr.retention.run"]._calendoc_run(dry_run=False)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Retention run"),
            "res_model": run._name,
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
