"""The slot engine: free appointment slots over working hours.

Everything is read with three SQL queries whatever the number of practitioners
(schedules with their weekly hours; time off and public holidays; appointments
and other busy events, already shifted by the new appointment's duration and
buffers and sorted by PostgreSQL), then computed with interval arithmetic in
Python, in whole seconds. Weekly hours are read in the practice's time zone
and turned into UTC day by day, so that slots are right on daylight-saving
days.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta
from itertools import repeat

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.tz import DEFAULT_TZ, timezone

# Busy intervals are read with this margin around the window, so that buffers
# and events straddling the window's edges are seen.
MARGIN = timedelta(days=1)
# Slots are laid out in whole seconds since this origin (naive UTC): integer
# arithmetic in the hot loop, datetimes built once per distinct start.
EPOCH = datetime(1970, 1, 1)
SECOND = timedelta(seconds=1)


def _seconds(moment):
    return (moment - EPOCH) // SECOND


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
        # active_test=False: no read of every practitioner (and of its resource,
        # where `active` lives) just to filter them; the first query drops the
        # archived ones.
        everyone = apt_type.with_context(active_test=False)
        candidates = everyone.practitioner_ids or everyone.practice_id.practitioner_ids
        if practitioners is not None:
            candidates &= practitioners
        # archived practitioners have no hours: the first query drops them
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

        starts = []
        lower_s, upper_s = _seconds(lower), _seconds(upper)
        duration_s, step_s = _seconds(EPOCH + duration), _seconds(EPOCH + step)
        for practitioner_id in candidates.ids:
            blocks = forbidden.get(practitioner_id, ())
            count, k = len(blocks), 0
            for work_start, work_stop in free.get(practitioner_id, ()):
                origin = _seconds(work_start)
                # the grid is aligned on the start of the working period
                moment = origin
                if moment < lower_s:
                    moment += step_s * -((origin - lower_s) // step_s)
                last = min(_seconds(work_stop) - duration_s, upper_s)
                while moment <= last:
                    # forbidden starts are open intervals (a, b), merged, sorted
                    while k < count and blocks[k][1] <= moment:
                        k += 1
                    if k < count and blocks[k][0] < moment:
                        # inside (a, b): next grid point at or after b
                        moment = origin + step_s * -((origin - blocks[k][1]) // step_s)
                        continue
                    # every grid point up to the next block's a (allowed) is free
                    bound = last if k == count else min(last, blocks[k][0])
                    run = range(moment, bound + 1, step_s)
                    starts.extend(zip(run, repeat(practitioner_id)))
                    moment = run[-1] + step_s
        starts.sort()
        if limit:
            starts = starts[:limit]
        moments = {}
        for moment in {moment for moment, _practitioner_id in starts}:
            begin = EPOCH + timedelta(seconds=moment)
            moments[moment] = (begin, begin + duration)
        slots = [
            {
                "start": moments[moment][0],
                "stop": moments[moment][1],
                "practitioner_id": practitioner_id,
            }
            for moment, practitioner_id in starts
        ]
        return slots

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

    # --- the three queries ------------------------------------------------------
    @api.model
    def _flush_sources(self):
        """The queries below read the tables directly: write pending ORM changes
        first (no query when nothing is pending)."""
        for model in (
            "calendoc.practitioner",
            "resource.resource",
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
        tz = timezone(practice.tz)
        first_day = pytz.utc.localize(lower - MARGIN).astimezone(tz).date()
        last_day = pytz.utc.localize(upper + MARGIN).astimezone(tz).date()
        days = [
            first_day + timedelta(days=n)
            for n in range((last_day - first_day).days + 1)
        ]
        self.env.cr.execute(
            SQL(
                """
                SELECT s.practitioner_id, p.resource_id, s.calendar_id, a.dayofweek,
                       a.hour_from, a.hour_to, a.week_type, c.two_weeks_calendar,
                       a.date_from, a.date_to
                  FROM calendoc_schedule s
                  JOIN calendoc_practitioner p ON p.id = s.practitioner_id
                  JOIN resource_resource r ON r.id = p.resource_id AND r.active
                  JOIN resource_calendar c ON c.id = s.calendar_id
                  JOIN resource_calendar_attendance a ON a.calendar_id = c.id
                 WHERE s.practice_id = %(practice)s
                   AND s.practitioner_id = ANY(%(practitioners)s)
                   AND s.active
                   AND a.resource_id IS NULL
                   AND a.display_type IS NULL
                   AND a.day_period <> 'lunch'
                UNION ALL
                SELECT NULL, NULL, c.id, a.dayofweek, a.hour_from, a.hour_to, a.week_type,
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
        resource_to_practitioner = {}
        for row in self.env.cr.fetchall():
            attendances[row[0]].append(row[3:])
            calendar_ids.add(row[2])
            if row[1]:
                resource_to_practitioner[row[1]] = row[0]

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
        # Practitioners of a practice mostly share a few weekly calendars: lay
        # each distinct set of weekly hours on the days once, and subtract the
        # common time off once per set when a practitioner has none of his own.
        free, by_hours = {}, {}
        for practitioner_id in practitioners.ids:
            hours = frozenset(attendances[practitioner_id])
            if hours not in by_hours:
                work = _merge(self._weekly_to_utc(tz, days, hours, cache))
                if opening is not None:
                    work = _intersect(work, opening)
                by_hours[hours] = (work, _subtract(work, _merge(common_leaves)))
            work, work_off = by_hours[hours]
            if practitioner_id in own_leaves:
                holes = _merge(common_leaves + own_leaves[practitioner_id])
                free[practitioner_id] = _subtract(work, holes)
            else:
                free[practitioner_id] = work_off
        return free

    @api.model
    def _forbidden_starts(self, practitioners, lower, upper, duration, before, after):
        """Per practitioner id, the sorted, merged open intervals (a, b), in
        seconds since ``EPOCH`` (UTC), in which a slot of this type may not
        start: existing appointments with their own buffers and the new one's,
        and the practitioner's other busy events (all-day ones over his local
        days).

        One query: PostgreSQL shifts each busy interval by the duration and the
        buffers and sorts them; Python merges the overlapping ones. Intervals
        that only touch stay apart: their common bound is a valid start (the
        exact fit between two appointments). Appointments are read per
        practitioner through the exclusion constraint's GiST index (practitioner
        and time range in one probe)."""
        window_from, window_to = lower - MARGIN, upper + duration + MARGIN
        self.env.cr.execute(
            SQL(
                """
                SELECT practitioner_id,
                       extract(epoch FROM lo)::bigint AS lo,
                       extract(epoch FROM hi)::bigint
                  FROM (
                    SELECT p.practitioner_id,
                           e.start - %(duration)s - GREATEST(
                               %(after)s,
                               make_interval(mins => COALESCE(t.buffer_before_minutes, 0))
                           ) AS lo,
                           e.stop + GREATEST(
                               %(before)s,
                               make_interval(mins => COALESCE(t.buffer_after_minutes, 0))
                           ) AS hi
                      FROM unnest(%(practitioners)s::int[]) AS p(practitioner_id)
                      JOIN calendar_event e
                        ON e.calendoc_practitioner_id = p.practitioner_id
                       AND e.calendoc_state <> 'cancelled' AND e.active
                       AND tsrange(e.start, e.stop, '[)')
                           && tsrange(%(window_from)s, %(window_to)s, '[)')
                      LEFT JOIN calendoc_appointment_type t ON t.id = e.calendoc_type_id
                    UNION ALL
                    SELECT p.id,
                           CASE WHEN e.allday
                                THEN COALESCE(e.start_date, e.start::date)::timestamp
                                     AT TIME ZONE COALESCE(r.tz, %(default_tz)s)
                                     AT TIME ZONE 'UTC'
                                ELSE e.start END - %(duration)s - %(after)s,
                           CASE WHEN e.allday
                                THEN (COALESCE(e.stop_date, e.stop::date) + 1)::timestamp
                                     AT TIME ZONE COALESCE(r.tz, %(default_tz)s)
                                     AT TIME ZONE 'UTC'
                                ELSE e.stop END + %(before)s
                      FROM calendoc_practitioner p
                      JOIN resource_resource r ON r.id = p.resource_id
                      JOIN calendar_event_res_partner_rel rel
                        ON rel.res_partner_id = p.partner_id
                      JOIN calendar_event e ON e.id = rel.calendar_event_id
                     WHERE p.id = ANY(%(practitioners)s)
                       AND e.calendoc_practitioner_id IS NULL
                       AND e.active AND e.show_as = 'busy'
                       AND e.start < %(window_to)s AND e.stop > %(window_from)s
                       AND NOT EXISTS (
                           SELECT 1 FROM calendar_attendee a
                            WHERE a.event_id = e.id
                              AND a.partner_id = p.partner_id
                              AND a.state = 'declined')
                  ) AS busy
                 ORDER BY practitioner_id, lo
                """,
                practitioners=practitioners.ids,
                window_from=window_from,
                window_to=window_to,
                duration=duration,
                before=before,
                after=after,
                default_tz=DEFAULT_TZ,
            )
        )
        forbidden = defaultdict(list)
        current = None
        for practitioner_id, lo, hi in self.env.cr.fetchall():
            if current is not None and current[0] == practitioner_id:
                if lo < current[2]:  # overlap (touching intervals stay apart)
                    if hi > current[2]:
                        current[2] = hi
                    continue
                forbidden[practitioner_id].append((current[1], current[2]))
            elif current is not None:
                forbidden[current[0]].append((current[1], current[2]))
            current = [practitioner_id, lo, hi]
        if current is not None:
            forbidden[current[0]].append((current[1], current[2]))
        return forbidden

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
