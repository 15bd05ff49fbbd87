"""The users page of the client portal: the account's administrator sees its
users and invites new ones (as the secretariat does from the account)."""

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.calendoc_agenda.tools import params

from ..models.res_users import CLIENT_GROUP
from .portal import CalendocCustomerPortal

# what the invitation form sends (the wizard's own limits apply)
MAX_FIELD = 200


class CalendocUsersPortal(CalendocCustomerPortal):
    @http.route(
        "/my/calendoc/users",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def calendoc_users(self, practitioner_id=None, **kw):
        """The account's users, and the form that invites one more."""
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        values = self._prepare_portal_layout_values()
        values.update(account._calendoc_portal_users())
        values["page_name"] = "calendoc_users"
        if request.httprequest.method != "POST":
            values["invited"] = params.parse_text(kw.get("invited"), MAX_FIELD)
            return request.render("calendoc_portal.calendoc_portal_users", values)
        env = request.env
        try:
            login = account._calendoc_portal_invite(
                {
                    "name": params.check_text(env, kw.get("name"), env._("Name")),
                    "email": params.check_text(env, kw.get("email"), env._("E-mail")),
                    "login": params.check_text(env, kw.get("login"), env._("User id")),
                    "role": params.parse_text(kw.get("role"), MAX_FIELD),
                    "practitioner_id": params.parse_id(practitioner_id),
                }
            )
        except UserError as error:
            values.update({"error": error.args[0], "form": kw})
            return request.render(
                "calendoc_portal.calendoc_portal_users", values, status=400
            )
        return request.redirect("/my/calendoc/users?" + url_encode({"invited": login}))
