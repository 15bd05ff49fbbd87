"""What the day board's columns show (``calendoc.board``, see
calendoc_board.py): the practitioner's hours, the practice's opening hours,
absences and public holidays, the free slots of the slot engine and the
appointments, each read once for all the columns."""

from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, models
from odoo.tools import SQL

from ..tools.tz import timezone
from .calendar_event import TRANSITIONS

DAY_MINUTES = 24 * 60
# Hours shown when nothing on the board says otherwise (minutes, local time).
DEFAULT_RANGE = (8 * 60, 19 * 60)
# The appointment's workflow buttons (calendar.event), in the form's order.
BUTTONS = ("confirmed", "arrived", "done", "no_show", "cancelled")
METHODS = {
    "confirmed": "action_calendoc_confirm",
    "arrived": "action_calendoc_arrived",
    "done": "action_calendoc_done",
    "no_show": "action_calendoc_no_show",
    "cancelled": "action_calendoc_cancel",
}


def _utc_text(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _wall_minutes(moment, tz, day):
    """Minutes of the naive UTC ``moment`` on the wall clock of ``day`` in
    ``tz``: 0 before that day, 1440 after it."""
    local = pytz.utc.localize(moment).astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def _day_ranges(intervals, tz, day):
    """The parts of UTC ``intervals`` [(start, stop), ...] on the local ``day``,
    as [from, to] minutes of its wall clock."""
    ranges = []
    for start, stop in intervals:
        begin, end = _wall_minutes(start, tz, day), _wall_minutes(stop, tz, day)
        if begin < end:
            ranges.append([begin, end])
    return ranges


def _complement(ranges):
    """The minutes of the day outside ``ranges`` (sorted, merged)."""
    result, cursor = [], 0
    for begin, end in sorted(ranges):
        if begin > cursor:
            result.append([cursor, begin])
        cursor = max(cursor, end)
    if cursor < DAY_MINUTES:
        result.append([cursor, DAY_MINUTES])
    return result


class CalendocBoardColumns(models.AbstractModel):
    _inherit = "calendoc.board"

    # --- what the columns show ---------------------------------------------------
    @api.model
    def _board_window(self, practice, days):
        """The naive UTC bounds of ``days`` in the practice's time zone."""
        tz = timezone(practice.tz)
        bounds = []
        for day in (days[0], days[-1] + timedelta(days=1)):
            local = tz.localize(datetime.combine(day, time()))
            bounds.append(local.astimezone(pytz.utc).replace(tzinfo=None))
        return tz, bounds[0], bounds[1]

    @api.model
    def _board_fill_hours(self, columns, practices, days):
        """Hours (the slot engine's: weekly hours less time off and public
        holidays), opening hours and absences of each column."""
        engine = self.env["calendoc.slot.engine"]
        engine._flush_sources()
        free, opening, leaves = {}, {}, self._board_leaves(columns, practices, days)
        attendances = self._board_opening_attendances(practices)
        for practice in practices:
            tz, lower, upper = self._board_window(practice, days)
            practitioners = self.env["calendoc.practitioner"].browse(
                {
                    c["practitioner_id"]
                    for c in columns
                    if c["practice_id"] == practice.id
                }
            )
            for practitioner_id, intervals in engine._free_intervals(
                practice, practitioners, lower, upper, online=False
            ).items():
                free[practitioner_id, practice.id] = intervals
            calendar = practice.opening_calendar_id
            if calendar:
                opening[practice.id] = engine._weekly_to_utc(
                    tz, days, attendances.get(calendar.id, [])
                )
        for column in columns:
            practice = column["_schedule"].practice_id
            tz, day = timezone(practice.tz), column["_day"]
            column["utc_offset"] = int(
                tz.utcoffset(datetime.combine(day, time(12))).total_seconds() // 60
            )
            hours = _day_ranges(
                free.get((column["practitioner_id"], practice.id), []), tz, day
            )
            column["hours"] = hours
            column["off"] = _complement(hours)
            column["closed"] = (
                _complement(_day_ranges(opening[practice.id], tz, day))
                if practice.id in opening
                else []
            )
            column["absences"] = [
                {"from": begin, "to": end, "name": name}
                for start, stop, name in leaves.get(
                    (column["practitioner_id"], practice.id), []
                )
                for begin, end in _day_ranges([(start, stop)], tz, day)
            ]

    @api.model
    def _board_opening_attendances(self, practices):
        """{calendar id: weekly hours as the slot engine reads them}."""
        calendars = practices.opening_calendar_id
        if not calendars:
            return {}
        attendances = self.env["resource.calendar.attendance"].search_fetch(
            [
                ("calendar_id", "in", calendars.ids),
                ("resource_id", "=", False),
                ("display_type", "=", False),
                ("day_period", "!=", "lunch"),
            ],
            [
                "calendar_id",
                "dayofweek",
                "hour_from",
                "hour_to",
                "week_type",
                "date_from",
                "date_to",
            ],
        )
        attendances.calendar_id.fetch(["two_weeks_calendar"])
        result = defaultdict(list)
        for attendance in attendances:
            result[attendance.calendar_id.id].append(
                (
                    attendance.dayofweek,
                    attendance.hour_from,
                    attendance.hour_to,
                    attendance.week_type,
                    attendance.calendar_id.two_weeks_calendar,
                    attendance.date_from,
                    attendance.date_to,
                )
            )
        return result

    @api.model
    def _board_leaves(self, columns, practices, days):
        """{(practitioner id, practice id): [(start, stop, name)]}: the
        practitioner's time off, as a plain "Absent" (its reason may be
        health data), and the public holidays of the practice and of his
        weekly hours there, by name.

        Read in SQL, as the slot engine reads them: Odoo lets only the
        practitioner himself read the time off of a practitioner who is a
        user, but whoever reads his agenda (checked above, the columns are
        read as the user) sees when he is away; the reason stays hidden."""
        if not columns:
            return {}
        lower = min(self._board_window(p, days)[1] for p in practices)
        upper = max(self._board_window(p, days)[2] for p in practices)
        resources, calendars = {}, defaultdict(set)
        for column in columns:
            schedule = column["_schedule"]
            key = (column["practitioner_id"], column["practice_id"])
            resources[schedule.practitioner_id.resource_id.id] = column[
                "practitioner_id"
            ]
            for calendar in (
                schedule.calendar_id | schedule.practice_id.holiday_calendar_id
            ):
                calendars[calendar.id].add(key)
        self.env.cr.execute(
            SQL(
                """
                SELECT resource_id, calendar_id, date_from, date_to, name
                  FROM resource_calendar_leaves
                 WHERE date_from < %(upper)s AND date_to > %(lower)s
                   AND (resource_id = ANY(%(resources)s)
                        OR (resource_id IS NULL AND calendar_id = ANY(%(calendars)s)))
                 ORDER BY date_from
                """,
                upper=upper,
                lower=lower,
                resources=list(resources),
                calendars=list(calendars),
            )
        )
        absent = self.env._("Absent")
        keys_of = defaultdict(set)
        for column in columns:
            keys_of[column["practitioner_id"]].add(
                (column["practitioner_id"], column["practice_id"])
            )
        result = defaultdict(list)
        for resource_id, calendar_id, start, stop, name in self.env.cr.fetchall():
            if resource_id:
                for key in keys_of[resources[resource_id]]:
                    result[key].append((start, stop, absent))
            else:
                for key in calendars.get(calendar_id, ()):
                    result[key].append((start, stop, name))
        return result

    @api.model
    def _board_fill_slots(self, columns, days):
        """The free slots of each column's type, one slot engine search per
        type for all its columns."""
        engine = self.env["calendoc.slot.engine"]
        by_type = defaultdict(list)
        for column in columns:
            column["slots"] = []
            if column["_type"]:
                by_type[column["_type"]].append(column)
        for apt_type, type_columns in by_type.items():
            tz, lower, upper = self._board_window(apt_type.practice_id, days)
            practitioners = self.env["calendoc.practitioner"].browse(
                {c["practitioner_id"] for c in type_columns}
            )
            target = {(c["practitioner_id"], c["_day"]): c for c in type_columns}
            # sudo: the type and the practitioners were read as the user; the
            # engine need not check the rules of its list of practitioners
            for slot in engine._find_slots(
                apt_type.sudo(), lower, upper, practitioners=practitioners
            ):
                if slot["start"] >= upper:
                    continue
                local = pytz.utc.localize(slot["start"]).astimezone(tz)
                column = target.get((slot["practitioner_id"], local.date()))
                if column is None:
                    continue
                column["slots"].append(
                    {
                        "start": _utc_text(slot["start"]),
                        "stop": _utc_text(slot["stop"]),
                        "label": local.strftime("%H:%M"),
                        "minute": local.hour * 60 + local.minute,
                        "length": int(
                            (slot["stop"] - slot["start"]).total_seconds() // 60
                        ),
                    }
                )

    @api.model
    def _board_fill_cards(self, columns, days):
        """The appointments of the columns, read as the user."""
        for column in columns:
            column["appointments"] = []
        if not columns:
            return
        practices = self.env["calendoc.practice"].browse(
            {c["practice_id"] for c in columns}
        )
        lower = min(self._board_window(p, days)[1] for p in practices)
        upper = max(self._board_window(p, days)[2] for p in practices)
        Event = self.env["calendar.event"]
        events = Event.search_fetch(
            [
                (
                    "calendoc_practitioner_id",
                    "in",
                    [c["practitioner_id"] for c in columns],
                ),
                ("calendoc_state", "!=", "cancelled"),
                ("start", "<", upper),
                ("stop", ">", lower),
            ],
            [
                "name",
                "start",
                "stop",
                "calendoc_practitioner_id",
                "calendoc_practice_id",
                "calendoc_account_id",
                "calendoc_type_id",
                "calendoc_requester_id",
                "calendoc_state",
                "calendoc_remarks",
                "write_date",
            ],
            order="start",
        )
        requesters = self._board_readable_requesters(events)
        types = self.env["calendoc.appointment.type"].search(
            [("id", "in", events.calendoc_type_id.ids)]
        )
        types.fetch(["name"])
        labels = dict(Event._fields["calendoc_state"]._description_selection(self.env))
        buttons = {
            "confirmed": self.env._("Confirm"),
            "arrived": self.env._("Arrived"),
            "done": self.env._("Done"),
            "no_show": self.env._("No-show"),
            "cancelled": self.env._("Cancel"),
        }
        by_practitioner = defaultdict(list)
        for column in columns:
            by_practitioner[column["practitioner_id"]].append(column)
        for event in events:
            for column in by_practitioner[event.calendoc_practitioner_id.id]:
                tz = timezone(column["_schedule"].practice_id.tz)
                day = column["_day"]
                begin = _wall_minutes(event.start, tz, day)
                end = _wall_minutes(event.stop, tz, day)
                if begin >= end:
                    continue
                local_start = pytz.utc.localize(event.start).astimezone(tz)
                local_stop = pytz.utc.localize(event.stop).astimezone(tz)
                state = event.calendoc_state or "booked"
                requester = event.calendoc_requester_id
                apt_type = event.calendoc_type_id
                column["appointments"].append(
                    {
                        "id": event.id,
                        "start": _utc_text(event.start),
                        "stop": _utc_text(event.stop),
                        # what a move from this card was made from
                        "version": _utc_text(event.write_date),
                        "start_label": local_start.strftime("%H:%M"),
                        "stop_label": local_stop.strftime("%H:%M"),
                        "minute": begin,
                        "length": end - begin,
                        "title": event.name,
                        "patient": requester.sudo().name
                        if requester in requesters
                        else False,
                        "type": apt_type.name if apt_type in types else False,
                        "state": state,
                        "state_label": labels.get(state, state),
                        "remarks": bool(event.calendoc_remarks),
                        "elsewhere": event.calendoc_practice_id.id
                        != column["practice_id"],
                        "buttons": [
                            {
                                "state": name,
                                "method": METHODS[name],
                                "label": buttons[name],
                            }
                            for name in BUTTONS
                            if name in TRANSITIONS.get(state, ())
                        ],
                    }
                )

    @api.model
    def _board_readable_requesters(self, events):
        """The requesters of ``events`` whose name the user may read. A
        delegation may open an agenda without its requesters: the card then
        shows the appointment's title only.

        The test of res.partner's rule on requesters (the account's
        'requesters' scope, or the practitioner's own patients), made once per
        account rather than by the rule's SQL over a million contacts, which
        costs seconds; the names are then read with sudo (see the card)."""
        Partner = self.env["res.partner"]
        accounts = Partner._calendoc_reached_accounts_sql("requesters")
        if accounts is not None:
            self.env.cr.execute(accounts)
            accounts = {row[0] for row in self.env.cr.fetchall()}
        # sudo: the user's own practitioner records only (his patients)
        mine = set(
            self.env["calendoc.practitioner"]
            .sudo()
            .search([("user_id", "=", self.env.uid)])
            .ids
        )
        return events.filtered(
            lambda event: (
                accounts is None
                or event.calendoc_account_id.id in accounts
                or event.calendoc_practitioner_id.id in mine
            )
        ).calendoc_requester_id

    @api.model
    def _board_range(self, columns):
        """[from, to]: the whole hours of the local day the board shows."""
        begins, ends = [], []
        for column in columns:
            for begin, end in column["hours"]:
                begins.append(begin)
                ends.append(end)
            for card in column["appointments"]:
                begins.append(card["minute"])
                ends.append(card["minute"] + card["length"])
        if not begins:
            return list(DEFAULT_RANGE)
        return [min(begins) // 60 * 60, min(DAY_MINUTES, -(-max(ends) // 60) * 60)]
