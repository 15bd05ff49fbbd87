from odoo import fields, models


class CalendocPractice(models.Model):
    _inherit = "calendoc.practice"

    google_title = fields.Selection(
        [
            ("practice", "Appointment — practice"),
            ("busy", "Appointment"),
            ("requester", "Appointment — requester's name"),
        ],
        string="Title in Google Calendar",
        default="practice",
        required=True,
        help="What the practitioners' Google Calendar shows of an appointment. "
        "The appointment type, the remarks and any health data never leave "
        "CalenDoc; the requester's name only if chosen here.",
    )
