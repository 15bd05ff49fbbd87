from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# Local times tried each day (the practitioners' hours keep those they work).
DEMO_TIMES = (
    (8, 30),
    (9, 0),
    (9, 30),
    (10, 30),
    (11, 0),
    (14, 0),
    (14, 30),
    (15, 30),
    (16, 0),
    (17, 0),
)


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    @api.model
    def _calendoc_demo_week(self, days=5):
        """The demo's agenda: appointments at round local times today and on
        the next working days, in every demo practice, for the practitioners'
        own hours; those already past today arrived or done (one no-show),
        the others booked or confirmed. Demo data only (the superuser)."""
        if not self.env.su:
            raise AccessError(self.env._("Only the demo data books this way."))
        engine = self.env["calendoc.slot.engine"]
        data = self.env["ir.model.data"].search(
            [("module", "=", "calendoc_agenda"), ("model", "=", "calendoc.practice")]
        )
        practices = self.env["calendoc.practice"].browse(data.mapped("res_id"))
        now = fields.Datetime.now()
        created = self.browse()
        for practice in practices.sorted("id"):
            zone = pytz.timezone(practice.tz or "UTC")
            today = pytz.utc.localize(now).astimezone(zone).date()
            apt_types = self.env["calendoc.appointment.type"].search(
                [("practice_id", "=", practice.id)], order="duration_minutes"
            )
            requesters = self.env["res.partner"].search(
                [
                    ("is_calendoc_requester", "=", True),
                    ("calendoc_account_id", "=", practice.account_id.id),
                ],
                order="id",
            )
            if not apt_types or not requesters:
                continue
            count = 0
            busy_until = {}
            for day in _working_days(today, days):
                for practitioner in practice.practitioner_ids.sorted("id"):
                    for n, (hour, minute) in enumerate(DEMO_TIMES):
                        # every other time, shifted per practitioner and day
                        if (n + practitioner.id + day.day) % 3 == 0:
                            continue
                        local = zone.localize(datetime.combine(day, time(hour, minute)))
                        start = local.astimezone(pytz.utc).replace(tzinfo=None)
                        apt_type = apt_types[count % len(apt_types)]
                        stop = start + timedelta(minutes=apt_type.duration_minutes)
                        if start < busy_until.get(
                            practitioner, start
                        ) or not engine._is_within_hours(
                            practitioner, practice, start, stop
                        ):
                            continue
                        busy_until[practitioner] = stop
                        created |= self._calendoc_demo_book(
                            practitioner,
                            apt_type,
                            requesters[count % len(requesters)],
                            start,
                            stop,
                            now,
                            count,
                        )
                        count += 1
        return created

    @api.model
    def _calendoc_demo_book(
        self, practitioner, apt_type, requester, start, stop, now, n
    ):
        """One demo appointment, in a state that fits its time."""
        if stop <= now:
            state = "no_show" if n % 7 == 3 else "done"
        elif start <= now:
            state = "arrived"
        else:
            state = "confirmed" if n % 3 else "booked"
        try:
            with self.env.cr.savepoint():
                return self.create(
                    {
                        "calendoc_practitioner_id": practitioner.id,
                        "calendoc_practice_id": apt_type.practice_id.id,
                        "calendoc_type_id": apt_type.id,
                        "calendoc_requester_id": requester.id,
                        "calendoc_source": "online" if n % 4 == 1 else "phone",
                        "calendoc_state": state,
                        "start": start,
                        "stop": stop,
                    }
                )
        except ValidationError:
            # taken already (an appointment of another demo): another time
            return self.browse()


def _working_days(first, count):
    """``count`` days from ``first`` on, Saturdays and Sundays skipped."""
    day, days = first, []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days
