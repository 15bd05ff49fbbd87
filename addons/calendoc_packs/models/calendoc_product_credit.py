from odoo import api, fields, models


class CalendocProductCredit(models.Model):
    """A line of a pack for sale: so many credits of one kind. A purchased pack
    is granted its product's lines times the quantity bought."""

    _name = "calendoc.product.credit"
    _description = "Credits of a pack for sale"
    _order = "product_tmpl_id, kind_id, id"

    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Pack",
        required=True,
        index=True,
        ondelete="cascade",
    )
    kind_id = fields.Many2one(
        "calendoc.credit.kind", string="Kind", required=True, ondelete="restrict"
    )
    credits = fields.Integer(required=True)

    _sql_constraints = [
        (
            "kind_uniq",
            "unique (product_tmpl_id, kind_id)",
            "A pack lists each kind of credits once.",
        ),
        ("credits_check", "CHECK (credits > 0)", "A pack gives positive credits."),
    ]

    @api.depends("kind_id.name", "credits")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.kind_id.name}: {line.credits}"
