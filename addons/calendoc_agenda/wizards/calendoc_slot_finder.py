from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.local_time import (
    format_day,
    format_local_time,
    local_tz,
    to_local,
    upper_first,
)


class CalendocSlotFinder(models.TransientModel):
    _name = "calendoc.slot.finder"
    _description = "Find a slot"

    requester_id = fields.Many2one(
        "res.partner",
        string="Requester",
        domain="[('is_calendoc_requester', '=', True), "
        "('calendoc_account_id', '=', account_id)]",
    )
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        domain=[("is_calendoc_client", "=", True)],
    )
    practice_id = fields.Many2one(
        "calendoc.practice",
        string="Practice",
        domain="[('account_id', '=?', account_id)]",
        required=True,
    )
    type_id = fields.Many2one(
        "calendoc.appointment.type",
        string="Appointment type",
        domain="[('practice_id', '=', practice_id)]",
        required=True,
    )
    practitioner_id = fields.Many2one(
        "calendoc.practitioner",
        string="Practitioner",
        help="Leave empty for the first available practitioner.",
        domain="[('practice_ids', 'in', practice_id)]",
    )
    date_from = fields.Datetime(
        string="From", required=True, default=fields.Datetime.now
    )
    weeks = fields.Integer(default=4)
    remarks = fields.Text()
    line_ids = fields.One2many("calendoc.slot.finder.line", "finder_id", string="Slots")
    # read as the secretary (not as superuser, Odoo's default for related
    # fields): a finder pointed at another account's practice shows nothing
    greeting = fields.Char(related="practice_id.greeting", related_sudo=False)
    questions_to_ask = fields.Text(
        related="practice_id.questions_to_ask", related_sudo=False
    )
    urgent_policy = fields.Text(related="practice_id.urgent_policy", related_sudo=False)
    instructions = fields.Html(related="practice_id.instructions", related_sudo=False)
    patient_instructions = fields.Text(
        related="type_id.patient_instructions", related_sudo=False
    )

    @api.onchange("practice_id")
    def _onchange_practice_id(self):
        if self.type_id.practice_id != self.practice_id:
            self.type_id = False
        if self.practice_id:
            self.account_id = self.practice_id.account_id

    def action_search(self):
        """Fill the list with the next free slots."""
        self.ensure_one()
        slots = self.env["calendoc.slot.engine"]._find_slots(
            self.type_id,
            self.date_from,
            self.date_from + timedelta(weeks=max(self.weeks, 1)),
            practitioners=self.practitioner_id or None,
            limit=40,
        )
        self.line_ids = [fields.Command.clear()] + [
            fields.Command.create(
                {
                    "start": slot["start"],
                    "stop": slot["stop"],
                    "practitioner_id": slot["practitioner_id"],
                    "source": self.env.context.get("calendoc_source", "secretary"),
                }
            )
            for slot in slots
        ]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Find a slot"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": self.env.context,
        }


class CalendocSlotFinderLine(models.TransientModel):
    _name = "calendoc.slot.finder.line"
    _description = "Free slot"
    _order = "start, practitioner_id"

    finder_id = fields.Many2one(
        "calendoc.slot.finder", required=True, ondelete="cascade"
    )
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    practitioner_id = fields.Many2one("calendoc.practitioner", required=True)
    # the slot in the practice's time zone, whatever the browser's: a
    # secretary abroad reads the practice's hours
    day_label = fields.Char(string="Day", compute="_compute_labels")
    time_label = fields.Char(string="Slot", compute="_compute_labels")
    source = fields.Selection(
        [
            ("phone", "Phone call"),
            ("secretary", "Secretary"),
            ("practitioner", "Practitioner"),
            ("online", "Online"),
        ],
        default="secretary",
    )

    @api.depends("start", "stop", "finder_id.practice_id")
    def _compute_labels(self):
        for line in self:
            tz = local_tz(
                self.env,
                line.finder_id.practice_id
                or line.finder_id.type_id.practice_id
                or line.practitioner_id.practice_ids[:1],
            )
            line.day_label = (
                upper_first(format_day(self.env, to_local(line.start, tz)))
                if line.start
                else ""
            )
            line.time_label = "%s – %s" % (
                format_local_time(line.start, tz),
                format_local_time(line.stop, tz),
            )

    def action_book(self):
        """Book this slot for the finder's requester and open the appointment."""
        self.ensure_one()
        finder = self.finder_id
        if not finder.requester_id:
            raise UserError(self.env._("Choose the requester before booking."))
        event = self.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": self.practitioner_id.id,
                "calendoc_practice_id": finder.practice_id.id,
                "calendoc_type_id": finder.type_id.id,
                "calendoc_requester_id": finder.requester_id.id,
                "calendoc_source": self.source or "secretary",
                "calendoc_remarks": finder.remarks,
                "start": self.start,
                "stop": self.stop,
            }
        )
        # CalenDoc's agenda action on the new appointment: its URL reloads
        # the same form
        return event.get_formview_action()
