from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    calendoc_service_hour_from = fields.Float(
        string="Service opens at",
        default=7.0,
        help="Hour (in the firm's time zone) at which the secretariat starts "
        "answering. Secretaries may still book outside service hours.",
    )
    calendoc_service_hour_to = fields.Float(string="Service closes at", default=21.0)
    calendoc_same_day_reminder = fields.Selection(
        [
            ("none", "No reminder"),
            ("after_booking", "Shortly after booking"),
        ],
        string="Same-day bookings",
        required=True,
        default="none",
        help="SMS reminder of an appointment booked on the day it takes place: "
        "none (the confirmation is enough), or 15 minutes after booking when that "
        "is still more than an hour before the appointment.",
    )

    @api.constrains("calendoc_service_hour_from", "calendoc_service_hour_to")
    def _check_calendoc_service_hours(self):
        for company in self:
            if not (
                0
                <= company.calendoc_service_hour_from
                < company.calendoc_service_hour_to
                <= 24
            ):
                raise ValidationError(
                    self.env._(
                        "The service hours of %(company)s must be within the day "
                        "and open before they close.",
                        company=company.name,
                    )
                )
