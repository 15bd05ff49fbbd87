"""Audit trail (issue 20, point 9): who opened, changed, exported or erased a
requester's file. Rows are written by the system (sudo) from the entry points
and never changed: no access right allows a write or an unlink, and the model
refuses them to anybody but the superuser (the retention purge)."""

import csv
import io
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER = "calendoc_agenda.group_calendoc_manager"
# days an audit row is kept when the manager set no period (CNIL: traces of
# access to health data kept long enough to investigate, not for ever)
AUDIT_RETENTION_DAYS = 365
CSV_COLUMNS = ("date", "user", "action", "requester", "account", "fields")


class CalendocGdprAudit(models.Model):
    _name = "calendoc.gdpr.audit"
    _description = "Audit trail of requesters' files"
    _order = "id desc"
    _calendoc_account_link = "account_id"
    _calendoc_retention = "audit"
    _calendoc_personal_fields = (
        "requester_id",
        "action",
        "create_date",
        "changed_fields",
    )
    _calendoc_requester_link = "requester_id"
    _calendoc_erasure = "keep"
    _calendoc_erasure_reason = (
        "Accountability: the trail of who processed the file is the processor's "
        "proof of its security measures (GDPR articles 5(2) and 32); it holds "
        "no data of the person but his record's number."
    )

    user_id = fields.Many2one(
        "res.users", string="User", required=True, readonly=True, index=True
    )
    action = fields.Selection(
        [
            ("read", "Opened"),
            ("write", "Changed"),
            ("export", "Exported"),
            ("erase", "Erased"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    requester_id = fields.Many2one(
        "res.partner",
        string="Requester",
        readonly=True,
        index=True,
        ondelete="set null",
    )
    requester_ref = fields.Integer(
        string="Requester number",
        readonly=True,
        index=True,
        help="The requester's record number, kept after his erasure.",
    )
    account_id = fields.Many2one(
        "res.partner", string="Client account", readonly=True, index=True
    )
    changed_fields = fields.Char(
        string="Fields", readonly=True, help="The fields changed (technical names)."
    )

    # --- append-only -------------------------------------------------------------
    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("The audit trail cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            raise AccessError(self.env._("The audit trail cannot be deleted."))
        return super().unlink()

    @api.model
    def _calendoc_log(self, action, requesters, changed=None):
        """One row per requester of ``requesters`` for ``action`` by the
        current user (even under sudo: the user who acted)."""
        requesters = requesters.filtered("is_calendoc_requester")
        if not requesters:
            return self.browse()
        # sudo: nobody holds the right to write the trail, the system does
        return self.sudo().create(
            [
                {
                    "user_id": self.env.uid,
                    "action": action,
                    "requester_id": requester.id,
                    "requester_ref": requester.id,
                    "account_id": requester.sudo().calendoc_account_id.id,
                    "changed_fields": ", ".join(sorted(changed)) if changed else False,
                }
                for requester in requesters
            ]
        )

    # --- CSV export for an audit -------------------------------------------------
    def _calendoc_audit_csv(self):
        """These rows as CSV (UTF-8, comma separated, header first)."""
        self.check_access("read")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        actions = dict(self._fields["action"]._description_selection(self.env))
        for row in self:
            writer.writerow(
                (
                    fields.Datetime.to_string(row.create_date),
                    row.user_id.login,
                    actions[row.action],
                    row.requester_ref or "",
                    row.account_id.display_name or "",
                    row.changed_fields or "",
                )
            )
        return out.getvalue().encode()

    def action_calendoc_audit_export_csv(self):
        """Download the selected rows as CSV (secretariat managers)."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager exports the trail.")
            )
        if not self:
            raise UserError(self.env._("Select the audit rows to export."))
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"audit-{fields.Date.today()}.csv",
                "mimetype": "text/csv",
                "raw": self._calendoc_audit_csv(),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # --- retention -----------------------------------------------------------------
    @api.model
    def _calendoc_audit_retention_days(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("calendoc_gdpr.audit_retention_days")
        )
        try:
            days = int(value)
        except (TypeError, ValueError):
            return AUDIT_RETENTION_DAYS
        return days if days > 0 else AUDIT_RETENTION_DAYS

    @api.model
    def _cron_calendoc_audit_purge(self):
        """Delete the rows older than the audit's retention period; their
        number."""
        limit = fields.Datetime.now() - timedelta(
            days=self._calendoc_audit_retention_days()
        )
        # sudo: the trail is append-only for everybody but the system
        old = self.sudo().search([("create_date", "<", limit)])
        count = len(old)
        old.unlink()
        return count
