from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        """A paid invoice of a pack grants its credits (card and PayPal through
        the payment providers, or a bank transfer reconciled in accounting)."""
        result = super()._invoice_paid_hook()
        Pack = self.env[
            "calendoc.pack"
        ].sudo()  # sudo: granting follows payment, whoever reconciles
        for invoice in self.filtered(lambda move: move.move_type == "out_invoice"):
            lines = invoice.invoice_line_ids.filtered(
                lambda line: line.product_id.product_tmpl_id.is_calendoc_pack
            )
            granted = Pack.search(
                [("invoice_line_id", "in", lines.ids)]
            ).invoice_line_id
            for line in lines - granted:
                Pack._grant_from_invoice_line(line)
        return result
