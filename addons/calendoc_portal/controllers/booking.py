"""Public online booking (``/rdv/<practice link>``) and the patient's signed
link to his appointment (``/rdv/appointment/<id>/<token>``).

These pages run as the public user, who may read nothing of CalenDoc: each
route finds its practice or appointment by the key in the URL, then reads and
books with ``sudo()`` limited to that practice or that appointment. Every value
sent by the visitor is checked by the model methods it calls; errors come back
as a message on the page with an HTTP 4xx status, never as a stack trace.
"""

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.calendoc_agenda.exceptions import SlotTakenError
from odoo.addons.calendoc_agenda.tools import params

HONEYPOT = "website_url"
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
        apt_type, practitioner = practice._online_choice(
            params.parse_id(kw.get("type_id")),
            params.parse_id(kw.get("practitioner_id")),
        )
        start = _parse_start(kw.get("start"))
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
            # sudo: the engine reads the practitioner's agenda (free or not),
            # which the visitor may not
            if (
                not request.env["calendoc.slot.engine"]
                .sudo()
                ._is_slot_free(apt_type, practitioner, start, online=True)
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
        except SlotTakenError:
            return self._render_move(
                event, token, kw, error=self._taken_message(), status=409
            )
        except UserError as exc:
            return self._render_move(event, token, kw, error=exc.args[0], status=400)
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
        mobile = practice._online_e164(params.parse_text(kw.get("mobile")))
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
            "terms_version": kw.get("terms_version"),
        }
        # sudo: a visitor books through _calendoc_online_book only, which
        # checks the practice, the type, the slot and every field he sent.
        Event = request.env["calendar.event"].sudo()
        try:
            event = Event._calendoc_online_book(apt_type, practitioner, start, identity)
        except SlotTakenError:
            # the slot was taken between display and confirm (the database
            # refused the second booking): say so and offer the next ones
            request.env.invalidate_all()
            return self._render_slots(
                practice,
                dict(kw, week=practice._online_week_of(start)),
                error=self._taken_message(),
                status=409,
                after=start,
            )
        except UserError as exc:
            # any other refusal (the agenda's ValidationError included): the
            # form again, with what is wrong
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

    def _week(self, kw):
        """The week asked (0: this one); the model keeps it within the type's
        horizon."""
        return params.parse_int(kw.get("week"), 0, MAX_WEEKS, 0)

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

    def _render_slots(self, practice, kw, error=None, status=200, after=None):
        # a visitor who let us choose ("any") is offered every practitioner's
        # slots again, also after losing a race
        values = practice._online_slot_page(
            params.parse_id(kw.get("type_id")),
            None if kw.get("any") else params.parse_id(kw.get("practitioner_id")),
            self._week(kw),
            after=after,
        )
        values["error"] = error
        return request.render(
            "calendoc_portal.calendoc_online_slots", values, status=status
        )

    def _render_form(
        self, practice, apt_type, practitioner, start, kw, error=None, status=200
    ):
        values = {
            "practice": practice,
            "apt_type": apt_type,
            "practitioner": practitioner,
            "start": start.isoformat(),
            "when": practice._online_when(start),
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
        page = event._calendoc_online_page()
        messages = {
            # the SMS is named only when one is queued or sent
            "booked": request.env._(
                "Your appointment is booked. A confirmation is on its way by email "
                "and SMS."
            )
            if page["sms_confirmation"]
            else request.env._(
                "Your appointment is booked. A confirmation is on its way by email."
            ),
            "cancelled": request.env._("Your appointment is cancelled."),
            "moved": request.env._("Your appointment is moved."),
        }
        values = dict(page, token=token, message=messages.get(message), error=error)
        return request.render(
            "calendoc_portal.calendoc_online_appointment", values, status=status
        )

    def _render_move(self, event, token, kw, error=None, status=200):
        values = dict(
            event._calendoc_online_move_page(self._week(kw)), token=token, error=error
        )
        return request.render(
            "calendoc_portal.calendoc_online_move", values, status=status
        )
