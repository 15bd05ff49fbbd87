import json
import logging

from odoo import http
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.calendoc_agenda.tools.params import parse_text

from ..bridge.signing import verify
from ..models.calendoc_call import VoipEventError
from ..models.calendoc_pbx import MAX_DETAIL, STATUSES
from ..models.calendoc_voip_nonce import MAX_SKEW_SECONDS
from ..models.res_config_settings import PARAM_SECRET

_logger = logging.getLogger(__name__)
# The most events one request of the bridge may carry.
MAX_EVENTS = 50


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
        refused, payload = self._signed_payload("call event")
        if refused:
            return refused
        status, result = self._ingest(payload)
        return request.make_json_response(result, status=status)

    @http.route(
        "/calendoc_voip/events",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def call_events(self, **_kwargs):
        """Several call events in one signed request (``{"events": [...]}``, at
        most ``MAX_EVENTS``): what the bridge had waiting while Odoo was busy
        or away. Each is recorded as by ``/calendoc_voip/event``, in order and
        on its own (a refused one leaves the others recorded); 200 with
        ``{"results": [{"status", "answer"}]}`` in the same order."""
        refused, payload = self._signed_payload("call events")
        if refused:
            return refused
        events = isinstance(payload, dict) and payload.get("events")
        if not isinstance(events, list) or not 0 < len(events) <= MAX_EVENTS:
            return self._answer(400, f"events: a list of 1 to {MAX_EVENTS} events")
        results = []
        for event in events:
            status, answer = self._ingest(event)
            results.append({"status": status, "answer": answer})
        return request.make_json_response({"results": results})

    def _ingest(self, payload):
        """(HTTP status, answer) of one call event."""
        env = request.env
        try:
            with env.cr.savepoint():
                # sudo: the signed bridge acts for the firm; what it may do is
                # limited to recording call events and routing them
                return 200, env["calendoc.call"].sudo()._ingest_event(payload)
        except VoipEventError as error:
            _logger.warning("call event refused: %s", error.message)
            return error.status, {"error": error.message}

    @http.route(
        "/calendoc_voip/sip_credentials",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # the nonce is recorded
    )
    def sip_credentials(self, **_kwargs):
        """The digest HA1 of a phone, for the bridge's registrar; HMAC-signed
        like the events. 404 unknown extension; ``ha1`` null when the phone
        has no password."""
        refused, payload = self._signed_payload("credentials request")
        if refused:
            return refused
        extension = isinstance(payload, dict) and parse_text(payload.get("extension"))
        realm = isinstance(payload, dict) and parse_text(payload.get("realm"))
        if not extension or realm is None:
            return self._answer(400, "extension and realm are required")
        found, ha1 = request.env["calendoc.sip.endpoint"]._digest_ha1(extension, realm)
        if not found:
            return self._answer(404, f"unknown extension {extension!r}")
        return request.make_json_response({"ha1": ha1})

    @http.route(
        "/calendoc_voip/pbx_config",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # the nonce is recorded
    )
    def pbx_config(self, **_kwargs):
        """The configuration of a PBX connection (``{"pbx": id or name}``),
        for the bridge starting; HMAC-signed like the events. The ARI password
        leaves Odoo only here. 404 unknown or archived PBX."""
        refused, payload = self._signed_payload("PBX configuration request")
        if refused:
            return refused
        reference = payload.get("pbx") if isinstance(payload, dict) else None
        if isinstance(reference, bool) or not (
            isinstance(reference, int) or parse_text(reference)
        ):
            return self._answer(400, "pbx (id or name) is required")
        config = request.env["calendoc.pbx"]._bridge_config(reference)
        if config is None:
            _logger.warning("PBX configuration refused: no PBX %.80r", reference)
            return self._answer(404, f"no PBX connection {reference!r:.80}")
        _logger.info("PBX configuration of %s sent to the bridge", config["name"])
        return request.make_json_response(config)

    @http.route(
        "/calendoc_voip/pbx_status",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def pbx_status(self, **_kwargs):
        """The bridge reports its link to a PBX (``{"pbx": id, "status":
        "connected"|"disconnected", "detail": "..."}``), signed."""
        refused, payload = self._signed_payload("PBX status")
        if refused:
            return refused
        payload = payload if isinstance(payload, dict) else {}
        pbx_id = payload.get("pbx")
        status = parse_text(payload.get("status"))
        detail = parse_text(payload.get("detail", ""), max_length=MAX_DETAIL)
        if (
            not isinstance(pbx_id, int)
            or isinstance(pbx_id, bool)
            or status not in STATUSES
            or detail is None
        ):
            return self._answer(400, "pbx (id) and status are required")
        # an id no record can have (-1, 2**40) names no PBX: 404 as any other
        if not request.env["calendoc.pbx"]._bridge_status(pbx_id, status, detail):
            return self._answer(404, f"no PBX connection {pbx_id!r:.20}")
        return request.make_json_response({"ok": True})

    def _signed_payload(self, what):
        """(refusal response or None, JSON payload) of a request of the bridge:
        401 unsigned or badly signed, 409 replayed nonce, 400 not JSON."""
        body = request.httprequest.get_data()
        env = request.env
        # sudo: the shared secret is a system parameter; the caller is the
        # bridge, authenticated below by its signature, not a user
        secret = env["ir.config_parameter"].sudo().get_param(PARAM_SECRET)
        if not secret:
            _logger.warning("%s refused: no shared secret configured", what)
            return self._answer(503, "telephony is not configured"), None
        ok, reason, nonce = verify(
            secret, request.httprequest.headers, body, MAX_SKEW_SECONDS, compare=consteq
        )
        if not ok:
            _logger.warning(
                "%s refused from %s: %s", what, request.httprequest.remote_addr, reason
            )
            return self._answer(401, reason), None
        if not env["calendoc.voip.nonce"].sudo()._use(nonce):
            _logger.warning(
                "%s refused from %s: replayed nonce",
                what,
                request.httprequest.remote_addr,
            )
            return self._answer(409, "replayed request"), None
        try:
            return None, json.loads(body)
        except ValueError:
            _logger.warning("%s refused: body is not JSON", what)
            return self._answer(400, "the body is not JSON"), None

    def _answer(self, status, message):
        return request.make_json_response({"error": message}, status=status)
