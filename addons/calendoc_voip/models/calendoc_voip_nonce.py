from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Signed requests older or newer than this are refused; nonces are kept as long.
MAX_SKEW_SECONDS = 300


class CalendocVoipNonce(models.Model):
    """Nonces of the signed requests the bridge sent, kept in the database so that
    a replay is refused by every worker, for as long as its timestamp is valid."""

    _name = "calendoc.voip.nonce"
    _description = "Nonce of a signed telephony request"
    _log_access = False

    nonce = fields.Char(required=True)
    received = fields.Datetime(required=True, default=fields.Datetime.now)

    _sql_constraints = [
        ("nonce_uniq", "unique (nonce)", "A nonce is used once."),
    ]

    @api.model
    def _use(self, nonce):
        """Record ``nonce``; False when it was already used (a replay)."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO calendoc_voip_nonce (nonce, received) "
                "VALUES (%s, now() AT TIME ZONE 'UTC') "
                "ON CONFLICT (nonce) DO NOTHING RETURNING id",
                nonce,
            )
        )
        return bool(self.env.cr.fetchone())

    @api.autovacuum
    def _gc_nonces(self):
        limit = fields.Datetime.now() - timedelta(seconds=2 * MAX_SKEW_SECONDS)
        self.env.cr.execute(
            SQL("DELETE FROM calendoc_voip_nonce WHERE received < %s", limit)
        )
