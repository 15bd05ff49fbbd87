"""The secretaries' day board: one column per practitioner (a day of several
practitioners, or a week of one), with the practice's opening hours, the
practitioner's hours and absences, the appointments as cards and the free
slots of the slot engine.

Everything is read as the user: the practitioners are those whose agenda the
record rules let him read, the appointments those he may read. The queries
are batched: their number grows with the practices and appointment types on
the board, never with its practitioners or appointments.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.params import InvalidInput, parse_date, parse_id
from ..tools.tz import timezone
from .calendar_event import TRANSITIONS

MODES = ("day", "week")
DAY_MINUTES = 24 * 60
# Hours shown when nothing on the board says otherwise (minutes, local time).
DEFAULT_RANGE = (8 * 60, 19 * 60)
DEFAULT_STEP = 15
# The bus notification telling the boards that appointments changed, sent on
# the subchannel of each client account (and to managers' and auditors' groups).
BUS_TYPE = "calendoc_agenda/board_changed"
BUS_SUBCHANNEL = "calendoc_agenda"
ROLES = (
    "calendoc_agenda.group_calendoc_secretary",
    "calendoc_agenda.group_calendoc_practitioner",
    "calendoc_agenda.group_calendoc_auditor",
)
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


class CalendocBoard(models.AbstractModel):
    _name = "calendoc.board"
    _description = "Day board"

    @api.model
    def get_board(
        self,
        day=None,
        mode="day",
        practice_ids=None,
        practitioner_ids=None,
        type_id=None,
    ):
        """The day board as the current user may see it.

        :param day: the day shown (``YYYY-MM-DD``; in week mode, any day of the
            week), today in the user's time zone when empty
        :param mode: ``"day"`` (one column per practitioner) or ``"week"`` (one
            column per practitioner and day, Monday to Sunday; without
            ``practitioner_ids``, the first practitioner only)
        :param practice_ids, practitioner_ids: ids to show (all those the user
            may read when empty); an id that does not exist or that the user
            may not read is refused, and nothing is shown
        :param type_id: the appointment type whose free slots are shown (else
            each column's first type)
        :return: a dict: ``day``, ``days``, ``mode``, ``step`` and ``range``
            (minutes of the local day), the choices of the filters
            (``practices``, ``practitioners``, ``types``) and the ``columns``,
            each with its ``hours``, ``closed`` (outside the opening hours),
            ``off`` (outside the practitioner's hours) and ``absences`` as
            [from, to] minutes, its ``appointments`` (cards) and free
            ``slots``; times of cards and slots are also given in naive UTC
            (``start``, ``stop``) for writing them back.
        """
        self._board_check_role()
        day, days = self._board_days(day, mode)
        practices, practitioners, apt_type = self._board_filters(
            practice_ids, practitioner_ids, type_id
        )
        schedules = self._board_schedules(practices, practitioners, apt_type)
        if mode == "week" and not practitioner_ids and schedules:
            first = schedules[0].practitioner_id
            schedules = schedules.filtered(lambda s: s.practitioner_id == first)
        shown_practices = schedules.practice_id
        types = apt_type or self.env["calendoc.appointment.type"].search_fetch(
            [("practice_id", "in", shown_practices.ids)],
            [
                "name",
                "practice_id",
                "practitioner_ids",
                "duration_minutes",
                "slot_step_minutes",
            ],
        )
        columns = []
        for schedule in schedules:
            column_type = self._board_column_type(schedule, types)
            for column_day in days:
                columns.append(
                    {
                        "key": f"{schedule.id}-{column_day}",
                        "practitioner_id": schedule.practitioner_id.id,
                        "practitioner": schedule.practitioner_id.name,
                        "practice_id": schedule.practice_id.id,
                        "practice": schedule.practice_id.name,
                        "date": column_day.isoformat(),
                        "type_id": column_type.id,
                        "_schedule": schedule,
                        "_day": column_day,
                        "_type": column_type,
                    }
                )
        self._board_fill_hours(columns, shown_practices, days)
        self._board_fill_slots(columns, days)
        self._board_fill_cards(columns, days)
        step = min(
            (
                t.slot_step_minutes or t.duration_minutes
                for t in {c["_type"] for c in columns if c["_type"]}
            ),
            default=DEFAULT_STEP,
        )
        for column in columns:
            for key in ("_schedule", "_day", "_type"):
                del column[key]
        return {
            "day": day.isoformat(),
            "days": [d.isoformat() for d in days],
            "mode": mode,
            "step": step,
            "range": self._board_range(columns),
            "practices": [
                {"id": p.id, "name": p.display_name}
                for p in self.env["calendoc.practice"].search_fetch([], ["name"])
            ],
            "practitioners": [
                {"id": p.id, "name": p.name}
                for p in self._board_readable_practitioners(
                    [("practice_ids", "in", practices.ids)] if practices else []
                )
            ],
            "types": [
                {"id": t.id, "name": t.name, "practice_id": t.practice_id.id}
                for t in self.env["calendoc.appointment.type"].search_fetch(
                    [("practice_id", "in", shown_practices.ids)], ["name"]
                )
            ],
            "selected": {
                "practice_ids": practices.ids,
                "practitioner_ids": practitioners.ids if practitioners else [],
                "type_id": apt_type.id,
            },
            "columns": columns,
        }

    # --- checks of what is asked ---------------------------------------------------
    @api.model
    def _board_check_role(self):
        user = self.env.user
        if user.share or not any(user.has_group(group) for group in ROLES):
            raise AccessError(
                self.env._(
                    "The day board is for the secretariat's staff and the "
                    "practitioners."
                )
            )

    @api.model
    def _board_days(self, day, mode):
        if mode not in MODES:
            raise InvalidInput(self.env._("Show the board by day or by week."))
        if day in (None, False, ""):
            tz = timezone(self.env.context.get("tz"), self.env.user.tz)
            chosen = datetime.now(tz).date()
        else:
            chosen = parse_date(day)
            if not chosen:
                raise InvalidInput(
                    self.env._("Give the day of the board as YYYY-MM-DD.")
                )
        if mode == "day":
            return chosen, [chosen]
        monday = chosen - timedelta(days=chosen.weekday())
        return chosen, [monday + timedelta(days=n) for n in range(7)]

    @api.model
    def _board_filters(self, practice_ids, practitioner_ids, type_id):
        """The practices, practitioners (``None``: not asked) and type asked,
        read as the user."""
        Practice = self.env["calendoc.practice"]
        practices = self._board_records(Practice, practice_ids)
        practitioners = self._board_records(
            self.env["calendoc.practitioner"],
            practitioner_ids,
            [("calendoc_access_scope", "like", ",agenda_read,")],
        )
        apt_type = self._board_records(
            self.env["calendoc.appointment.type"],
            [type_id] if type_id not in (None, False, "") else None,
        )
        if apt_type:
            practices = (practices or apt_type.practice_id) & apt_type.practice_id
            if apt_type.practitioner_ids and practitioners is not None:
                practitioners &= apt_type.practitioner_ids
        if practices is None and practitioners is not None:
            practices = practitioners.practice_ids
        elif practices is None:
            # the practitioner's own practices, else the first practice the
            # user reaches an agenda of
            mine = self.env["calendoc.practitioner"].search(
                [("user_id", "=", self.env.uid)]
            )
            practices = mine.practice_ids or (
                self.env["calendoc.schedule"]
                .search(
                    [
                        (
                            "practitioner_id.calendoc_access_scope",
                            "like",
                            ",agenda_read,",
                        )
                    ],
                    order="practice_id",
                    limit=1,
                )
                .practice_id
            )
        return (
            practices if practices is not None else Practice,
            practitioners,
            apt_type or self.env["calendoc.appointment.type"],
        )

    @api.model
    def _board_records(self, model, ids, domain=()):
        """The records ``ids`` of ``model`` the user may read (``None`` when no
        id is asked); refused if one is missing, without saying which."""
        if ids in (None, False) or ids == []:
            return None
        if not isinstance(ids, list) or any(parse_id(i) is None for i in ids):
            raise InvalidInput(self.env._("Name what the board shows by ids."))
        ids = {parse_id(i) for i in ids}
        records = model.search([("id", "in", list(ids)), *domain])
        if len(records) != len(ids):
            raise UserError(
                self.env._(
                    "The board cannot show what was asked: a practice, a "
                    "practitioner or an appointment type does not exist or is "
                    "not yours to see."
                )
            )
        return records

    @api.model
    def _board_readable_practitioners(self, domain):
        return self.env["calendoc.practitioner"].search_fetch(
            [("calendoc_access_scope", "like", ",agenda_read,"), *domain], ["name"]
        )

    @api.model
    def _board_schedules(self, practices, practitioners, apt_type):
        """One column per schedule: a practitioner whose agenda the user reads,
        at a practice shown; sorted by practitioner, then practice."""
        domain = [
            ("practice_id", "in", practices.ids),
            ("practitioner_id.calendoc_access_scope", "like", ",agenda_read,"),
        ]
        if practitioners is not None:
            domain.append(("practitioner_id", "in", practitioners.ids))
        if apt_type and apt_type.practitioner_ids:
            domain.append(("practitioner_id", "in", apt_type.practitioner_ids.ids))
        schedules = self.env["calendoc.schedule"].search_fetch(
            domain, ["practitioner_id", "practice_id", "calendar_id"]
        )
        schedules.practitioner_id.fetch(["name", "resource_id"])
        schedules.practice_id.fetch(
            ["name", "tz", "opening_calendar_id", "holiday_calendar_id"]
        )
        return schedules.sorted(
            lambda s: (s.practitioner_id.name or "", s.practice_id.name or "", s.id)
        )

    @api.model
    def _board_column_type(self, schedule, types):
        """The type whose free slots a column shows: the one asked, else the
        practice's first type the practitioner takes."""
        for apt_type in types:
            if apt_type.practice_id == schedule.practice_id and (
                not apt_type.practitioner_ids
                or schedule.practitioner_id in apt_type.practitioner_ids
            ):
                return apt_type
        return self.env["calendoc.appointment.type"]

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
            for slot in engine._find_slots(
                apt_type, lower, upper, practitioners=practitioners
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
                "calendoc_type_id",
                "calendoc_requester_id",
                "calendoc_state",
                "calendoc_remarks",
            ],
            order="start",
        )
        # a delegation may open the agenda without the requesters: the card
        # then shows the appointment's title only
        requesters = events.calendoc_requester_id._filtered_access("read")
        requesters.fetch(["name"])
        types = events.calendoc_type_id._filtered_access("read")
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
                        "start_label": local_start.strftime("%H:%M"),
                        "stop_label": local_stop.strftime("%H:%M"),
                        "minute": begin,
                        "length": end - begin,
                        "title": event.name,
                        "patient": requester.name if requester in requesters else False,
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

    # --- live refresh ------------------------------------------------------------
    @api.model
    def _bus_channels(self):
        """The bus channels on which the current user hears of changes to the
        agendas he reads: the subchannel of each client account one of whose
        practitioners' agenda he reads (managers and auditors hear it on their
        group's channel)."""
        user = self.env.user
        if user.share or user.calendoc_sees_all_accounts:
            return []
        if not any(user.has_group(group) for group in ROLES):
            return []
        groups = self.env["calendoc.practitioner"]._read_group(
            [("calendoc_access_scope", "like", ",agenda_read,")], ["account_id"]
        )
        return [(account, BUS_SUBCHANNEL) for (account,) in groups]

    @api.model
    def _notify(self, pairs):
        """Tell the boards that the agendas of ``pairs`` {(account id,
        practitioner id)} changed: the ids only, to the account's subchannel
        and to the managers' and auditors' groups."""
        if not pairs:
            return
        by_account = defaultdict(set)
        for account_id, practitioner_id in pairs:
            if account_id:
                by_account[account_id].add(practitioner_id)
        Partner = self.env["res.partner"]
        for account_id, practitioner_ids in by_account.items():
            Partner.browse(account_id)._bus_send(
                BUS_TYPE,
                {"practitioner_ids": sorted(practitioner_ids)},
                subchannel=BUS_SUBCHANNEL,
            )
        everyone = sorted({practitioner_id for _account, practitioner_id in pairs})
        for xmlid in (
            "calendoc_agenda.group_calendoc_manager",
            "calendoc_agenda.group_calendoc_auditor",
        ):
            group = self.env.ref(xmlid, raise_if_not_found=False)
            if group:
                group._bus_send(BUS_TYPE, {"practitioner_ids": everyone})
