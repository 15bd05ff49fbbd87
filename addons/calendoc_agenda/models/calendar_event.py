import contextlib
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..exceptions import SlotTakenError
from ..tools import params
from ..tools.local_time import format_local, local_tz

STATES = [
    ("booked", "Booked"),
    ("confirmed", "Confirmed"),
    ("arrived", "Arrived"),
    ("done", "Done"),
    ("no_show", "No-show"),
    ("cancelled", "Cancelled"),
]
# Allowed moves of the appointment workflow: booked → confirmed → arrived → done,
# or no-show, or cancelled (from any state before the patient arrived).
TRANSITIONS = {
    "booked": {"confirmed", "arrived", "no_show", "cancelled"},
    "confirmed": {"arrived", "no_show", "cancelled"},
    "arrived": {"done"},
    "done": set(),
    "no_show": set(),
    "cancelled": set(),
}
SOURCES = [
    ("phone", "Phone call"),
    ("secretary", "Secretary"),
    ("practitioner", "Practitioner"),
    ("online", "Online"),
]
OVERLAP_CONSTRAINT = "calendar_event_calendoc_no_overlap"
# the longest cancellation reason (a sentence or two)
MAX_CANCEL_REASON = 2000
# First key of the transaction-level advisory locks taken per practitioner ("CDOC").
LOCK_CLASS = 0x43444F43


class CalendarEvent(models.Model):
    _inherit = "calendar.event"
    # The requester's personal data an appointment holds (invariant 4): who
    # he is (the link, the attendee, his name in the title) and what was said
    # of him (remarks, description, why it was cancelled).
    _calendoc_personal_fields = (
        "calendoc_requester_id",
        "partner_ids",
        "name",
        "description",
        "calendoc_remarks",
        "calendoc_cancel_reason",
        "location",
    )
    _calendoc_requester_link = "calendoc_requester_id"
    _calendoc_erasure = "delete"
    _calendoc_retention = "appointments"
    # retention (calendoc_gdpr): counted from the end of the appointment
    _calendoc_retention_date = "stop"
    # Tenant isolation: an appointment is its practice's account's; the record
    # rules read its practitioner.
    _calendoc_account_link = "calendoc_account_id"
    _calendoc_rule_fields = ("calendoc_practitioner_id", "calendoc_practice_id")

    calendoc_practitioner_id = fields.Many2one(
        "calendoc.practitioner",
        string="Practitioner",
        index=True,
        ondelete="restrict",
    )
    calendoc_practice_id = fields.Many2one(
        "calendoc.practice", string="Practice", index="btree_not_null"
    )
    calendoc_account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        related="calendoc_practice_id.account_id",
        store=True,
        index="btree_not_null",
    )
    calendoc_type_id = fields.Many2one(
        "calendoc.appointment.type", string="Appointment type"
    )
    calendoc_requester_id = fields.Many2one(
        "res.partner",
        string="Requester",
        index="btree_not_null",
        domain="[('is_calendoc_requester', '=', True), "
        "('calendoc_account_id', '=', calendoc_account_id)]",
    )
    calendoc_state = fields.Selection(
        STATES, string="Appointment status", default="booked", index=True, copy=False
    )
    calendoc_source = fields.Selection(SOURCES, string="Booked by", default="secretary")
    calendoc_remarks = fields.Text(string="Remarks")
    calendoc_cancel_reason = fields.Text(string="Cancellation reason", copy=False)
    calendoc_cancelled_by_id = fields.Many2one(
        "res.users", string="Cancelled by", copy=False
    )
    calendoc_cancel_date = fields.Datetime(string="Cancelled on", copy=False)
    calendoc_hours_warning = fields.Char(
        string="Hours warning", compute="_compute_calendoc_hours_warning"
    )
    calendoc_instructions = fields.Html(related="calendoc_practice_id.instructions")

    @api.depends(
        "calendoc_practitioner_id", "calendoc_practice_id", "start", "stop", "allday"
    )
    def _compute_calendoc_hours_warning(self):
        engine = self.env["calendoc.slot.engine"]
        for event in self:
            warning = False
            if (
                event.calendoc_practitioner_id
                and event.calendoc_practice_id
                and event.start
                and event.stop
                and not engine._is_within_hours(
                    event.calendoc_practitioner_id,
                    event.calendoc_practice_id,
                    event.start,
                    event.stop,
                )
            ):
                warning = self.env._(
                    "Outside %(practitioner)s's consultation hours at %(practice)s.",
                    practitioner=event.calendoc_practitioner_id.name,
                    practice=event.calendoc_practice_id.name,
                )
            event.calendoc_hours_warning = warning

    @api.constrains(
        "calendoc_practitioner_id",
        "calendoc_practice_id",
        "calendoc_requester_id",
        "allday",
    )
    def _check_calendoc_appointment(self):
        for event in self.filtered("calendoc_practitioner_id"):
            if event.allday:
                raise ValidationError(
                    self.env._("An appointment has a start and an end time.")
                )
            if not event.calendoc_practice_id:
                raise ValidationError(
                    self.env._("An appointment takes place at a practice.")
                )
            if event.calendoc_practitioner_id.account_id != event.calendoc_account_id:
                raise ValidationError(
                    self.env._(
                        "%(practitioner)s does not work for the account of %(practice)s.",
                        practitioner=event.calendoc_practitioner_id.name,
                        practice=event.calendoc_practice_id.name,
                    )
                )
            requester_account = event.calendoc_requester_id.calendoc_account_id
            if (
                event.calendoc_requester_id
                and requester_account != event.calendoc_account_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(requester)s is not a requester of the account of %(practice)s.",
                        requester=event.calendoc_requester_id.name,
                        practice=event.calendoc_practice_id.name,
                    )
                )
            if (
                event.calendoc_practice_id
                not in event.calendoc_practitioner_id.practice_ids
            ):
                raise ValidationError(
                    self.env._(
                        "%(practitioner)s does not consult at %(practice)s.",
                        practitioner=event.calendoc_practitioner_id.name,
                        practice=event.calendoc_practice_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        appointments = [v for v in vals_list if v.get("calendoc_practitioner_id")]
        if not appointments:
            return super().create(vals_list)
        for vals in appointments:
            self._calendoc_prepare_vals(vals)
        self._calendoc_lock_practitioners(
            [vals["calendoc_practitioner_id"] for vals in appointments]
        )
        self._calendoc_check_free(appointments)
        # An appointment is not a meeting about the record the secretary came
        # from (a requester, a call): no activity on it, no invitation mail.
        context = {
            key: value
            for key, value in self.env.context.items()
            if key not in ("active_model", "active_id", "active_ids")
            and not key.startswith("default_res_")
        }
        context["no_mail_to_attendees"] = True
        # One savepoint for the appointment and its charge: refused credits
        # leave no appointment behind, even if the caller goes on.
        with self._calendoc_overlap_guard():
            events = super(CalendarEvent, self.with_context(context)).create(vals_list)
            booked = events.filtered("calendoc_practitioner_id")
            Delegation = self.env["calendoc.delegation"]
            for event in booked.filtered(lambda e: e.calendoc_state != "cancelled"):
                account = event._calendoc_charged_account()
                if Delegation._log_use(event.calendoc_account_id, event):
                    # a subcontractor booked: the client pays, the ledger says who
                    account = account.with_context(
                        calendoc_acting_account_id=self.env.user.partner_id.commercial_partner_id.id
                    )
                account._calendoc_consume_credits(
                    "appointment", 1, f"calendar.event:{event.id}", event
                )
        booked._calendoc_after_booking()
        return events

    def write(self, vals):
        appointments = self.filtered("calendoc_practitioner_id")
        if not appointments and not vals.get("calendoc_practitioner_id"):
            return super().write(vals)
        if "calendoc_state" in vals:
            for event in appointments:
                event._calendoc_check_transition(vals["calendoc_state"])
        moved = {"start", "stop", "calendoc_practitioner_id"} & set(vals)
        if moved:
            self._calendoc_lock_practitioners(
                appointments.calendoc_practitioner_id.ids
                + [vals.get("calendoc_practitioner_id") or 0]
            )
            self._calendoc_check_free(
                [
                    {
                        "calendoc_practitioner_id": vals.get(
                            "calendoc_practitioner_id",
                            event.calendoc_practitioner_id.id,
                        ),
                        "start": vals.get("start", event.start),
                        "stop": vals.get("stop", event.stop),
                    }
                    for event in self
                ],
                exclude_ids=self.ids,
            )
        with self._calendoc_overlap_guard():
            result = super(
                CalendarEvent, self.with_context(no_mail_to_attendees=True)
            ).write(vals)
            self.flush_recordset()
        return result

    # --- workflow buttons ------------------------------------------------------
    def action_calendoc_confirm(self):
        self._calendoc_set_state("confirmed")

    def action_calendoc_arrived(self):
        self._calendoc_set_state("arrived")

    def action_calendoc_done(self):
        self._calendoc_set_state("done")

    def action_calendoc_no_show(self):
        self._calendoc_set_state("no_show")

    def action_calendoc_cancel(self):
        """Open the cancellation wizard (a reason is required)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel appointment"),
            "res_model": "calendoc.cancel.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_event_ids": self.ids},
        }

    # --- business methods ----------------------------------------------------
    def calendoc_cancel(self, reason):
        """Cancel these appointments for ``reason``, recording who and when. The
        slot is free again at once (the overlap constraint ignores cancelled
        appointments)."""
        reason = params.check_text(
            self.env, reason, self.env._("Cancellation reason"), MAX_CANCEL_REASON
        )
        if not reason:
            raise UserError(self.env._("Say why the appointment is cancelled."))
        for event in self:
            event._calendoc_check_transition("cancelled")
        self.write(
            {
                "calendoc_state": "cancelled",
                "calendoc_cancel_reason": reason,
                "calendoc_cancelled_by_id": self.env.user.id,
                "calendoc_cancel_date": fields.Datetime.now(),
            }
        )
        return True

    def _calendoc_set_state(self, state):
        for event in self:
            event._calendoc_check_transition(state)
        self.write({"calendoc_state": state})
        return True

    def _calendoc_check_transition(self, state):
        self.ensure_one()
        if not self.calendoc_practitioner_id:
            raise UserError(self.env._("This event is not a CalenDoc appointment."))
        if (
            state != self.calendoc_state
            and state not in TRANSITIONS[self.calendoc_state or "booked"]
        ):
            labels = dict(
                self._fields["calendoc_state"]._description_selection(self.env)
            )
            raise UserError(
                self.env._(
                    "An appointment that is %(current)s cannot become %(new)s.",
                    current=labels[self.calendoc_state],
                    new=labels.get(state, state),
                )
            )

    # --- hooks (docs/extending.md) -----------------------------------------------
    def _calendoc_charged_account(self):
        """The client account that pays for this appointment: its own here; an
        addon that bills another account (a grantor, a group) returns it."""
        self.ensure_one()
        return self.calendoc_account_id

    def _calendoc_after_booking(self):
        """Run once appointments are created, in the booking's transaction
        (calendar_event_sms.py queues the SMS confirmation): call ``super()``."""
        return True

    # --- helpers ---------------------------------------------------------------
    @api.model
    def _calendoc_prepare_vals(self, vals):
        Practitioner = self.env["calendoc.practitioner"]
        practitioner = Practitioner.browse(vals["calendoc_practitioner_id"]).exists()
        if not practitioner.active:
            raise ValidationError(
                self.env._(
                    "This practitioner is archived: no appointment can be booked "
                    "with him."
                )
            )
        apt_type = self.env["calendoc.appointment.type"].browse(
            vals.get("calendoc_type_id")
        )
        if apt_type and not vals.get("calendoc_practice_id"):
            vals["calendoc_practice_id"] = apt_type.practice_id.id
        if not vals.get("calendoc_practice_id") and len(practitioner.practice_ids) == 1:
            vals["calendoc_practice_id"] = practitioner.practice_ids.id
        start = fields.Datetime.to_datetime(vals.get("start"))
        if start and not vals.get("stop"):
            minutes = apt_type.duration_minutes or int(
                (vals.get("duration") or 0.5) * 60
            )
            vals["stop"] = start + timedelta(minutes=minutes)
        stop = fields.Datetime.to_datetime(vals.get("stop"))
        if start and stop and stop <= start:
            raise ValidationError(
                self.env._("An appointment must end after it starts.")
            )
        requester = self.env["res.partner"].browse(vals.get("calendoc_requester_id"))
        if not vals.get("name"):
            # the type only: the requester's name is added on display, for
            # those who may read him (an agenda may be lent without its
            # requesters; see calendar_event_privacy.py)
            vals["name"] = apt_type.name or self.env._("Appointment")
        if "partner_ids" not in vals:
            # The requester only: the practitioner's agenda is the appointments
            # of his practitioner record; his contact attends his own, private
            # events, which the slot engine reads as busy time.
            vals["partner_ids"] = [fields.Command.link(p.id) for p in requester]
        vals.setdefault("show_as", "busy")
        # Who may read an appointment is decided by CalenDoc's rules; an explicit
        # privacy spares Odoo's per-event private-event check.
        vals.setdefault("privacy", "public")

    @api.model
    def _calendoc_lock_practitioners(self, practitioner_ids):
        """Serialise the bookings of each practitioner until commit. Without it,
        concurrent inserts checking the exclusion constraint against each other
        can deadlock; with it, the later one waits, then meets the constraint and
        gets the clear "slot just taken" message. Ids are sorted so that two
        transactions never take the same locks in opposite orders."""
        for practitioner_id in sorted(set(filter(None, practitioner_ids))):
            self.env.cr.execute(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_CLASS, practitioner_id)
            )

    @api.model
    def _calendoc_check_free(self, vals_list, exclude_ids=()):
        """Refuse, with a message naming the conflict, a booking that overlaps an
        appointment already visible to this transaction. Only for the message:
        the exclusion constraint is the guard."""
        for vals in vals_list:
            start = fields.Datetime.to_datetime(vals.get("start"))
            stop = fields.Datetime.to_datetime(vals.get("stop"))
            if not (start and stop and vals.get("calendoc_practitioner_id")):
                continue
            if stop <= start:
                raise ValidationError(
                    self.env._("An appointment must end after it starts.")
                )
            self.env.cr.execute(
                SQL(
                    """
                    SELECT id FROM calendar_event
                     WHERE calendoc_practitioner_id = %(practitioner)s
                       AND calendoc_state <> 'cancelled' AND active
                       AND tsrange(start, stop, '[)') && tsrange(%(start)s, %(stop)s, '[)')
                       AND id <> ALL(%(exclude)s)
                     LIMIT 1
                    """,
                    practitioner=vals["calendoc_practitioner_id"],
                    start=start,
                    stop=stop,
                    exclude=list(exclude_ids),
                )
            )
            row = self.env.cr.fetchone()
            if row:
                # sudo: the message names the practitioner and the times of
                # the appointment in the way, nothing else of it
                other = self.browse(row[0]).sudo()
                tz = local_tz(self.env, other.calendoc_practice_id)
                raise SlotTakenError(
                    self.env._(
                        "%(practitioner)s already has an appointment from %(start)s "
                        "to %(stop)s.",
                        practitioner=other.calendoc_practitioner_id.name,
                        start=format_local(self.env, other.start, tz),
                        stop=format_local(self.env, other.stop, tz),
                    )
                )

    @contextlib.contextmanager
    def _calendoc_overlap_guard(self):
        """Turn the exclusion constraint's refusal (a concurrent booking won the
        slot) into a clear message instead of an error 500."""
        try:
            with self.env.cr.savepoint():
                yield
        except pg_errors.ExclusionViolation as exc:
            self.env.invalidate_all()
            if exc.diag.constraint_name != OVERLAP_CONSTRAINT:
                raise
            raise SlotTakenError(
                self.env._(
                    "This slot was just taken by another booking. Please choose "
                    "another slot."
                )
            ) from None
        except Exception:
            # the savepoint was rolled back: forget what the cache holds of it
            self.env.invalidate_all()
            raise
