"""SMS confirmations and reminders of appointments.

Rules (Doctolib-grade, see ``_calendoc_reminder_due_at`` and
``_cron_calendoc_send_reminders``):

- a confirmation is queued when an appointment is booked, a reminder falls due
  two days before when booked more than 7 days ahead, the day before otherwise,
  and for a same-day booking per the company setting;
- a requester gets at most one reminder SMS per calendar day;
- the texts are the firm's ``sms.template`` records (``sms_template.py``) and
  carry no health data: no remarks, and the appointment type only when the
  practice allows it;
- nothing is sent when the practice, the appointment type (reminders), the
  requester (for good, or for this appointment) or the client account's
  offer says no SMS, nor without a mobile.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..tools.local_time import local_tz, to_local

_logger = logging.getLogger(__name__)

# Only appointments still to come get reminders.
REMINDED_STATES = ("booked", "confirmed")
# "Shortly after booking": the time for the secretary to fix a typo before the
# reminder leaves, and never in the last hour before the appointment.
AFTER_BOOKING_DELAY = timedelta(minutes=15)
AFTER_BOOKING_MARGIN = timedelta(hours=1)
# No rule puts a reminder more than two days before its appointment: the cron
# only looks that far back, which keeps its index scan short.
LONGEST_LEAD = timedelta(days=2)
DEFAULT_REMINDER_BATCH = 200
# Typographic characters a keyboard or a word processor puts in names, replaced
# by their GSM 03.38 equivalents: one of them would switch the whole SMS to
# UCS-2 and more than double its price.
GSM_FRIENDLY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    calendoc_booked_at = fields.Datetime(
        string="Booked on",
        readonly=True,
        copy=False,
        help="When the appointment was booked (the creation time unless it was "
        "imported with its original booking time). Reminder timing depends on it.",
    )
    calendoc_reminder_due = fields.Datetime(
        string="Reminder due",
        compute="_compute_calendoc_reminder_due",
        store=True,
        index="btree_not_null",
        copy=False,
        help="When the SMS reminder is to be sent; empty when none is planned.",
    )
    calendoc_reminder_sent = fields.Datetime(
        string="Reminder handled on",
        readonly=True,
        copy=False,
        help="When the reminder was sent, or covered by another reminder of the "
        "same day, or dropped because SMS were no longer allowed.",
    )
    calendoc_reminder_sms_id = fields.Many2one(
        "sms.sms",
        string="Reminder SMS",
        readonly=True,
        copy=False,
        ondelete="set null",
        # deleting an SMS (the retention purge, an erasure) looks its
        # appointment up: without an index, a scan of every appointment per SMS
        index="btree_not_null",
    )
    calendoc_sms_refused = fields.Boolean(
        string="No SMS for this appointment",
        copy=False,
        help="The patient declined SMS about this appointment (when booking "
        "online): no confirmation and no reminder are sent for it.",
    )
    calendoc_sms_ids = fields.One2many(
        "sms.sms",
        "calendoc_event_id",
        string="SMS",
        groups="base.group_system",
    )

    @api.depends(
        "start",
        "calendoc_booked_at",
        "calendoc_state",
        "calendoc_practitioner_id",
        "calendoc_requester_id",
        "calendoc_practice_id.tz",
    )
    def _compute_calendoc_reminder_due(self):
        for event in self:
            event.calendoc_reminder_due = event._calendoc_reminder_due_at()

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            if vals.get("calendoc_practitioner_id"):
                vals.setdefault("calendoc_booked_at", now)
        return super().create(vals_list)

    def write(self, vals):
        moved = self.browse()
        if vals.get("start") and "calendoc_reminder_sent" not in vals:
            start = fields.Datetime.to_datetime(vals["start"])
            moved = self.filtered(
                lambda e: e.calendoc_reminder_sent and e.start != start
            )
        result = super().write(vals)
        if moved:
            # A moved appointment is reminded again, of its new time.
            moved.write(
                {"calendoc_reminder_sent": False, "calendoc_reminder_sms_id": False}
            )
        return result

    # --- business methods ----------------------------------------------------
    def _calendoc_after_booking(self):
        """Queue the SMS confirmation of the appointments just booked. Odoo's SMS
        queue sends it after the booking is committed, never inside it."""
        result = super()._calendoc_after_booking()
        if self.env.context.get("install_mode"):
            # Data files (demo bookings) confirm nothing to anybody.
            return result
        now = fields.Datetime.now()
        to_confirm = self.filtered(
            lambda e: (
                e.calendoc_state in REMINDED_STATES
                and e.start
                and e.start > now
                and e._calendoc_sms_allowed("confirmation")
            )
        )
        to_confirm._calendoc_queue_sms("confirmation")
        return result

    @api.model
    def _cron_calendoc_send_reminders(self, batch_size=None):
        """Send the SMS reminders that are due, one batch per run (the cron runs
        again at once while some remain).

        One reminder per requester per calendar day (practice time zone): when
        a requester has a reminder due, the one SMS sent lists every appointment
        of hers whose reminder falls due before the end of that day, earliest
        first; all of them are then marked handled with that SMS. Should a
        reminder fall due on a day a reminder SMS already went to the requester
        (only a booking or a move made after it can do that, and a booking got
        its confirmation), it is marked handled without a second SMS.
        Reminders no longer allowed (opt-out, practice or type without SMS,
        offer without SMS, no mobile) are marked handled without an SMS.
        """
        now = fields.Datetime.now()
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(
                "calendoc_agenda.sms_reminder_batch_size", DEFAULT_REMINDER_BATCH
            )
        )
        domain = self._calendoc_reminder_todo_domain(now, now)
        due = self.search(domain, order="calendoc_reminder_due, id", limit=batch_size)
        if not due:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return True
        requesters = due.calendoc_requester_id
        # Their other reminders falling due later today go in the same SMS.
        pending = self.search(
            [("calendoc_requester_id", "in", requesters.ids)]
            + self._calendoc_reminder_todo_domain(now, now + timedelta(days=1))
        ).grouped("calendoc_requester_id")
        reminded = self.search(
            [
                ("calendoc_requester_id", "in", requesters.ids),
                ("calendoc_reminder_sms_id", "!=", False),
                ("calendoc_reminder_sent", ">", now - timedelta(days=1)),
            ]
        ).grouped("calendoc_requester_id")
        handled = self.browse()
        for requester, events in due.grouped("calendoc_requester_id").items():
            today = events[0]._calendoc_local(now).date()
            events |= pending.get(requester, self.browse()).filtered(
                lambda e, d=today: (
                    e._calendoc_local(e.calendoc_reminder_due).date() <= d
                )
            )
            allowed = events.filtered(lambda e: e._calendoc_sms_allowed("reminder"))
            already = reminded.get(requester, self.browse()).filtered(
                lambda e, d=today: (
                    e._calendoc_local(e.calendoc_reminder_sent).date() == d
                )
            )
            sms = self.env["sms.sms"]
            if allowed and not already:
                sms = allowed.sorted("start")._calendoc_queue_sms("reminder")
            allowed.write(
                {"calendoc_reminder_sent": now, "calendoc_reminder_sms_id": sms.id}
            )
            (events - allowed).write({"calendoc_reminder_sent": now})
            handled |= events
        remaining = self.search_count(domain) if len(due) == batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(handled), remaining=remaining)
        return True

    # --- helpers ---------------------------------------------------------------
    def _calendoc_reminder_due_at(self):
        """When this appointment's reminder falls due (naive UTC), or False.

        Lead time = start - booking time. More than 7 days: two days before.
        At least one day: the day before. Less than a day but booked on a
        previous day (practice time zone): shortly after booking. Booked for
        the same day: per the company's ``calendoc_same_day_reminder``, none or
        shortly after booking. "Shortly after booking" is 15 minutes after,
        provided that is still more than an hour before the appointment."""
        self.ensure_one()
        if (
            not (self.calendoc_practitioner_id and self.calendoc_requester_id)
            or not self.start
            or self.calendoc_state not in REMINDED_STATES
        ):
            return False
        booked = self.calendoc_booked_at or self.create_date or fields.Datetime.now()
        lead = self.start - booked
        if lead <= timedelta(0):
            return False
        if lead > timedelta(days=7):
            return self.start - timedelta(days=2)
        if lead >= timedelta(days=1):
            return self.start - timedelta(days=1)
        same_day = self._calendoc_local(booked).date() == (
            self._calendoc_local(self.start).date()
        )
        company = self.calendoc_practice_id.company_id or self.env.company
        if same_day and company.calendoc_same_day_reminder != "after_booking":
            return False
        due = booked + AFTER_BOOKING_DELAY
        return due if due < self.start - AFTER_BOOKING_MARGIN else False

    @api.model
    def _calendoc_reminder_todo_domain(self, now, due_before):
        return [
            ("calendoc_reminder_sent", "=", False),
            ("calendoc_reminder_due", ">", now - LONGEST_LEAD),
            ("calendoc_reminder_due", "<=", due_before),
            ("start", ">", now),
        ]

    def _calendoc_sms_allowed(self, kind):
        """Whether this appointment may get an SMS of ``kind`` ('confirmation' or
        'reminder') now: the practice sends SMS, the appointment type wants
        reminders (reminders only), the requester has a mobile and did not opt
        out (here, for this appointment, or in Odoo's SMS blacklist), the
        client account's offer includes SMS."""
        self.ensure_one()
        practice = self.calendoc_practice_id
        requester = self.calendoc_requester_id
        if not (self.calendoc_practitioner_id and practice and requester):
            return False
        if self.calendoc_sms_refused or not practice.sms_enabled:
            return False
        apt_type = self.calendoc_type_id
        if kind == "reminder" and apt_type and not apt_type.sms_reminder:
            return False
        mobile = requester.calendoc_mobile_e164
        if requester.calendoc_sms_opt_out or not mobile:
            return False
        # sudo: the blacklist is global; a secretary only asks about this number.
        if (
            self.env["phone.blacklist"]
            .sudo()
            .search_count([("number", "=", mobile)], limit=1)
        ):
            return False
        account = self._calendoc_charged_account()
        return bool(account) and account._calendoc_service_allowed("sms")

    def _calendoc_queue_sms(self, kind):
        """Create the SMS of ``kind`` for these appointments and wake up Odoo's
        SMS queue. Confirmations: one SMS per appointment. Reminders: these are
        the appointments of one requester, earliest first, told in one SMS.

        An SMS whose charge is refused (no credits left) or whose text cannot
        be rendered is not created, and neither the booking nor the other SMS
        fail with it."""
        # sudo: the SMS queue belongs to the system; the secretary who books (or
        # the cron) only adds the appointment's own messages to it.
        messages = self.env["sms.sms"].sudo()
        for events in [self] if kind == "reminder" else list(self):
            first = events[0]
            requester = first.calendoc_requester_id
            vals = {
                "number": requester.calendoc_mobile_e164,
                "partner_id": requester.id,
                "calendoc_event_id": first.id,
                "calendoc_kind": kind,
                "calendoc_account_id": first._calendoc_charged_account().id,
            }
            try:
                with self.env.cr.savepoint():
                    vals["body"] = events._calendoc_sms_body(kind)
                    messages |= messages.create(vals)
            except UserError as exc:
                _logger.info(
                    "CalenDoc: no SMS %s for appointments %s: %s",
                    kind,
                    events.ids,
                    exc.args[0] if exc.args else exc,
                )
        queue = messages and self.env.ref("sms.ir_cron_sms_scheduler_action", False)
        if queue:
            queue.sudo()._trigger()
        return messages

    def _calendoc_sms_body(self, kind):
        """Text of the SMS of ``kind`` about these appointments (one requester,
        earliest first), in the requester's language: the firm's text of that
        kind (``sms.template``; several appointments are one grouped reminder).
        Practitioner, practice, date and time only: never remarks, and the
        appointment type only when the practice shows it."""
        lang = self._calendoc_sms_lang(self[0].calendoc_requester_id)
        if kind == "reminder" and len(self) > 1:
            kind = "reminder_grouped"
        # sudo: the texts are the firm's configuration, which whoever books (a
        # patient online too) need not read; they reach no record (see
        # sms.template._calendoc_check_placeholders).
        template = self.env["sms.template"].sudo()._calendoc_template(kind)
        return template._calendoc_render(self, lang).translate(GSM_FRIENDLY)

    def _calendoc_sms_values(self, lang):
        """What an SMS may say of this appointment, in ``lang``: practitioner,
        practice, date and time in the practice's time zone, and its type
        when the practice shows it (empty otherwise). These are the
        placeholders of CalenDoc's SMS texts: nothing else reaches them."""
        self.ensure_one()
        event = self.with_context(lang=lang)
        local = event._calendoc_local(event.start)
        show_type = event.calendoc_practice_id.sms_show_type and event.calendoc_type_id
        return {
            "practitioner": event.calendoc_practitioner_id.name,
            "practice": event.calendoc_practice_id.name,
            "date": format_date(event.env, local.date(), lang_code=lang),
            "time": local.strftime("%H:%M"),
            "appointment_type": event.calendoc_type_id.name if show_type else "",
        }

    def _calendoc_sms_lang(self, requester):
        installed = dict(self.env["res.lang"].get_installed())
        for code in (
            requester.lang,
            requester.calendoc_account_id.lang,
            self.env.lang,
            "fr_FR",
        ):
            if code and code in installed:
                return code
        return "en_US"

    def _calendoc_local(self, value):
        """``value`` (naive UTC) in this appointment's practice time zone (see
        ``tools/local_time.py``)."""
        self.ensure_one()
        return to_local(value, local_tz(self.env, self.calendoc_practice_id))
