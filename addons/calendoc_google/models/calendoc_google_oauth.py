import json
from urllib.parse import urlencode

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools.misc import hmac

from ..tools.google_client import (
    DEFAULT_API_URL,
    DEFAULT_AUTH_URL,
    DEFAULT_TOKEN_URL,
    SCOPE,
    GoogleCalendarClient,
)


class CalendocGoogleOAuth(models.AbstractModel):
    """CalenDoc's OAuth 2.0 client at Google, as ``google.service`` is Odoo's:
    its settings (system parameters), the consent link and the signature of its
    state, and the HTTP clients made with them. The tokens themselves are the
    connections'; ``google-auth`` refreshes them inside the client.

    The system parameters are read with sudo(): they are the administrators',
    and what is read here is only sent to Google, never shown."""

    _name = "calendoc.google.oauth"
    _description = "Google OAuth 2.0 client of CalenDoc"

    @api.model
    def _client_credentials(self):
        """(client id, client secret) of the OAuth client."""
        params = self.env["ir.config_parameter"].sudo()
        # Odoo's own google_calendar settings serve when ours are empty.
        return (
            params.get_param("calendoc_google.client_id")
            or params.get_param("google_calendar_client_id"),
            params.get_param("calendoc_google.client_secret")
            or params.get_param("google_calendar_client_secret"),
        )

    @api.model
    def _new_client(self, **credentials):
        """A client with the configured URLs, OAuth client, retries and timeout."""
        params = self.env["ir.config_parameter"].sudo()
        client_id, client_secret = self._client_credentials()
        return GoogleCalendarClient(
            api_url=params.get_param("calendoc_google.api_url") or DEFAULT_API_URL,
            token_url=params.get_param("calendoc_google.token_url")
            or DEFAULT_TOKEN_URL,
            client_id=client_id,
            client_secret=client_secret,
            max_tries=int(params.get_param("calendoc_google.max_tries", 5)),
            backoff=float(params.get_param("calendoc_google.backoff", 1.0)),
            timeout=int(params.get_param("calendoc_google.timeout", 10)),
            **credentials,
        )

    @api.model
    def _service_account_key(self):
        """The firm's service account key (the JSON file Google gives)."""
        raw = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("calendoc_google.service_account_key")
        )
        try:
            key = json.loads(raw or "")
        except ValueError:
            key = None
        if not (
            isinstance(key, dict) and key.get("client_email") and key.get("private_key")
        ):
            raise UserError(
                self.env._(
                    "Paste the JSON key of the Google service account in the "
                    "CalenDoc settings first."
                )
            )
        return key

    @api.model
    def _redirect_uri(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return f"{base}/calendoc_google/oauth"

    @api.model
    def _state_signature(self, connection_id):
        # HMAC with the database secret: only our "Connect" button makes it
        return hmac(self.env(su=True), "calendoc_google_oauth", connection_id)

    @api.model
    def _consent_url(self, state):
        """Google's consent screen for the Calendar scope, asking for a refresh
        token (offline access, consent prompted again so that one is given);
        Google sends the browser back to our callback route with ``state``."""
        client_id = self._client_credentials()[0]
        if not client_id:
            raise UserError(
                self.env._(
                    "Set the Google OAuth client id and secret in the CalenDoc "
                    "settings first."
                )
            )
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": self._redirect_uri(),
            "scope": SCOPE,
            "access_type": "offline",
            "prompt": "consent",
            "state": state,
        }
        params = self.env["ir.config_parameter"].sudo()
        auth_url = params.get_param("calendoc_google.auth_url") or DEFAULT_AUTH_URL
        return f"{auth_url}?{urlencode(query)}"
