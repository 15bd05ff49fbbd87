from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.calendoc_agenda.models.res_partner import OFFERS


class CalendocOffer(models.Model):
    """An offer of the terms of service (article 9): how long its packs last and
    what happens when they run out."""

    _name = "calendoc.offer"
    _description = "Offer"
    _order = "sequence"
    _rec_name = "name"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(OFFERS, required=True)
    sequence = fields.Integer(default=10)
    validity_months = fields.Integer(string="Validity (months)", required=True)
    expiry_behaviour = fields.Selection(
        [
            ("free_standard", "Service goes on for free within the Standard limits"),
            ("stop_calls", "Service goes on without incoming or outgoing calls"),
        ],
        required=True,
    )
    free_monthly_appointments = fields.Integer(
        string="Free appointments per month",
        help="Standard offer: appointments a client without a valid pack may still "
        "create each month.",
    )
    alert_threshold_percent = fields.Integer(
        string="Low-credit alert (%)",
        default=10,
        help="Warn the client when the credits left fall to this share of the "
        "pack's credits.",
    )
    expiry_alert_days = fields.Integer(
        string="Expiry alert (days)",
        default=7,
        help="Warn the client this many days before the pack expires.",
    )

    _sql_constraints = [("code_uniq", "unique (code)", "One offer per code.")]

    @api.constrains("validity_months", "alert_threshold_percent", "expiry_alert_days")
    def _check_offer_numbers(self):
        for offer in self:
            if (
                offer.validity_months <= 0
                or not 0 <= offer.alert_threshold_percent <= 100
            ):
                raise ValidationError(
                    self.env._(
                        "The offer %(offer)s needs a validity of at least one month "
                        "and an alert threshold between 0 and 100%%.",
                        offer=offer.name,
                    )
                )

    @api.model
    def _for_code(self, code, fetch=None):
        """The offer of ``code``; ``fetch``: fields read in the same query."""
        # sudo: offers are the firm's configuration, read by every booking path
        return self.sudo().search_fetch([("code", "=", code)], fetch or [], limit=1)
