from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round


class CalendocSyntecIndex(models.Model):
    """Monthly values of the SYNTEC index, which revises the packs' prices
    (terms, article 8: P1 = P0 x S1 / S0)."""

    _name = "calendoc.syntec.index"
    _description = "SYNTEC index value"
    _order = "date desc"
    _rec_name = "display_name"

    date = fields.Date(string="Month", required=True)
    value = fields.Float(required=True, digits=(12, 1))

    _sql_constraints = [
        ("date_uniq", "unique (date)", "One SYNTEC value per month."),
    ]

    @api.constrains("value")
    def _check_value(self):
        if any(index.value <= 0 for index in self):
            raise ValidationError(self.env._("A SYNTEC value is positive."))

    @api.depends("date", "value")
    def _compute_display_name(self):
        for index in self:
            index.display_name = (
                f"{index.date:%m/%Y} — {index.value}" if index.date else ""
            )


class CalendocPriceRevision(models.Model):
    """One annual revision: the indices used and every price it changed."""

    _name = "calendoc.price.revision"
    _description = "Price revision"
    _order = "date desc, id desc"

    date = fields.Date(required=True, default=fields.Date.context_today)
    index_old_id = fields.Many2one("calendoc.syntec.index", string="S0", required=True)
    index_new_id = fields.Many2one("calendoc.syntec.index", string="S1", required=True)
    ratio = fields.Float(digits=(12, 6), required=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    line_ids = fields.One2many("calendoc.price.revision.line", "revision_id")


class CalendocPriceRevisionLine(models.Model):
    _name = "calendoc.price.revision.line"
    _description = "Revised price"

    revision_id = fields.Many2one(
        "calendoc.price.revision", required=True, ondelete="cascade"
    )
    product_tmpl_id = fields.Many2one("product.template", required=True)
    pricelist_id = fields.Many2one(
        "product.pricelist", help="Empty: the product's sales price."
    )
    old_price = fields.Float(digits="Product Price")
    new_price = fields.Float(digits="Product Price")


class CalendocPriceRevisionWizard(models.TransientModel):
    _name = "calendoc.price.revision.wizard"
    _description = "Revise pack prices by the SYNTEC index"

    index_old_id = fields.Many2one(
        "calendoc.syntec.index",
        string="S0 (reference index)",
        default=lambda self: self._default_index_old(),
    )
    index_new_id = fields.Many2one(
        "calendoc.syntec.index",
        string="S1 (latest index)",
        default=lambda self: self.env["calendoc.syntec.index"].search([], limit=1),
    )
    pricelist_ids = fields.Many2many("product.pricelist", string="Pricelists")
    include_list_price = fields.Boolean(
        string="Sales prices of the packs", default=True
    )

    @api.model
    def _default_index_old(self):
        last = self.env["calendoc.price.revision"].search([], limit=1)
        return last.index_new_id or self.env["calendoc.syntec.index"].search(
            [], order="date asc", limit=1
        )

    @api.model
    def _revised(self, price, ratio, currency):
        """P1 = P0 x (S1 / S0), rounded to the cent (half up)."""
        return float_round(price * ratio, precision_rounding=currency.rounding)

    def action_apply(self):
        """Revise the packs' prices and record the revision."""
        self.ensure_one()
        if not self.index_old_id or not self.index_new_id:
            raise UserError(
                self.env._(
                    "Both SYNTEC values (S0 and S1) are needed to revise prices."
                )
            )
        if self.index_new_id.date <= self.index_old_id.date:
            raise ValidationError(self.env._("S1 must be a later index than S0."))
        if not self.include_list_price and not self.pricelist_ids:
            raise UserError(self.env._("Choose the prices to revise."))
        ratio = self.index_new_id.value / self.index_old_id.value
        currency = self.env.company.currency_id
        packs = self.env["product.template"].search([("is_calendoc_pack", "=", True)])
        lines = []
        if self.include_list_price:
            for pack in packs:
                new = self._revised(pack.list_price, ratio, currency)
                lines.append((pack, False, pack.list_price, new))
                pack.list_price = new
        items = self.env["product.pricelist.item"].search(
            [
                ("pricelist_id", "in", self.pricelist_ids.ids),
                ("compute_price", "=", "fixed"),
                "|",
                ("product_tmpl_id", "in", packs.ids),
                ("product_id.product_tmpl_id", "in", packs.ids),
            ]
        )
        for item in items:
            new = self._revised(item.fixed_price, ratio, item.currency_id or currency)
            lines.append(
                (
                    item.product_tmpl_id or item.product_id.product_tmpl_id,
                    item.pricelist_id,
                    item.fixed_price,
                    new,
                )
            )
            item.fixed_price = new
        revision = self.env["calendoc.price.revision"].create(
            {
                "index_old_id": self.index_old_id.id,
                "index_new_id": self.index_new_id.id,
                "ratio": ratio,
                "line_ids": [
                    fields.Command.create(
                        {
                            "product_tmpl_id": template.id,
                            "pricelist_id": pricelist.id if pricelist else False,
                            "old_price": old,
                            "new_price": new,
                        }
                    )
                    for template, pricelist, old, new in lines
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Price revision"),
            "res_model": "calendoc.price.revision",
            "res_id": revision.id,
            "view_mode": "form",
        }
