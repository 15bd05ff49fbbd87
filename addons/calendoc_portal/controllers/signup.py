"""Online sign-up of a new client (terms, articles 6 and 7): the account, its
permanence code and its first administrator are created, he is signed in and
sent to his packs, where he orders and pays his first pack through the
portal's purchase flow. Nothing is granted before that payment.

Odoo's ``/web/signup`` (auth_signup) is not used: it is opened or closed for
the whole site by one setting, asks for a name, an email and a password only,
and makes plain logins; a CalenDoc client needs a company, a SIRET, the terms
accepted and a permanence login. Its user factory (``_create_user_from_template``,
the portal template user) is reused by ``res.partner._calendoc_signup``."""

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.web.controllers.utils import _get_login_redirect_url

from .booking import HONEYPOT

FIELDS = (
    "name",
    "email",
    "company_name",
    "siret",
    "street",
    "zip",
    "city",
)


class CalendocSignup(http.Controller):
    @http.route(
        "/calendoc/signup",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["GET"],
    )
    def calendoc_signup(self, **kw):
        if not request.env.user._is_public():
            return request.redirect("/my/calendoc/packs")
        return self._render(kw)

    @http.route(
        "/calendoc/signup",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=["POST"],
    )
    def calendoc_signup_post(self, **kw):
        if not request.env.user._is_public():
            return request.redirect("/my/calendoc/packs")
        if kw.get(HONEYPOT):
            # a robot filled the hidden field: nothing created, no hint why
            return self._render(
                kw, request.env._("Your sign-up could not be accepted."), 400
            )
        ip = request.httprequest.remote_addr or "unknown"
        if request.env["calendoc.portal.throttle"].sudo()._hit("limit_signup_ip", ip):
            return self._render(
                kw,
                request.env._(
                    "Too many sign-ups were made from your connection. Please try "
                    "again later, or call the secretariat."
                ),
                429,
            )
        try:
            # sudo: the visitor creates his own client account and its first
            # user; _calendoc_signup checks everything he typed first
            with request.env.cr.savepoint():
                user = (
                    request.env["res.partner"]
                    .sudo()
                    ._calendoc_signup(dict(kw, lang=request.env.lang))
                )
        except (UserError, ValidationError) as exc:
            return self._render(kw, exc.args[0], 400)
        login, password = user.login, kw["password"]
        # authenticate() reads the user through a cursor of its own: the new
        # account must be committed first (as auth_signup does)
        request.env.cr.commit()
        request.session.authenticate(
            request.db, {"login": login, "password": password, "type": "password"}
        )
        # where a firm enforces two-factor sign-in for every user, the new
        # client confirms his first sign-in with the code e-mailed to him
        return request.redirect(
            _get_login_redirect_url(user.id, "/my/calendoc/packs?welcome=1")
        )

    def _render(self, kw, error=None, status=200):
        # sudo: the terms in force are public
        terms = (
            request.env["calendoc.terms.version"]
            .sudo()
            ._in_force_for(request.env["res.partner"])
        )
        return request.render(
            "calendoc_portal.calendoc_signup",
            {
                "form": {key: kw.get(key) or "" for key in FIELDS},
                "terms": terms,
                "error": error,
                "honeypot": HONEYPOT,
                "password_minimum_length": max(
                    1, request.env["res.users"].get_password_policy()["minlength"]
                ),
                "practice": False,
                "message": False,
            },
            status=status,
        )
