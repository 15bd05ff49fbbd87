from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.calendoc_agenda.models.res_partner import OFFERS

# Validity of a pack by offer, in months (terms of service, article 9).
DEFAULT_VALIDITY = {"standard": 2, "avantage": 3, "premium": 6}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    is_calendoc_pack = fields.Boolean(string="CalenDoc pack")
    calendoc_offer = fields.Selection(OFFERS, string="Offer")
    calendoc_validity_months = fields.Integer(
        string="Validity (months)",
        compute="_compute_calendoc_validity_months",
        store=True,
        readonly=False,
    )
    calendoc_credit_ids = fields.One2many(
        "calendoc.product.credit",
        "product_tmpl_id",
        string="Credits",
        copy=True,
        help="The credits of each kind the pack gives.",
    )

    @api.depends("calendoc_offer")
    def _compute_calendoc_validity_months(self):
        for template in self:
            template.calendoc_validity_months = DEFAULT_VALIDITY.get(
                template.calendoc_offer, template.calendoc_validity_months
            )

    @api.constrains(
        "is_calendoc_pack",
        "calendoc_offer",
        "calendoc_validity_months",
        "calendoc_credit_ids",
    )
    def _check_calendoc_pack(self):
        for template in self.filtered("is_calendoc_pack"):
            credits = template.calendoc_credit_ids.mapped("credits")
            if not credits or min(credits) <= 0:
                raise ValidationError(
                    self.env._(
                        "The pack %(pack)s must give a positive number of credits.",
                        pack=template.name,
                    )
                )
            if not template.calendoc_offer or template.calendoc_validity_months <= 0:
                raise ValidationError(
                    self.env._(
                        "The pack %(pack)s needs an offer and a validity of at least "
                        "one month.",
                        pack=template.name,
                    )
                )

    def _calendoc_credits(self, quantity=1):
        """The credits this pack gives per kind code, ``quantity`` times, in the
        kinds' order."""
        self.ensure_one()
        return {
            line.kind_id.code: line.credits * quantity
            for line in self.calendoc_credit_ids
        }
