"""Public online booking (``/rdv/<practice link>``) and the patient's signed
link to his appointment (``/rdv/appointment/<id>/<token>``).

These pages run as the public user, who may read nothing of CalenDoc: each
route finds its practice or appointment by the key in the URL, then reads and
books with ``sudo()`` limited to that practice or that appointment. Every value
sent by the visitor is checked by the model methods it calls; errors come back
as a message on the page with an HTTP 4xx status, never as a stack trace.
"""

import logging
from collections import Counter, OrderedDict
from datetime import datetime, time, timedelta

import pytz

from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import format_date, format_datetime

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.calendoc_agenda.tools.phone import to_e164
from odoo.addons.calendoc_agenda.tools.tz import timezone, tz_name

_logger = logging.getLogger(__name__)

HONEYPOT = "website_url"
NEXT_SLOTS = 6
# weeks a page may be asked for (the appointment type's horizon limits it more)
MAX_WEEKS = 520


def _parse_start(value):
    """A slot start sent back by the page: naive UTC ISO datetime, or None."""
    start = params.parse_datetime(value)
    if not start or start.second or start.microsecond:
        return None
    return start


class CalendocOnlineBooking(http.Controller):
    # --- pages -----------------------------------------------------------------
    @http.route(
        "/rdv/<string:key>", type="http", auth="public", website=True, sitemap=False
    )
    def calendoc_booking(self, key, **kw):
        """Choose the reason, the practitioner (or any) and a slot, week by week."""
        practice = self._practice(key)
        if not practice:
            return self._not_found()
        if self._throttled("limit_ip_pages", self._ip()):
            return self._too_many(practice)
        return self._render_slots(practice, kw)

    @http.route(
        "/rdv/<string:key>/book",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def calendoc_booking_form(self, key, **kw):
        """GET: the identity form for the chosen slot; POST: book it."""
        practice = self._practice(key)
        if not practice:
            return self._not_found()
        apt_type, practitioner, start = self._chosen(practice, kw)
        if not (apt_type and practitioner and start):
            return self._render_slots(
                practice,
                kw,
                error=request.env._("Please choose a slot among those offered."),
                status=400,
            )
        if request.httprequest.method == "GET":
            if self._throttled("limit_ip_pages", self._ip()):
                return self._too_many(practice)
            if not self._engine()._is_slot_free(
                apt_type, practitioner, start, online=True
            ):
                return self._render_slots(
                    practice, kw, error=self._taken_message(), status=409
                )
            return self._render_form(practice, apt_type, practitioner, start, kw)
        return self._book(practice, apt_type, practitioner, start, kw)

    @http.route(
        "/rdv/appointment/<int:event_id>/<string:token>",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def calendoc_appointment(self, event_id, token, **kw):
        """The patient's appointment, opened by its signed link."""
        event = self._event(event_id, token)
        if not event:
            return self._not_found()
        return self._render_appointment(event, token, message=kw.get("done"))

    @http.route(
        "/rdv/appointment/<int:event_id>/<string:token>/cancel",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def calendoc_appointment_cancel(self, event_id, token, **kw):
        event = self._event(event_id, token)
        if not event:
            return self._not_found()
        if self._throttled("limit_ip", self._ip()):
            return self._too_many(event.calendoc_practice_id)
        try:
            event._calendoc_online_cancel()
        except UserError as exc:
            return self._render_appointment(event, token, error=exc.args[0], status=400)
        if event.calendoc_requester_id.email:
            event._calendoc_online_send_email(
                event.calendoc_requester_id.email, request.env.lang, "cancelled"
            )
        return request.redirect(f"/rdv/appointment/{event.id}/{token}?done=cancelled")

    @http.route(
        "/rdv/appointment/<int:event_id>/<string:token>/move",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def calendoc_appointment_move(self, event_id, token, **kw):
        """GET: the free slots of the same practitioner; POST: move there."""
        event = self._event(event_id, token)
        if not event:
            return self._not_found()
        if not event._calendoc_online_can_change():
            return self._render_appointment(
                event,
                token,
                error=request.env._(
                    "This appointment can no longer be changed online: please "
                    "call the practice."
                ),
                status=403,
            )
        if request.httprequest.method == "GET":
            return self._render_move(event, token, kw)
        if self._throttled("limit_ip", self._ip()):
            return self._too_many(event.calendoc_practice_id)
        start = _parse_start(kw.get("start"))
        if not start:
            return self._render_move(
                event,
                token,
                kw,
                error=request.env._("Please choose a slot among those offered."),
                status=400,
            )
        try:
            event._calendoc_online_move(start)
        except ValidationError:
            return self._render_move(
                event, token, kw, error=self._taken_message(), status=409
            )
        except UserError as exc:
            return self._render_move(event, token, kw, error=exc.args[0], status=400)
        if event.calendoc_requester_id.email:
            event._calendoc_online_send_email(
                event.calendoc_requester_id.email, request.env.lang, "moved"
            )
        return request.redirect(f"/rdv/appointment/{event.id}/{token}?done=moved")

    # --- booking ---------------------------------------------------------------
    def _book(self, practice, apt_type, practitioner, start, kw):
        if kw.get(HONEYPOT):
            # a robot filled the hidden field: no booking, no hint why
            return self._render_form(
                practice,
                apt_type,
                practitioner,
                start,
                kw,
                error=request.env._("Your booking could not be accepted."),
                status=400,
            )
        if self._throttled("limit_ip", self._ip()):
            return self._too_many(practice)
        region = (practice.country_id or practice.account_id.country_id).code or "FR"
        mobile = to_e164(params.parse_text(kw.get("mobile")), region)
        if mobile and self._throttled("limit_phone", mobile):
            return self._too_many(practice)
        identity = {
            "last_name": kw.get("last_name"),
            "first_name": kw.get("first_name"),
            "birthdate": kw.get("birthdate"),
            "mobile": kw.get("mobile"),
            "email": kw.get("email"),
            "lang": request.env.lang,
            "accept_terms": kw.get("accept_terms"),
            "accept_sms": kw.get("accept_sms"),
        }
        Event = self._events()
        try:
            event = Event._calendoc_online_book(apt_type, practitioner, start, identity)
        except ValidationError:
            # the slot was taken between display and confirm (the database
            # refused the second booking): say so and offer the next ones
            request.env.invalidate_all()
            return self._render_slots(
                practice,
                dict(kw, week=self._week_of(practice, start)),
                error=self._taken_message(),
                status=409,
                after=start,
            )
        except UserError as exc:
            return self._render_form(
                practice,
                apt_type,
                practitioner,
                start,
                kw,
                error=exc.args[0],
                status=400,
            )
        token = event.calendoc_access_token
        return request.redirect(f"/rdv/appointment/{event.id}/{token}?done=booked")

    # --- lookups ---------------------------------------------------------------
    def _practice(self, key):
        # sudo: the public user reads no practice; the link's key selects the
        # one practice whose online booking is on, and only it is read.
        return request.env["calendoc.practice"].sudo()._online_from_key(key)

    def _event(self, event_id, token):
        # sudo: the signed link is the patient's right to this one appointment;
        # the token is checked (constant time) before anything is read.
        event_id = params.parse_id(event_id)
        event = event_id and request.env["calendar.event"].sudo().browse(event_id)
        if (
            not event
            or not event.exists()
            or not event.calendoc_practitioner_id
            or not event._calendoc_online_check_token(token)
        ):
            return None
        return event

    def _events(self):
        # sudo: a visitor books through _calendoc_online_book only, which
        # checks the practice, the type, the slot and every field he sent.
        return request.env["calendar.event"].sudo()

    def _engine(self):
        return request.env["calendoc.slot.engine"].sudo()

    def _chosen(self, practice, kw):
        """Type, practitioner and start sent by the page, if valid here."""
        types = practice._online_types()
        apt_type = types.filtered(lambda t: t.id == params.parse_id(kw.get("type_id")))
        practitioners = apt_type.practitioner_ids or practice.practitioner_ids
        practitioner = practitioners.filtered(
            lambda p: p.id == params.parse_id(kw.get("practitioner_id"))
        )
        return apt_type, practitioner, _parse_start(kw.get("start"))

    def _ip(self):
        return request.httprequest.remote_addr or "unknown"

    def _throttled(self, kind, value):
        return request.env["calendoc.portal.throttle"].sudo()._hit(kind, value)

    # --- rendering -------------------------------------------------------------
    def _not_found(self):
        return request.render(
            "calendoc_portal.calendoc_online_message",
            {
                "title": request.env._("Page not found"),
                "message": request.env._(
                    "This link does not open any online booking. Check the link "
                    "you were given, or call the practice."
                ),
            },
            status=404,
        )

    def _too_many(self, practice):
        return request.render(
            "calendoc_portal.calendoc_online_message",
            {
                "practice": practice,
                "title": request.env._("Too many requests"),
                "message": request.env._(
                    "Too many requests were made from your connection or for this "
                    "phone number. Please try again later, or call the practice."
                ),
            },
            status=429,
        )

    def _taken_message(self):
        return request.env._(
            "This slot was just booked by someone else. Here are the next free ones."
        )

    def _tz(self, practice):
        return timezone(practice.tz)

    def _week_bounds(self, practice, week):
        """Naive UTC bounds of the practice's local week ``week`` (0: this one)."""
        tz = self._tz(practice)
        today = datetime.now(tz).date()
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
        local = [datetime.combine(monday + timedelta(days=n), time()) for n in (0, 7)]
        bounds = [
            tz.localize(d).astimezone(pytz.utc).replace(tzinfo=None) for d in local
        ]
        return monday, bounds[0], bounds[1]

    def _week_of(self, practice, start):
        tz = self._tz(practice)
        today = datetime.now(tz).date()
        day = pytz.utc.localize(start).astimezone(tz).date()
        return max(0, ((day - today).days + today.weekday()) // 7)

    def _week(self, kw, apt_type):
        """The week asked (0: this one), within what the type may be booked."""
        return min(
            params.parse_int(kw.get("week"), 0, MAX_WEEKS, 0), self._max_week(apt_type)
        )

    def _max_week(self, apt_type):
        return (apt_type.max_horizon_days + 6) // 7 if apt_type else 0

    def _days(self, practice, slots, any_practitioner):
        """Slots grouped by local day: [(label, [(time label, slot)])], one
        slot per start when any practitioner will do."""
        tz = self._tz(practice)
        days = OrderedDict()
        seen = set()
        if any_practitioner:
            slots = self._least_busy(slots, tz)
        for slot in slots:
            if any_practitioner and slot["start"] in seen:
                continue
            seen.add(slot["start"])
            local = pytz.utc.localize(slot["start"]).astimezone(tz)
            day = days.get(local.date())
            if day is None:
                # one date label per day (Babel is slow): not one per slot
                day = days[local.date()] = {
                    "label": format_date(request.env, local.date(), date_format="full"),
                    "slots": [],
                }
            day["slots"].append(
                {
                    "label": local.strftime("%H:%M"),
                    "start": slot["start"].isoformat(),
                    "practitioner_id": slot["practitioner_id"],
                }
            )
        return list(days.values())

    def _least_busy(self, slots, tz):
        """The slots ordered so that, at each start, the practitioner with the
        fewest appointments that (local) day comes first, ties by id: "any
        practitioner" spreads the bookings instead of filling the first one."""
        if not slots:
            return slots
        day = {}
        for slot in slots:
            day[id(slot)] = pytz.utc.localize(slot["start"]).astimezone(tz).date()
        first, last = min(day.values()), max(day.values())
        bounds = [
            tz.localize(datetime.combine(d, time())).astimezone(pytz.utc)
            for d in (first, last + timedelta(days=1))
        ]
        load = Counter()
        # sudo: appointments are counted, never shown (the engine reads them so)
        for event in self._events().search_fetch(
            [
                (
                    "calendoc_practitioner_id",
                    "in",
                    list({s["practitioner_id"] for s in slots}),
                ),
                ("calendoc_state", "!=", "cancelled"),
                ("start", ">=", bounds[0].replace(tzinfo=None)),
                ("start", "<", bounds[1].replace(tzinfo=None)),
            ],
            ["start", "calendoc_practitioner_id"],
        ):
            local = pytz.utc.localize(event.start).astimezone(tz).date()
            load[event.calendoc_practitioner_id.id, local] += 1
        return sorted(
            slots,
            key=lambda s: (
                s["start"],
                load[s["practitioner_id"], day[id(s)]],
                s["practitioner_id"],
            ),
        )

    def _render_slots(self, practice, kw, error=None, status=200, after=None):
        types = practice._online_types()
        apt_type = types.filtered(lambda t: t.id == params.parse_id(kw.get("type_id")))
        if not apt_type and len(types) == 1:
            apt_type = types
        practitioners = apt_type.practitioner_ids or practice.practitioner_ids
        practitioners = practitioners.filtered("active")
        # a visitor who let us choose ("any") is offered every practitioner's
        # slots again, also after losing a race
        chosen = practitioners.filtered(
            lambda p: (
                not kw.get("any") and p.id == params.parse_id(kw.get("practitioner_id"))
            )
        )
        week = self._week(kw, apt_type)
        monday, date_from, date_to = self._week_bounds(practice, week)
        days, next_slots = [], []
        available = practice.account_id._calendoc_service_allowed("booking")
        if apt_type and available:
            slots = self._engine()._find_slots(
                apt_type,
                date_from,
                date_to,
                practitioners=chosen or None,
                online=True,
            )
            days = self._days(practice, slots, not chosen)
            if after:
                upcoming = self._engine()._find_slots(
                    apt_type,
                    after,
                    after + timedelta(days=apt_type.max_horizon_days),
                    practitioners=chosen or None,
                    online=True,
                    limit=NEXT_SLOTS * max(1, len(practitioners)),
                )
                next_slots = self._days(practice, upcoming, not chosen)
        values = {
            "practice": practice,
            "types": types,
            "apt_type": apt_type,
            "practitioners": practitioners,
            "practitioner": chosen,
            "week": week,
            "max_week": self._max_week(apt_type),
            "week_label": format_date(request.env, monday, date_format="long"),
            "days": days,
            "next_days": next_slots,
            "available": available,
            "error": error,
            "names": self._practitioner_names(practitioners),
            "key": practice._online_key(),
        }
        return request.render(
            "calendoc_portal.calendoc_online_slots", values, status=status
        )

    def _practitioner_names(self, practitioners):
        return {p.id: p.name for p in practitioners}

    def _slot_label(self, practice, start):
        return format_datetime(
            request.env, start, tz=tz_name(practice.tz), dt_format="full"
        )

    def _render_form(
        self, practice, apt_type, practitioner, start, kw, error=None, status=200
    ):
        values = {
            "practice": practice,
            "apt_type": apt_type,
            "practitioner": practitioner,
            "start": start.isoformat(),
            "when": self._slot_label(practice, start),
            "key": practice._online_key(),
            "form": {
                name: kw.get(name) or ""
                for name in ("last_name", "first_name", "birthdate", "mobile", "email")
            },
            "checked": {
                name: bool(kw.get(name)) for name in ("accept_terms", "accept_sms")
            },
            "honeypot": HONEYPOT,
            "any_practitioner": bool(kw.get("any")),
            "error": error,
            "today": fields.Date.context_today(practice).isoformat(),
        }
        return request.render(
            "calendoc_portal.calendoc_online_form", values, status=status
        )

    def _render_appointment(self, event, token, message=None, error=None, status=200):
        practice = event.calendoc_practice_id
        messages = {
            "booked": request.env._(
                "Your appointment is booked. A confirmation is on its way by email "
                "and SMS."
            ),
            "cancelled": request.env._("Your appointment is cancelled."),
            "moved": request.env._("Your appointment is moved."),
        }
        values = {
            "event": event,
            "practice": practice,
            "token": token,
            "when": self._slot_label(practice, event.start),
            "can_change": event._calendoc_online_can_change(),
            "deadline": self._slot_label(
                practice, event._calendoc_online_change_deadline()
            ),
            "message": messages.get(message),
            "error": error,
        }
        return request.render(
            "calendoc_portal.calendoc_online_appointment", values, status=status
        )

    def _render_move(self, event, token, kw, error=None, status=200):
        practice = event.calendoc_practice_id
        apt_type = event.calendoc_type_id
        week = self._week(kw, apt_type)
        monday, date_from, date_to = self._week_bounds(practice, week)
        slots = event._calendoc_online_slots(date_from, date_to)
        values = {
            "event": event,
            "practice": practice,
            "token": token,
            "when": self._slot_label(practice, event.start),
            "days": self._days(practice, slots, False),
            "week": week,
            "max_week": self._max_week(apt_type),
            "week_label": format_date(request.env, monday, date_format="long"),
            "error": error,
        }
        return request.render(
            "calendoc_portal.calendoc_online_move", values, status=status
        )
