from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import format_date

from odoo.addons.calendoc_agenda.tools.local_time import (
    format_day,
    format_local,
    format_local_time,
    local_tz,
    to_local,
    upper_first,
)
from odoo.addons.calendoc_agenda.tools.tz import timezone

from ..tools.paging import page_offset

# appointments a page of the portal's agenda lists; the week grid shows the
# whole week on one page
PAGE_SIZE = 40
GRID_PAGE_SIZE = 500
SCOPES = ("list", "day", "week", "grid")
UPCOMING_STATES = ("booked", "confirmed")


class CalendocPractitioner(models.Model):
    _inherit = "calendoc.practitioner"

    @api.model
    def _calendoc_portal_upcoming_domain(self):
        """The appointments still to come, for the portal's agenda."""
        return [
            ("calendoc_practitioner_id", "!=", False),
            ("calendoc_state", "in", UPCOMING_STATES),
            ("start", ">=", fields.Datetime.now()),
        ]

    @api.model
    def _calendoc_portal_agenda(self, scope, day, practitioner_id, page):
        """The portal's agenda of the practitioners the current user may read
        (his own rights: a portal practitioner his own agenda, a client
        administrator his account's): the upcoming appointments (``scope``
        "list"), or the day ``day``, or its week from Monday ("week" as a
        list, "grid" as seven days), of every practitioner or of
        ``practitioner_id`` only; page ``page`` of them. Returns the values of
        the page, with the pager's ``url_args``, ``step`` and ``page``."""
        Event = self.env["calendar.event"]
        practitioners = self.search([])
        practitioner = practitioners.filtered(lambda p: p.id == practitioner_id)
        tz = timezone(self.env.user.tz)
        today = datetime.now(tz).date()
        first = day or today
        if scope not in SCOPES:
            scope = "list"
        weekly = scope in ("week", "grid")
        domain = [("calendoc_practitioner_id", "!=", False)]
        if practitioner:
            domain.append(("calendoc_practitioner_id", "=", practitioner.id))
        url_args = {"scope": scope, "practitioner_id": practitioner.id or ""}
        if scope == "list":
            domain = domain + self._calendoc_portal_upcoming_domain()
        else:
            if weekly:
                first -= timedelta(days=first.weekday())
            span = timedelta(days=7 if weekly else 1)
            bounds = [
                tz.localize(datetime.combine(d, time()))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
                for d in (first, first + span)
            ]
            domain += [("start", ">=", bounds[0]), ("start", "<", bounds[1])]
            url_args["day"] = first.isoformat()
        total = Event.search_count(domain)
        step = GRID_PAGE_SIZE if scope == "grid" else PAGE_SIZE
        page, offset = page_offset(total, page, step)
        events = Event.search(domain, order="start, id", limit=step, offset=offset)
        # sudo: these appointments were just found under the user's own rules;
        # their practitioner's name lives on resource.resource, which portal
        # users may not read.
        rows = []
        for event in events:
            # each appointment in its practice's time zone, to the minute
            event_tz = local_tz(self.env, event.sudo().calendoc_practice_id)
            rows.append(
                {
                    "event": event.sudo(),
                    "when": format_local(self.env, event.start, event_tz),
                    "time": format_local_time(event.start, event_tz),
                    "local": to_local(event.start, event_tz),
                }
            )
        span_days = 7 if weekly else 1
        return {
            "rows": rows,
            "scope": scope,
            "day": first,
            "day_label": upper_first(format_day(self.env, first)),
            "previous_day": (first - timedelta(days=span_days)).isoformat(),
            "next_day": (first + timedelta(days=span_days)).isoformat(),
            "practitioners": practitioners,
            "practitioner": practitioner,
            # sudo: the names of the practitioners just found under the user's
            # rules (on resource.resource, see above)
            "names": {p.id: p.name for p in practitioners.sudo()},
            "total": total,
            "grid_days": self._calendoc_portal_grid_days(first, rows, today)
            if scope == "grid"
            else [],
            "url_args": url_args,
            "step": step,
            "page": page,
        }

    @api.model
    def _calendoc_portal_grid_days(self, monday, rows, today):
        """The seven days from ``monday``, each with its appointments (in their
        practice's time zone), for the week grid."""
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            days.append(
                {
                    "iso": day.isoformat(),
                    "label": upper_first(
                        format_date(self.env, day, date_format="EEEE d MMM")
                    ),
                    "today": day == today,
                    "rows": [row for row in rows if row["local"].date() == day],
                }
            )
        return days
