import logging

from markupsafe import Markup, escape
from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..tools.google_client import GoogleError

_logger = logging.getLogger(__name__)


class CalendocGoogleController(http.Controller):
    @http.route("/calendoc_google/oauth", type="http", auth="public", methods=["GET"])
    def oauth_callback(self, state=None, code=None, error=None, **_kwargs):
        """Where Google sends the practitioner back after his consent. He may
        have no Odoo session: the signed ``state`` names the connection."""
        # sudo: a public route; only a state signed with the database secret
        # (made by a manager's "Connect" button) reaches a connection.
        Connection = request.env["calendoc.google.connection"].sudo()
        connection = Connection._google_connection_from_state(state)
        if not connection:
            raise NotFound()
        env = request.env
        if error or not code:
            message = env._("Google Calendar was not connected: consent refused.")
        else:
            try:
                connection._google_consent(code)
                connection.action_fetch_calendars()
                message = env._("Google Calendar connected. You may close this window.")
            except (UserError, GoogleError) as exc:
                _logger.warning("Google consent of connection %s failed", connection.id)
                message = env._(
                    "Google Calendar was not connected: %(error)s", error=str(exc)
                )
        return request.make_response(
            Markup("<!DOCTYPE html><html><body><p>%s</p></body></html>")
            % escape(message),
            headers=[("Content-Type", "text/html; charset=utf-8")],
        )
