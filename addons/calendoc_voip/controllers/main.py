import json
import logging

from odoo import http
from odoo.http import request
from odoo.tools import consteq

from ..bridge.signing import verify
from ..models.calendoc_call import VoipEventError
from ..models.calendoc_voip_nonce import MAX_SKEW_SECONDS
from ..models.res_config_settings import PARAM_SECRET

_logger = logging.getLogger(__name__)


class CalendocVoipController(http.Controller):
    @http.route(
        "/calendoc_voip/event",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # auth="none" routes are read-only by default: this one records events
        readonly=False,
    )
    def call_event(self, **_kwargs):
        """A call event from the bridge, HMAC-signed (see bridge/signing.py).

        401 unsigned or badly signed, 409 replayed nonce, 400 malformed event,
        404 unknown line or call; 200 with what the bridge must do."""
        body = request.httprequest.get_data()
        env = request.env
        # sudo: the shared secret is a system parameter; the caller is the
        # bridge, authenticated below by its signature, not a user
        secret = env["ir.config_parameter"].sudo().get_param(PARAM_SECRET)
        if not secret:
            _logger.warning("call event refused: no shared secret configured")
            return self._answer(503, "telephony is not configured")
        ok, reason, nonce = verify(
            secret, request.httprequest.headers, body, MAX_SKEW_SECONDS, compare=consteq
        )
        if not ok:
            _logger.warning(
                "call event refused from %s: %s",
                request.httprequest.remote_addr,
                reason,
            )
            return self._answer(401, reason)
        if not env["calendoc.voip.nonce"].sudo()._use(nonce):
            _logger.warning(
                "call event refused from %s: replayed nonce",
                request.httprequest.remote_addr,
            )
            return self._answer(409, "replayed request")
        try:
            payload = json.loads(body)
        except ValueError:
            _logger.warning("call event refused: body is not JSON")
            return self._answer(400, "the body is not JSON")
        try:
            with env.cr.savepoint():
                # sudo: the signed bridge acts for the firm; what it may do is
                # limited to recording call events and routing them
                result = env["calendoc.call"].sudo()._ingest_event(payload)
        except VoipEventError as error:
            _logger.warning("call event refused: %s", error.message)
            return self._answer(error.status, error.message)
        return request.make_json_response(result)

    def _answer(self, status, message):
        return request.make_json_response({"error": message}, status=status)
