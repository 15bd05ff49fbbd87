import pytz

from odoo import api, fields, models
from odoo.osv import expression

from odoo.addons.calendoc_agenda.tools.tz import tz_name

from ..tools.google_client import PROP_DB, PROP_EVENT, parse_google_time

# Changes of an appointment that its Google copy shows.
PUSHED_FIELDS = {
    "start",
    "stop",
    "calendoc_practitioner_id",
    "calendoc_practice_id",
    "calendoc_requester_id",
    "active",
}


def _rfc3339(moment):
    return pytz.utc.localize(moment).isoformat().replace("+00:00", "Z")


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    calendoc_google_calendar_id = fields.Many2one(
        "calendoc.google.calendar",
        string="Imported from Google calendar",
        ondelete="cascade",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    calendoc_google_event_id = fields.Char(
        string="Google event id", readonly=True, copy=False
    )

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS calendar_event_calendoc_google_uniq
            ON calendar_event (calendoc_google_calendar_id, calendoc_google_event_id)
            WHERE calendoc_google_calendar_id IS NOT NULL
            """
        )
        return super().init()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("calendoc_practitioner_id") or vals.get(
                "calendoc_google_calendar_id"
            ):
                # Coexistence: CalenDoc syncs these itself; Odoo's google_calendar
                # must not push them a second time.
                vals.setdefault("need_sync", False)
        events = super().create(vals_list)
        events.filtered(
            lambda e: e.calendoc_practitioner_id and e.calendoc_state != "cancelled"
        )._calendoc_google_enqueue("insert")
        return events

    def write(self, vals):
        appointments = self.filtered("calendoc_practitioner_id")
        pushed = PUSHED_FIELDS & set(vals) or vals.get("calendoc_state") == "cancelled"
        if not appointments or not pushed:
            if self and all(
                e.calendoc_practitioner_id or e.calendoc_google_calendar_id
                for e in self
            ):
                vals = dict(vals, need_sync=False)
            return super().write(vals)
        if all(
            e.calendoc_practitioner_id or e.calendoc_google_calendar_id for e in self
        ):
            vals = dict(vals, need_sync=False)
        before = {event: event.calendoc_practitioner_id for event in appointments}
        result = super().write(vals)
        left = self.browse(
            [
                event.id
                for event, practitioner in before.items()
                if practitioner != event.calendoc_practitioner_id
            ]
        )
        if left:
            # moved to another practitioner: off the former one's calendar
            self._calendoc_google_enqueue(
                "delete", practitioners={e: before[e] for e in left}
            )
        appointments._calendoc_google_enqueue("patch")
        return result

    def unlink(self):
        self.filtered("calendoc_practitioner_id")._calendoc_google_enqueue("delete")
        return super().unlink()

    # --- coexistence with Odoo's google_calendar ----------------------------------
    def _get_sync_domain(self):
        # Appointments and busy time imported by CalenDoc are synchronised by
        # CalenDoc (per practitioner, to his chosen calendar): never by Odoo's
        # own per-user sync, or they would reach Google twice.
        return expression.AND(
            [
                super()._get_sync_domain(),
                [
                    ("calendoc_practitioner_id", "=", False),
                    ("calendoc_google_calendar_id", "=", False),
                ],
            ]
        )

    @api.model
    def _sync_google2odoo(self, google_events, write_dates=None, default_reminders=()):
        # Odoo's own sync reads the user's primary calendar: it must not import
        # the appointments CalenDoc pushed there, nor what CalenDoc already
        # imported as busy time.
        if google_events:
            uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
            pulled = set(
                self.with_context(active_test=False)
                .search(
                    [
                        ("calendoc_google_calendar_id", "!=", False),
                        ("calendoc_google_event_id", "in", list(google_events.ids)),
                    ]
                )
                .mapped("calendoc_google_event_id")
            )
            ours = google_events.filter(
                lambda e: (
                    e.id in pulled
                    or ((e.extendedProperties or {}).get("private") or {}).get(PROP_DB)
                    == uuid
                )
            )
            google_events -= ours
        return super()._sync_google2odoo(
            google_events, write_dates=write_dates, default_reminders=default_reminders
        )

    # --- CalenDoc's own sync ---------------------------------------------------------
    def _calendoc_google_enqueue(self, operation, practitioners=None):
        """Queue ``operation`` for these appointments on their practitioners'
        Google connections (``practitioners``: {event: practitioner} to use
        instead of the current one)."""
        if not self:
            return
        practitioners = practitioners or {
            event: event.calendoc_practitioner_id for event in self
        }
        # sudo: connections are managers-only; whoever books must still queue
        # the push (no token is read here).
        connections = (
            self.env["calendoc.google.connection"]
            .sudo()
            .search(
                [
                    ("practitioner_id", "in", [p.id for p in practitioners.values()]),
                    ("state", "!=", "draft"),
                ]
            )
        )
        if not connections:
            return
        by_practitioner = {c.practitioner_id: c for c in connections}
        pairs = [
            (by_practitioner[practitioner], event.id)
            for event, practitioner in practitioners.items()
            if practitioner in by_practitioner
        ]
        self.env["calendoc.google.push"]._enqueue(pairs, operation)

    # --- hooks: what is mirrored in Google, and how (docs/extending.md) -----------
    def _calendoc_google_pushable(self, connection):
        """Whether this appointment should stand in ``connection``'s calendar."""
        return bool(
            self
            and self.active
            and self.calendoc_state != "cancelled"
            and self.calendoc_practitioner_id == connection.practitioner_id
        )

    def _calendoc_google_payload(self):
        """The Google event of this appointment. No health data: no appointment
        type, no remarks, no requester unless the practice asks for his name."""
        self.ensure_one()
        practice = self.calendoc_practice_id
        practitioner = self.calendoc_practitioner_id
        lang = practitioner.partner_id.lang or practice.account_id.lang
        env = self.with_context(lang=lang).env if lang else self.env
        mode = practice.google_title or "practice"
        if mode == "busy":
            summary = env._("Appointment")
        elif mode == "requester" and self.calendoc_requester_id:
            summary = env._(
                "Appointment — %(name)s", name=self.calendoc_requester_id.name
            )
        else:
            summary = env._("Appointment — %(practice)s", practice=practice.name)
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        tz = tz_name(practice.tz)
        return {
            "summary": summary,
            "description": env._("Booked by the secretariat in CalenDoc."),
            "location": ", ".join(
                filter(None, [practice.street, practice.zip, practice.city])
            ),
            "start": {"dateTime": _rfc3339(self.start), "timeZone": tz},
            "end": {"dateTime": _rfc3339(self.stop), "timeZone": tz},
            "status": "confirmed",
            "transparency": "opaque",
            "visibility": "private",
            "reminders": {"useDefault": True},
            "extendedProperties": {
                "private": {PROP_DB: uuid, PROP_EVENT: str(self.id)}
            },
        }

    # --- CalenDoc's own sync: the mirrors ------------------------------------------
    @api.model
    def _calendoc_google_check_mirrors(self, connection, mirrors):
        """Apply the conflict rule to the Google copies of our appointments read
        by a pull: [(google event, appointment id), ...]. See
        ``calendoc.google.calendar._pull``."""
        events = (
            self.with_context(active_test=False)
            .browse([event_id for _item, event_id in mirrors])
            .exists()
        )
        pending = set(
            self.env["calendoc.google.push"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", connection.id),
                    ("event_ref", "in", events.ids),
                    ("state", "=", "pending"),
                ]
            )
            .mapped("event_ref")
        )
        restore, delete = self.browse(), []
        for item, event_id in mirrors:
            event = events.filtered(lambda e, i=event_id: e.id == i)
            live_in_google = item.get("status") != "cancelled"
            if not event._calendoc_google_pushable(connection):
                if live_in_google and event_id not in pending:
                    delete.append((connection, event_id))
                continue
            start, _day = parse_google_time(item.get("start") or {})
            stop, _day = parse_google_time(item.get("end") or {})
            if live_in_google and (start, stop) == (event.start, event.stop):
                continue
            if event_id in pending:
                continue  # our own change is on its way
            restore |= event
            event.message_post(
                body=self.env._(
                    "This appointment was moved or deleted in Google Calendar: "
                    "CalenDoc keeps its own time and puts it back in Google."
                )
            )
        if restore:
            self.env["calendoc.google.push"]._enqueue(
                [(connection, event.id) for event in restore], "insert"
            )
        if delete:
            self.env["calendoc.google.push"]._enqueue(delete, "delete")
