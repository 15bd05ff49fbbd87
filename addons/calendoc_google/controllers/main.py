import logging

from markupsafe import Markup, escape
from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.calendoc_agenda.tools.params import parse_text

from ..tools.google_client import GoogleError

_logger = logging.getLogger(__name__)
# the longest OAuth consent code accepted (Google's are about 100 characters)
MAX_CODE = 2048


class CalendocGoogleController(http.Controller):
    @http.route(
        "/calendoc_google/notify",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
    )
    def notify(self, **_kwargs):
        """Google's push notification: a watched calendar changed. Nothing is
        read here (Google wants a quick answer): the connection is marked and
        the pull cron triggered, which runs within seconds."""
        headers = request.httprequest.headers
        # sudo: Google calls without a session; the channel id and its secret
        # token, given to Google by our events.watch, identify the calendar.
        calendar = (
            request.env["calendoc.google.calendar"]
            .sudo()
            ._google_notified(
                headers.get("X-Goog-Channel-ID"), headers.get("X-Goog-Channel-Token")
            )
        )
        if not calendar:
            raise NotFound()
        if headers.get("X-Goog-Resource-State") != "sync" and calendar.read_busy:
            calendar.connection_id.pull_requested = True
            request.env.ref(
                "calendoc_google.ir_cron_google_pull_notified"
            ).sudo()._trigger()
        return request.make_response("", status=200)

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
        # what Google sends back: a consent code, or why there is none
        code = parse_text(code, MAX_CODE)
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
