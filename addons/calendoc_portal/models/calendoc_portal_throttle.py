from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Default limits, overridable with the system parameters of the same name
# (calendoc_portal.<key>). Windows are sliding.
LIMITS = {
    # booking attempts (confirm, cancel, move) from one address
    "limit_ip": (20, timedelta(hours=1)),
    # booking attempts for one phone number
    "limit_phone": (5, timedelta(days=1)),
    # slot pages from one address
    "limit_ip_pages": (300, timedelta(minutes=10)),
    # client sign-ups submitted from one address
    "limit_signup_ip": (10, timedelta(hours=1)),
}


class CalendocPortalThrottle(models.Model):
    """Requests of the public booking pages, counted per address and per phone
    number in the database, so that the limits hold whatever worker or server
    answers. Each hit is written and counted in a transaction of its own,
    serialised per key by an advisory lock: it counts even when the booking it
    guards fails, and concurrent requests cannot both slip under the limit."""

    _name = "calendoc.portal.throttle"
    _description = "Online booking request (rate limit)"
    _log_access = False

    key = fields.Char(required=True, index=True)
    date = fields.Datetime(required=True, index=True)

    @api.model
    def _limit(self, kind):
        limit, window = LIMITS[kind]
        # sudo: the limits are system parameters, read for any visitor
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"calendoc_portal.{kind}", limit)
        )
        try:
            return int(value), window
        except ValueError:
            return limit, window

    @api.model
    def _hit(self, kind, value):
        """Record one request of ``kind`` for ``value`` (an address, a phone
        number) and say whether it is over the limit (then it is refused and not
        counted)."""
        limit, window = self._limit(kind)
        key = f"{kind}:{value}"
        now = fields.Datetime.now()
        with self.env.registry.cursor() as cr:
            cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", key))
            cr.execute(
                SQL(
                    "SELECT count(*) FROM calendoc_portal_throttle "
                    "WHERE key = %s AND date > %s",
                    key,
                    now - window,
                )
            )
            if cr.fetchone()[0] >= limit:
                return True
            cr.execute(
                SQL(
                    "INSERT INTO calendoc_portal_throttle (key, date) VALUES (%s, %s)",
                    key,
                    now,
                )
            )
        return False

    @api.autovacuum
    def _gc_old_hits(self):
        longest = max(window for _limit, window in LIMITS.values())
        self.env.cr.execute(
            SQL(
                "DELETE FROM calendoc_portal_throttle WHERE date < %s",
                fields.Datetime.now() - longest,
            )
        )
