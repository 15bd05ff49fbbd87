"""The credit ledger as a store of requesters' data (ARCHITECTURE invariant
4): a charge for an appointment or an SMS names it (``origin_id``), so the
row leads to the requester. On erasure the row stays with its amount, date
and text (the statement line the accounting law keeps: no health data, see
``calendoc.wallet._charge_description``) and loses only that link."""

from odoo import api, models
from odoo.osv import expression


class CalendocCreditMove(models.Model):
    _inherit = "calendoc.credit.move"

    _calendoc_personal_fields = ("origin_id",)
    _calendoc_erasure = "anonymise"
    _calendoc_erasure_reason = (
        "Accounting records and their supporting documents are kept ten years "
        "(Code de commerce, article L123-22): the row keeps its amount and date, "
        "and loses the link to the requester's appointment or SMS."
    )
    # kept ten years under the accounting law: no GDPR retention category
    _calendoc_retention = None

    def _calendoc_gdpr_anonymising(self, vals):
        """Whether this write is an erasure's anonymisation: the one change the
        append-only ledger takes, by the superuser, of the declared fields
        only."""
        return bool(
            self.env.su
            and self.env.context.get("calendoc_gdpr_anonymise")
            and set(vals) <= set(self._calendoc_personal_fields)
        )

    # --- hooks (docs/extending.md) ------------------------------------------------
    @api.model
    def _calendoc_personal_records(self, requesters):
        """The charges and refunds of the requesters' appointments and SMS."""
        docs = self.env.context.get("calendoc_gdpr_documents")
        if docs is None:
            docs = {
                model: self.env[model].sudo()._calendoc_personal_records(requesters).ids
                for model in ("calendar.event", "sms.sms")
            }
        clauses = [
            [("origin_model", "=", model), ("origin_id", "in", docs[model])]
            for model in ("calendar.event", "sms.sms")
            if docs.get(model)
        ]
        if not clauses:
            return self.browse()
        return self.search(expression.OR(clauses), order="id")

    def _calendoc_erase_personal(self):
        return super(
            CalendocCreditMove, self.with_context(calendoc_gdpr_anonymise=True)
        )._calendoc_erase_personal()
