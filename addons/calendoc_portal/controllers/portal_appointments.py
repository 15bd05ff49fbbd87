"""The client portal's agenda: the appointments of the practitioners the user
may read, as a list, a day, a week or a week grid, and one appointment."""

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.portal.controllers.portal import pager

from ..models.res_users import PRACTITIONER_GROUP
from .portal import CalendocCustomerPortal, _page


class CalendocAppointmentsPortal(CalendocCustomerPortal):
    @http.route(
        ["/my/calendoc/appointments", "/my/calendoc/appointments/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def calendoc_appointments(self, page=1, scope="list", day=None, **kw):
        """The agenda of the practitioners the user may read: upcoming
        appointments (list), or one day, or one week (as a list or a grid of
        days)."""
        if not request.env.user.has_group(PRACTITIONER_GROUP):
            return self._forbidden()
        agenda = request.env["calendoc.practitioner"]._calendoc_portal_agenda(
            scope,
            params.parse_date(day),
            params.parse_id(kw.get("practitioner_id")),
            _page(page),
        )
        page_pager = pager(
            url="/my/calendoc/appointments",
            url_args=agenda.pop("url_args"),
            total=agenda["total"],
            page=agenda.pop("page"),
            step=agenda.pop("step"),
        )
        values = self._prepare_portal_layout_values()
        values.update(agenda, page_name="calendoc_appointments", pager=page_pager)
        return request.render("calendoc_portal.calendoc_portal_appointments", values)

    @http.route(
        "/my/calendoc/appointments/<int:event_id>",
        type="http",
        auth="user",
        website=True,
    )
    def calendoc_appointment(self, event_id, **kw):
        if not request.env.user.has_group(PRACTITIONER_GROUP):
            return self._forbidden()
        event = request.env["calendar.event"].browse(params.parse_id(event_id) or [])
        try:
            appointment = event._calendoc_portal_appointment()
        except (AccessError, MissingError):
            return self._not_found()
        values = self._prepare_portal_layout_values()
        values.update(appointment, page_name="calendoc_appointment")
        return request.render("calendoc_portal.calendoc_portal_appointment", values)
