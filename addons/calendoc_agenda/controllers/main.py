from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.home import Home


class CalendocHome(Home):
    @http.route()
    def web_login(self, redirect=None, **kw):
        """Accept a permanence code beside the user id: the Odoo login is then
        ``CODE/userid``. An unknown code and a wrong password get the same
        answer, so nobody can probe which permanences exist."""
        code = (request.params.get("calendoc_permanence") or "").strip()
        typed_login = request.params.get("login")
        if request.httprequest.method == "POST" and code and typed_login:
            request.params["login"] = request.env["res.users"]._calendoc_login(
                code, typed_login
            )
        response = super().web_login(redirect=redirect, **kw)
        if getattr(response, "qcontext", None) is not None and code:
            response.qcontext["calendoc_permanence"] = code
            response.qcontext["login"] = typed_login
        return response
