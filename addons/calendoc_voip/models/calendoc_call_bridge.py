import json
import urllib.error
import urllib.request

from odoo import models
from odoo.exceptions import UserError

from ..bridge.signing import signed_headers
from .calendoc_call import _logger
from .res_config_settings import PARAM_BRIDGE_URL, PARAM_SECRET

BRIDGE_TIMEOUT = 5


class CalendocCall(models.Model):
    """Click-to-call: the one method that asks the PBX to place a call."""

    _inherit = "calendoc.call"

    # --- hook: replaced to place calls through another PBX (readme/DEVELOP.md) --
    def _calendoc_dial(self, endpoint):
        """Place this outgoing call: ring ``endpoint`` (the secretary's phone,
        a ``calendoc.sip.endpoint``), then call ``called_number`` with
        ``caller_number`` (the practice line) as caller id. Raises
        ``UserError`` when the call cannot be placed. The PBX then reports the
        call through the event API (``/calendoc_voip/event``, ``call_id`` =
        ``sip_call_id``, ``direction`` "out"), which completes the call log.

        Here: CalenDoc's bridge (its SIP side, or Asterisk through ARI), by a
        signed POST to its ``/originate``. An addon for another PBX overrides
        this method, without calling ``super()``."""
        self.ensure_one()
        # sudo: the secret and URL are system parameters; the user never sees them
        params = self.env["ir.config_parameter"].sudo()
        url = (params.get_param(PARAM_BRIDGE_URL) or "").rstrip("/")
        secret = params.get_param(PARAM_SECRET)
        if not url or not secret:
            raise UserError(
                self.env._("Telephony is not configured: no bridge URL or secret.")
            )
        body = json.dumps(
            {
                "call_id": self.sip_call_id,
                "extension": endpoint.extension,
                "contact": endpoint.contact_uri or "",
                "auto_answer": endpoint.auto_answer,
                "number": self.called_number,
                "caller_id": self.caller_number,
            }
        ).encode()
        request = urllib.request.Request(
            f"{url}/originate",
            data=body,
            headers=signed_headers(secret, body),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=BRIDGE_TIMEOUT) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            _logger.warning(
                "bridge refused call %s: HTTP %s", self.sip_call_id, error.code
            )
            raise UserError(
                self.env._(
                    "The telephony bridge refused the call (HTTP %(status)s).",
                    status=error.code,
                )
            ) from error
        except (urllib.error.URLError, OSError) as error:
            _logger.warning("bridge unreachable for %s: %s", self.sip_call_id, error)
            raise UserError(
                self.env._("The telephony bridge cannot be reached; try again.")
            ) from error
