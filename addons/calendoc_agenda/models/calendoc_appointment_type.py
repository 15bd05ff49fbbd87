from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.params import InvalidInput, parse_datetime, parse_id


class CalendocAppointmentType(models.Model):
    _name = "calendoc.appointment.type"
    _description = "Appointment type"
    _order = "practice_id, sequence, name"
    _calendoc_account_link = "account_id"
    _calendoc_rule_fields = ("practice_id",)

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    practice_id = fields.Many2one(
        "calendoc.practice", required=True, ondelete="cascade", index=True
    )
    account_id = fields.Many2one(
        related="practice_id.account_id", store=True, index=True
    )
    company_id = fields.Many2one(related="practice_id.company_id", store=True)
    practitioner_ids = fields.Many2many(
        "calendoc.practitioner",
        "calendoc_appointment_type_practitioner_rel",
        "type_id",
        "practitioner_id",
        string="Practitioners",
    )
    duration_minutes = fields.Integer(
        string="Duration (min)", required=True, default=20
    )
    buffer_before_minutes = fields.Integer(string="Buffer before (min)")
    buffer_after_minutes = fields.Integer(string="Buffer after (min)")
    slot_step_minutes = fields.Integer(
        string="Slot every (min)",
        help="Offer a slot every N minutes; empty means every 'duration'.",
    )
    online_bookable = fields.Boolean(string="Bookable online")
    min_notice_hours = fields.Integer(
        string="Minimum notice (h)",
        default=2,
        help="No slot is offered closer to now than this.",
    )
    max_horizon_days = fields.Integer(
        string="Horizon (days)", default=90, help="No slot is offered further ahead."
    )
    cancel_notice_hours = fields.Integer(
        string="Cancellation notice (h)",
        default=24,
        help="Patients may cancel or move online until this many hours before.",
    )
    patient_instructions = fields.Text(
        string="Instructions to the patient", translate=True
    )
    sms_reminder = fields.Boolean(string="SMS reminders", default=True)
    capacity = fields.Integer(default=1)
    color = fields.Integer()

    @api.constrains(
        "duration_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "slot_step_minutes",
        "min_notice_hours",
        "max_horizon_days",
        "cancel_notice_hours",
        "capacity",
    )
    def _check_durations(self):
        for apt_type in self:
            if apt_type.duration_minutes <= 0 or apt_type.duration_minutes > 24 * 60:
                raise ValidationError(
                    self.env._(
                        "The duration of %(type)s must be between 1 minute and "
                        "24 hours.",
                        type=apt_type.name,
                    )
                )
            if (
                min(
                    apt_type.buffer_before_minutes,
                    apt_type.buffer_after_minutes,
                    apt_type.slot_step_minutes,
                    apt_type.min_notice_hours,
                    apt_type.cancel_notice_hours,
                )
                < 0
                or apt_type.max_horizon_days <= 0
                or apt_type.capacity < 1
            ):
                raise ValidationError(
                    self.env._(
                        "Buffers, notice and horizon of %(type)s cannot be negative, "
                        "and the horizon and capacity must be at least 1.",
                        type=apt_type.name,
                    )
                )

    @api.constrains("practitioner_ids", "practice_id")
    def _check_practitioners_consult_there(self):
        for apt_type in self:
            strangers = (
                apt_type.practitioner_ids - apt_type.practice_id.practitioner_ids
            )
            if strangers:
                raise ValidationError(
                    self.env._(
                        "%(names)s do not consult at %(practice)s: give them a "
                        "schedule there first.",
                        names=", ".join(strangers.mapped("name")),
                        practice=apt_type.practice_id.name,
                    )
                )

    def find_free_slots(self, date_from, date_to, practitioners=None, online=False):
        """Free slots of this type between two UTC datetimes, see
        ``calendoc.slot.engine._find_slots``. Over JSON-RPC the datetimes come
        as text ("YYYY-MM-DD HH:MM:SS", naive UTC) and the practitioners as a
        list of ids."""
        self.ensure_one()
        date_from, date_to = parse_datetime(date_from), parse_datetime(date_to)
        if not (date_from and date_to):
            raise InvalidInput(
                self.env._(
                    "Give the period of the slots as two dates and times "
                    "(YYYY-MM-DD HH:MM:SS, UTC)."
                )
            )
        if practitioners is not None and not isinstance(
            practitioners, models.BaseModel
        ):
            if not isinstance(practitioners, list) or any(
                parse_id(practitioner) is None for practitioner in practitioners
            ):
                raise InvalidInput(self.env._("Name the practitioners by their ids."))
            practitioners = self.env["calendoc.practitioner"].browse(practitioners)
        return self.env["calendoc.slot.engine"]._find_slots(
            self, date_from, date_to, practitioners=practitioners, online=online
        )
