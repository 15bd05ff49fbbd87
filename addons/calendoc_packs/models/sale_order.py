from odoo import models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_cancel(self):
        # Terms, article 8: no cancellation once a pack order is validated.
        granted = (
            self.env["calendoc.pack"]
            .sudo()
            .search(
                [("invoice_line_id.sale_line_ids.order_id", "in", self.ids)], limit=1
            )
        )
        if granted:
            raise UserError(
                self.env._(
                    "%(order)s paid for a pack whose credits are granted: it cannot be "
                    "cancelled (terms, article 8).",
                    order=granted.invoice_line_id.sale_line_ids.order_id[:1].name,
                )
            )
        return super()._action_cancel()
