"""The slot engine: free appointment slots over working hours.

Everything is read with four SQL queries whatever the number of practitioners
(schedules with their weekly hours, time off and public holidays, appointments,
other busy events), then computed with interval arithmetic in Python. Weekly
hours are read in the practice's time zone and turned into UTC day by day, so
that slots are right on daylight-saving days.
"""

import bisect
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

# Busy intervals are read with this margin around the window, so that buffers
# and events straddling the window's edges are seen.
MARGIN = timedelta(days=1)


def _merge(intervals):
    """Sort and merge half-open intervals [(start, stop), ...]."""
    merged = []
    for start, stop in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if stop > merged[-1][1]:
                merged[-1][1] = stop
        else:
            merged.append([start, stop])
    return [(start, stop) for start, stop in merged]


def _subtract(intervals, holes):
    """Merged ``intervals`` minus merged ``holes`` (both sorted)."""
    result = []
    j = 0
    for start, stop in intervals:
        while j < len(holes) and holes[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < len(holes) and holes[k][0] < stop:
            if holes[k][0] > cursor:
                result.append((cursor, holes[k][0]))
            cursor = max(cursor, holes[k][1])
            k += 1
        if cursor < stop:
            result.append((cursor, stop))
    return result


def _intersect(intervals, others):
    """Intersection of two merged, sorted interval lists."""
    result = []
    i = j = 0
    while i < len(intervals) and j < len(others):
        start = max(intervals[i][0], others[j][0])
        stop = min(intervals[i][1], others[j][1])
        if start < stop:
            result.append((start, stop))
        if intervals[i][1] < others[j][1]:
            i += 1
        else:
            j += 1
    return result


class CalendocSlotEngine(models.AbstractModel):
    _name = "calendoc.slot.engine"
    _description = "Free slot search"

    @api.model
    def _find_slots(
        self, apt_type, date_from, date_to, practitioners=None, online=False, limit=None
    ):
        """Free slots of ``apt_type`` between ``date_from`` and ``date_to``.

        :param apt_type: a ``calendoc.appointment.type``
        :param date_from, date_to: naive UTC datetimes bounding the slots' starts
        :param practitioners: ``calendoc.practitioner`` records to search; ``None``
            means any practitioner of the type
        :param online: apply the online rules (the type must be bookable online,
            slots stay within the practice's opening hours)
        :param limit: stop after that many slots (earliest first)
        :return: list of dicts ``{"start", "stop", "practitioner_id"}`` (naive
            UTC), sorted by start then practitioner
        """
        apt_type.ensure_one()
        apt_type.check_access("read")
        self._flush_sources()
        if online and not apt_type.online_bookable:
            return []
        practice = apt_type.practice_id
        candidates = apt_type.practitioner_ids or practice.practitioner_ids
        if practitioners is not None:
            candidates &= practitioners
        candidates = candidates.filtered("active")
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        lower = max(
            fields.Datetime.to_datetime(date_from),
            now + timedelta(hours=apt_type.min_notice_hours),
        )
        upper = min(
            fields.Datetime.to_datetime(date_to),
            now + timedelta(days=apt_type.max_horizon_days),
        )
        if not candidates or lower >= upper:
            return []

        duration = timedelta(minutes=apt_type.duration_minutes)
        step = timedelta(
            minutes=apt_type.slot_step_minutes or apt_type.duration_minutes
        )
        before = timedelta(minutes=apt_type.buffer_before_minutes)
        after = timedelta(minutes=apt_type.buffer_after_minutes)

        free = self._free_intervals(
            practice, candidates, lower, upper + duration, online
        )
        forbidden = self._forbidden_starts(
            candidates, lower, upper, duration, before, after
        )

        slots = []
        for practitioner in candidates:
            blocks = forbidden.get(practitioner.id, [])
            ends = [stop for _start, stop in blocks]
            for work_start, work_stop in free.get(practitioner.id, []):
                start = work_start
                if start < lower:
                    # keep the grid aligned on the start of the working period
                    start += step * -((work_start - lower) // step)
                while start + duration <= work_stop and start <= upper:
                    # forbidden starts are open intervals (a, b)
                    i = bisect.bisect_right(ends, start)
                    if i < len(blocks) and blocks[i][0] < start:
                        start = work_start + step * -(
                            -(blocks[i][1] - work_start) // step
                        )
                        continue
                    slots.append(
                        {
                            "start": start,
                            "stop": start + duration,
                            "practitioner_id": practitioner.id,
                        }
                    )
                    start += step
        slots.sort(key=lambda slot: (slot["start"], slot["practitioner_id"]))
        return slots[:limit] if limit else slots

    @api.model
    def _is_slot_free(self, apt_type, practitioner, start, online=False):
        """Whether ``start`` is one of the free slots of ``practitioner``."""
        start = fields.Datetime.to_datetime(start)
        slots = self._find_slots(
            apt_type,
            start,
            start + timedelta(seconds=1),
            practitioners=practitioner,
            online=online,
        )
        return any(slot["start"] == start for slot in slots)

    @api.model
    def _is_within_hours(self, practitioner, practice, start, stop):
        """Whether [start, stop) lies in the practitioner's hours at the practice
        (time off and public holidays excluded)."""
        self._flush_sources()
        free = self._free_intervals(practice, practitioner, start, stop, online=False)
        return any(s <= start and stop <= e for s, e in free.get(practitioner.id, []))

    # --- the four queries ------------------------------------------------------
    @api.model
    def _flush_sources(self):
        """The queries below read the tables directly: write pending ORM changes
        first (no query when nothing is pending)."""
        for model in (
            "calendoc.schedule",
            "calendoc.appointment.type",
            "resource.calendar",
            "resource.calendar.attendance",
            "resource.calendar.leaves",
            "calendar.event",
            "calendar.attendee",
        ):
            self.env[model].flush_model()

    @api.model
    def _free_intervals(self, practice, practitioners, lower, upper, online):
        """Working intervals minus time off, per practitioner id (UTC, merged)."""
        tz = pytz.timezone(practice.tz or "Europe/Paris")
        first_day = pytz.utc.localize(lower - MARGIN).astimezone(tz).date()
        last_day = pytz.utc.localize(upper + MARGIN).astimezone(tz).date()
        days = [
            first_day + timedelta(days=n)
            for n in range((last_day - first_day).days + 1)
        ]
        self.env.cr.execute(
            SQL(
                """
                SELECT s.practitioner_id, s.calendar_id, a.dayofweek, a.hour_from,
                       a.hour_to, a.week_type, c.two_weeks_calendar, a.date_from,
                       a.date_to
                  FROM calendoc_schedule s
                  JOIN resource_calendar c ON c.id = s.calendar_id
                  JOIN resource_calendar_attendance a ON a.calendar_id = c.id
                 WHERE s.practice_id = %(practice)s
                   AND s.practitioner_id = ANY(%(practitioners)s)
                   AND s.active
                   AND a.resource_id IS NULL
                   AND a.display_type IS NULL
                   AND a.day_period <> 'lunch'
                UNION ALL
                SELECT NULL, c.id, a.dayofweek, a.hour_from, a.hour_to, a.week_type,
                       c.two_weeks_calendar, a.date_from, a.date_to
                  FROM resource_calendar c
                  JOIN resource_calendar_attendance a ON a.calendar_id = c.id
                 WHERE %(online)s AND c.id = %(opening)s
                   AND a.resource_id IS NULL
                   AND a.display_type IS NULL
                   AND a.day_period <> 'lunch'
                """,
                practice=practice.id,
                practitioners=practitioners.ids,
                online=bool(online and practice.opening_calendar_id),
                opening=practice.opening_calendar_id.id or 0,
            )
        )
        attendances = defaultdict(list)
        calendar_ids = {practice.holiday_calendar_id.id or 0}
        for row in self.env.cr.fetchall():
            attendances[row[0]].append(row[2:])
            calendar_ids.add(row[1])

        resource_to_practitioner = {p.resource_id.id: p.id for p in practitioners}
        self.env.cr.execute(
            SQL(
                """
                SELECT resource_id, date_from, date_to
                  FROM resource_calendar_leaves
                 WHERE date_from < %(upper)s AND date_to > %(lower)s
                   AND (resource_id = ANY(%(resources)s)
                        OR (resource_id IS NULL AND calendar_id = ANY(%(calendars)s)))
                """,
                upper=upper + MARGIN,
                lower=lower - MARGIN,
                resources=list(resource_to_practitioner),
                calendars=list(calendar_ids),
            )
        )
        common_leaves, own_leaves = [], defaultdict(list)
        for resource_id, leave_from, leave_to in self.env.cr.fetchall():
            if resource_id:
                own_leaves[resource_to_practitioner[resource_id]].append(
                    (leave_from, leave_to)
                )
            else:
                common_leaves.append((leave_from, leave_to))

        opening = None
        cache = {}
        if None in attendances:
            opening = _merge(self._weekly_to_utc(tz, days, attendances[None], cache))
        free = {}
        for practitioner in practitioners:
            work = _merge(
                self._weekly_to_utc(tz, days, attendances[practitioner.id], cache)
            )
            if opening is not None:
                work = _intersect(work, opening)
            holes = _merge(common_leaves + own_leaves[practitioner.id])
            free[practitioner.id] = _subtract(work, holes)
        return free

    @api.model
    def _forbidden_starts(self, practitioners, lower, upper, duration, before, after):
        """Per practitioner id, the merged open intervals (a, b) in which a slot of
        this type may not start: existing appointments with their own buffers and
        the new one's, and the practitioner's other busy events."""
        window_from, window_to = lower - MARGIN, upper + duration + MARGIN
        self.env.cr.execute(
            SQL(
                """
                SELECT e.calendoc_practitioner_id, e.start, e.stop,
                       COALESCE(t.buffer_before_minutes, 0),
                       COALESCE(t.buffer_after_minutes, 0)
                  FROM calendar_event e
                  LEFT JOIN calendoc_appointment_type t ON t.id = e.calendoc_type_id
                 WHERE e.calendoc_practitioner_id = ANY(%(practitioners)s)
                   AND e.calendoc_state <> 'cancelled' AND e.active
                   AND tsrange(e.start, e.stop, '[)')
                       && tsrange(%(window_from)s, %(window_to)s, '[)')
                """,
                practitioners=practitioners.ids,
                window_from=window_from,
                window_to=window_to,
            )
        )
        forbidden = defaultdict(list)
        for (
            practitioner_id,
            start,
            stop,
            buffer_before,
            buffer_after,
        ) in self.env.cr.fetchall():
            forbidden[practitioner_id].append(
                (
                    start - duration - max(after, timedelta(minutes=buffer_before)),
                    stop + max(before, timedelta(minutes=buffer_after)),
                )
            )

        by_partner = {p.partner_id.id: p for p in practitioners if p.partner_id}
        if by_partner:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT r.res_partner_id, e.start, e.stop, e.allday,
                           e.start_date, e.stop_date
                      FROM calendar_event_res_partner_rel r
                      JOIN calendar_event e ON e.id = r.calendar_event_id
                     WHERE r.res_partner_id = ANY(%(partners)s)
                       AND e.calendoc_practitioner_id IS NULL
                       AND e.active AND e.show_as = 'busy'
                       AND e.start < %(window_to)s AND e.stop > %(window_from)s
                       AND NOT EXISTS (
                           SELECT 1 FROM calendar_attendee a
                            WHERE a.event_id = e.id
                              AND a.partner_id = r.res_partner_id
                              AND a.state = 'declined')
                    """,
                    partners=list(by_partner),
                    window_from=window_from,
                    window_to=window_to,
                )
            )
            for (
                partner_id,
                start,
                stop,
                allday,
                start_date,
                stop_date,
            ) in self.env.cr.fetchall():
                practitioner = by_partner[partner_id]
                if allday:
                    tz = pytz.timezone(practitioner.tz or "Europe/Paris")
                    start = self._local_to_utc(tz, start_date or start.date(), 0)
                    stop = self._local_to_utc(
                        tz, (stop_date or stop.date()) + timedelta(days=1), 0
                    )
                forbidden[practitioner.id].append(
                    (start - duration - after, stop + before)
                )
        return {key: _merge(value) for key, value in forbidden.items()}

    # --- time zone arithmetic -------------------------------------------------------
    @api.model
    def _weekly_to_utc(self, tz, days, attendances, cache=None):
        """Weekly hours (local, per weekday) laid on ``days``, as UTC intervals.
        ``cache`` memoises local-to-UTC conversions shared by practitioners."""
        cache = {} if cache is None else cache
        by_weekday = defaultdict(list)
        for attendance in attendances:
            by_weekday[int(attendance[0])].append(attendance)
        week_type = self.env["resource.calendar.attendance"].get_week_type
        intervals = []
        for day in days:
            for (
                _dow,
                hour_from,
                hour_to,
                att_week_type,
                two_weeks,
                valid_from,
                valid_to,
            ) in by_weekday.get(day.weekday(), ()):
                if two_weeks and att_week_type and int(att_week_type) != week_type(day):
                    continue
                if (valid_from and day < valid_from) or (valid_to and day > valid_to):
                    continue
                bounds = []
                for hour in (hour_from, hour_to):
                    key = (day, hour)
                    if key not in cache:
                        cache[key] = self._local_to_utc(tz, day, hour)
                    bounds.append(cache[key])
                intervals.append(tuple(bounds))
        return intervals

    @api.model
    def _local_to_utc(self, tz, day, hour):
        """``day`` at ``hour`` (float hours, local wall clock) as naive UTC."""
        minutes = round(hour * 60)
        local = datetime.combine(day, time()) + timedelta(minutes=minutes)
        # is_dst=False: a wall-clock time that does not exist (spring forward)
        # is read as standard time, one that exists twice as its second moment.
        return (
            tz.localize(local, is_dst=False).astimezone(pytz.utc).replace(tzinfo=None)
        )
