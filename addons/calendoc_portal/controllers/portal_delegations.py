"""The client portal's delegations and GDPR requests: what the account grants
or receives, and a data subject's request forwarded to the firm."""

from odoo import http
from odoo.http import request

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.calendoc_agenda.tools.local_time import local_tz

from ..models.res_users import CLIENT_GROUP
from .portal import CalendocCustomerPortal

DELEGATION_SCOPES = (
    "scope_agenda_read",
    "scope_agenda_write",
    "scope_requesters",
    "scope_messages",
    "scope_calls",
    "scope_statements",
)
# what a GDPR request says of its subject and of what is asked (the form's
# own limits)
MAX_GDPR_PERSON = 200
MAX_GDPR_DETAILS = 4000


class CalendocDelegationsPortal(CalendocCustomerPortal):
    @http.route("/my/calendoc/delegations", type="http", auth="user", website=True)
    def calendoc_delegations(self, **kw):
        """The delegations the account grants or receives (read only: they are
        granted and revoked with the secretariat, which logs each change)."""
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_delegations",
                "delegations": account._calendoc_portal_delegations(),
                "scopes": DELEGATION_SCOPES,
                # the periods in the account's time, to the minute
                "tz": local_tz(request.env, account=account),
            }
        )
        return request.render("calendoc_portal.calendoc_portal_delegations", values)

    @http.route(
        "/my/calendoc/gdpr",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def calendoc_gdpr(self, **kw):
        """A data subject's request (access, rectification, erasure) that the
        client forwards to the firm, its processor: recorded on the account as
        a message and a to-do for a secretariat manager."""
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        values = self._prepare_portal_layout_values()
        values.update(
            {"page_name": "calendoc_gdpr", "kinds": account._calendoc_gdpr_kinds()}
        )
        if request.httprequest.method != "POST":
            values["sent"] = bool(kw.get("sent"))
            return request.render("calendoc_portal.calendoc_portal_gdpr", values)
        env = request.env
        try:
            person = params.check_text(
                env, kw.get("person"), env._("The person concerned"), MAX_GDPR_PERSON
            )
            details = params.check_text(
                env, kw.get("details"), env._("The request"), MAX_GDPR_DETAILS
            )
            account._calendoc_portal_gdpr_request(
                params.parse_text(kw.get("kind")), person, details
            )
        except params.InvalidInput as error:
            values.update({"error": error.args[0], "form": kw})
            return request.render(
                "calendoc_portal.calendoc_portal_gdpr", values, status=400
            )
        return request.redirect("/my/calendoc/gdpr?sent=1")
