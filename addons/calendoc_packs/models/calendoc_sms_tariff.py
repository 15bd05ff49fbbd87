from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CalendocSmsTariff(models.Model):
    """Credits per SMS segment by destination country: an SMS outside
    metropolitan France costs more (terms, article 8)."""

    _name = "calendoc.sms.tariff"
    _description = "SMS tariff"
    _order = "country_id"
    _rec_name = "country_id"

    country_id = fields.Many2one("res.country", required=True, ondelete="cascade")
    credits_per_segment = fields.Integer(required=True, default=1)

    _sql_constraints = [
        ("country_uniq", "unique (country_id)", "One tariff per country."),
    ]

    @api.constrains("credits_per_segment")
    def _check_credits_per_segment(self):
        if any(tariff.credits_per_segment < 1 for tariff in self):
            raise ValidationError(
                self.env._("An SMS segment costs at least one credit.")
            )

    @api.model
    def _credits_per_segment(self, country_code):
        """Credits one segment to ``country_code`` costs (FR: metropolitan
        France; unknown countries: the company's default foreign tariff)."""
        if not country_code:
            return 1
        tariff = self.sudo().search(  # sudo: tariffs are prices, not personal data
            [("country_id.code", "=", country_code.upper())], limit=1
        )
        if tariff:
            return tariff.credits_per_segment
        return self.env.company.calendoc_sms_foreign_credits or 1
