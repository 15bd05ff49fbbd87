from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.home import Home

from ..tools.params import parse_text

# the longest permanence code a login form may carry
MAX_PERMANENCE_CODE = 32


class CalendocHome(Home):
    @http.route()
    def web_login(self, redirect=None, **kw):
        """Accept a permanence code beside the user id: the Odoo login is then
        ``CODE/userid``. An unknown code and a wrong password get the same
        answer, so nobody can probe which permanences exist."""
        code = parse_text(
            request.params.get("calendoc_permanence") or "", MAX_PERMANENCE_CODE
        )
        typed_login = parse_text(request.params.get("login"))
        if request.httprequest.method == "POST" and (code is None or code.strip()):
            # a code that cannot be one (a NUL byte, too long) and a code
            # without a user id fail like an unknown code: no login to try
            request.params["login"] = (
                request.env["res.users"]._calendoc_login(code, typed_login)
                if code and typed_login
                else ""
            )
        response = super().web_login(redirect=redirect, **kw)
        if getattr(response, "qcontext", None) is not None and code:
            response.qcontext["calendoc_permanence"] = code.strip()
            response.qcontext["login"] = typed_login or ""
        return response
