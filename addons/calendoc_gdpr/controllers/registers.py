"""The client portal's view of the processor's registers: the firm's
sub-processors (with the account's objections, made here within the window)
and the security incidents notified to the account. Client administrators
only; the record rules keep each account to its own objections and notices."""

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.calendoc_portal.controllers.portal import CalendocCustomerPortal
from odoo.addons.calendoc_portal.models.res_users import CLIENT_GROUP

MAX_REASON = 4000


class CalendocRegistersPortal(CalendocCustomerPortal):
    def _calendoc_client_admin(self):
        return request.env.user.has_group(CLIENT_GROUP) and self._account()

    def _render_subprocessors(self, error=None, status=200, objected=False):
        values = self._prepare_portal_layout_values()
        Subprocessor = request.env["calendoc.gdpr.subprocessor"]
        values.update(
            {
                "page_name": "calendoc_subprocessors",
                "subprocessors": Subprocessor._calendoc_portal_list(),
                "error": error,
                "objected": objected,
            }
        )
        return request.render(
            "calendoc_gdpr.calendoc_portal_subprocessors", values, status=status
        )

    @http.route("/my/calendoc/subprocessors", type="http", auth="user", website=True)
    def calendoc_subprocessors(self, objected=None, **kw):
        """The firm's sub-processors, and the account's objections."""
        if not self._calendoc_client_admin():
            return self._forbidden()
        return self._render_subprocessors(objected=bool(objected))

    @http.route(
        "/my/calendoc/subprocessors/<int:subprocessor_id>/object",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def calendoc_subprocessor_object(self, subprocessor_id, **kw):
        """The account objects to an announced sub-processor, with a reason."""
        if not self._calendoc_client_admin():
            return self._forbidden()
        subprocessor = (
            request.env["calendoc.gdpr.subprocessor"]
            ._calendoc_portal_list()
            .filtered(lambda sub: sub.id == subprocessor_id)
        )
        if not subprocessor:
            return self._not_found(request.env._("This sub-processor does not exist."))
        env = request.env
        try:
            reason = params.check_text(
                env, kw.get("reason"), env._("The reason"), MAX_REASON
            )
            subprocessor._calendoc_object(reason)
        except UserError as error:
            return self._render_subprocessors(error=error.args[0], status=400)
        return request.redirect("/my/calendoc/subprocessors?objected=1")

    @http.route("/my/calendoc/register", type="http", auth="user", website=True)
    def calendoc_register(self, **kw):
        """The account's processing register (article 30.2), as a PDF."""
        if not self._calendoc_client_admin():
            return self._forbidden()
        pdf, filename = self._account()._calendoc_portal_register_pdf()
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", f'attachment; filename="{filename}"'),
            ],
        )

    @http.route("/my/calendoc/incidents", type="http", auth="user", website=True)
    def calendoc_incidents(self, **kw):
        """The security incidents notified to the account."""
        if not self._calendoc_client_admin():
            return self._forbidden()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_incidents",
                "notices": request.env[
                    "calendoc.gdpr.notice"
                ]._calendoc_portal_incidents(),
            }
        )
        return request.render("calendoc_gdpr.calendoc_portal_incidents", values)
