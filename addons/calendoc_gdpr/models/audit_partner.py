"""The audit trail's hooks on requesters: opening a file (the form's
``web_read``), changing it, exporting and erasing it. The export and erasure
entry points are wrapped (``super()``), never redefined."""

from odoo import api, models

NO_AUDIT = "calendoc_gdpr_no_audit"
SAVED = "calendoc_gdpr_saved"


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    @api.readonly
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        # a list shows many files: its rows are not "opened"
        return super(ResPartner, self.with_context(**{NO_AUDIT: True})).web_search_read(
            domain,
            specification,
            offset=offset,
            limit=limit,
            order=order,
            count_limit=count_limit,
        )

    # not @api.readonly: opening a requester's file writes its audit row
    def web_read(self, specification):
        result = super().web_read(specification)
        context = self.env.context
        if len(self) == 1 and not context.get(NO_AUDIT) and not context.get(SAVED):
            self.env["calendoc.gdpr.audit"]._calendoc_log("read", self)
        return result

    # the web client's call_kw takes the first _readonly flag of the MRO: ours
    # asks for a read/write cursor (else Odoo fails, then retries the call)
    web_read._readonly = False

    def web_save(self, vals, specification, next_id=None):
        # the form reads the record again after its save: not a new opening
        # (the change is logged by write); "save and next" opens the next one
        if next_id:
            return super().web_save(vals, specification, next_id=next_id)
        return super(ResPartner, self.with_context(**{SAVED: True})).web_save(
            vals, specification
        )

    def write(self, vals):
        result = super().write(vals)
        if vals and not self.env.context.get(NO_AUDIT):
            self.env["calendoc.gdpr.audit"]._calendoc_log("write", self, vals)
        return result

    def action_calendoc_gdpr_export(self):
        result = super().action_calendoc_gdpr_export()
        self.env["calendoc.gdpr.audit"]._calendoc_log("export", self)
        return result

    def _calendoc_gdpr_erase(self, request=None, cancel_future=False):
        requesters = self.filtered("is_calendoc_requester")
        accounts = {r.id: r.sudo().calendoc_account_id.id for r in requesters}
        result = super()._calendoc_gdpr_erase(
            request=request, cancel_future=cancel_future
        )
        # after the erasure: the requester may be gone, his number stays
        # sudo: nobody holds the right to write the trail, the system does
        self.env["calendoc.gdpr.audit"].sudo().create(
            [
                {
                    "user_id": self.env.uid,
                    "action": "erase",
                    "requester_id": requester.id if requester.exists() else False,
                    "requester_ref": requester.id,
                    "account_id": accounts[requester.id],
                }
                for requester in requesters
            ]
        )
        return result
