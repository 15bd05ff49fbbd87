from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

WINDOW = timedelta(minutes=15)
MAX_PER_LOGIN = 5
MAX_PER_IP = 30


class CalendocLoginFailure(models.Model):
    """Failed logins, kept in the database so that the throttle holds whatever
    worker or server answers (Odoo's own cooldown is per process)."""

    _name = "calendoc.login.failure"
    _description = "Failed login"
    _log_access = False

    login = fields.Char(index=True)
    ip = fields.Char(index=True)
    date = fields.Datetime(required=True, index=True)

    @api.model
    def _too_many(self, login, ip):
        since = fields.Datetime.now() - WINDOW
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*) FILTER (WHERE login = %(login)s),
                       count(*) FILTER (WHERE ip = %(ip)s)
                  FROM calendoc_login_failure
                 WHERE date > %(since)s AND (login = %(login)s OR ip = %(ip)s)
                """,
                login=login,
                ip=ip,
                since=since,
            )
        )
        per_login, per_ip = self.env.cr.fetchone()
        return per_login >= MAX_PER_LOGIN or per_ip >= MAX_PER_IP

    @api.model
    def _record(self, login, ip):
        self.create({"login": login, "ip": ip, "date": fields.Datetime.now()})

    @api.model
    def _forget(self, login):
        """A successful login clears the login's failures (not the IP's)."""
        self.search([("login", "=", login)]).unlink()
