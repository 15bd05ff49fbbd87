from odoo import fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    calendoc_terms_version_id = fields.Many2one(
        "calendoc.terms.version",
        string="Terms of service",
        copy=False,
        readonly=True,
        help="The CalenDoc terms in force for the client when the order was confirmed.",
    )

    def _action_confirm(self):
        Terms = self.env[
            "calendoc.terms.version"
        ].sudo()  # sudo: terms are public to clients
        for order in self:
            order.calendoc_terms_version_id = Terms._in_force_for(
                order.partner_id.commercial_partner_id
            )
        return super()._action_confirm()

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
