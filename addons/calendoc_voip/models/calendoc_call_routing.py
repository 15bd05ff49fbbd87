from odoo import models
from odoo.tools import SQL

from .calendoc_call import ACCOUNT_FIELDS, _logger

# How long the secretaries' phones ring before the caller is told nobody
# answers (system parameter calendoc_voip.ring_seconds).
RING_TIMEOUT = 30
# Seconds before the overflow secretaries' phones ring too (queue).
OVERFLOW_SECONDS = 15


class CalendocCall(models.Model):
    """Who rings for an incoming call: the on-duty secretaries who reach the
    account's calls, their phones, the overflow delay and the ring time."""

    _inherit = "calendoc.call"

    def _routing(self, scopes=("calls",)):
        """(secretaries to ring, those of them whose phone rings only after the
        overflow delay: no duty line of theirs rings at once, {secretary: the
        ``scopes`` she reaches on the call's account}).

        Secretaries to ring are the on-duty users who reach the account's calls."""
        self.ensure_one()
        duties = self.env["calendoc.duty"]._on_duty(self.practice_id)
        # what routing and the rights read of the users, not every column
        duties.user_id.fetch(["active", "partner_id"])
        duties.user_id.partner_id.fetch(["commercial_partner_id"])
        users = duties.user_id.filtered("active")
        at_once = duties.filtered(lambda duty: not duty.overflow).user_id
        reach = self._scopes_of(users, {"calls", *scopes})
        allowed = users.filtered(lambda user: "calls" in reach[user.id])
        return allowed, allowed - at_once, reach

    def _scopes_of(self, users, scopes):
        """{user id: the ``scopes`` each of ``users`` reaches now on this call's
        account}, in one query whatever the number of users and scopes: each
        test is the SQL the record rules' account search is made of, for that
        user (``res.partner._calendoc_reached_accounts_sql``)."""
        self.ensure_one()
        account = self.account_id
        account.fetch(ACCOUNT_FIELDS)
        reach = {user.id: set() for user in users}
        if not account.active:
            return reach
        tests, keys = [], []
        for user in users:
            # sudo: the rights of that secretary are read from the uid of
            # with_user(), not from the record rules of the system
            partners = self.env["res.partner"].with_user(user).sudo()
            for scope in sorted(scopes):
                accounts = partners._calendoc_reached_accounts_sql(scope)
                tests.append(
                    SQL("TRUE")
                    if accounts is None
                    else SQL("%s IN %s", account.id, accounts)
                )
                keys.append((user.id, scope))
        if tests:
            self.env.cr.execute(SQL("SELECT %s", SQL(", ").join(tests)))
            for (user_id, scope), ok in zip(keys, self.env.cr.fetchone(), strict=True):
                if ok:
                    reach[user_id].add(scope)
        return reach

    def _ring_plan(self, secretaries, overflow_users):
        """(the phones of ``secretaries`` as the bridge rings them, each with
        its delay: the overflow delay for ``overflow_users``, none for the
        others; how long they ring before the caller is told nobody answers)."""
        endpoints = self.env["calendoc.sip.endpoint"].search_fetch(
            [("user_id", "in", secretaries.ids)],
            ["extension", "contact_uri", "auto_answer", "user_id"],
        )
        overflow = self._overflow_delay()
        targets = [
            {
                "extension": endpoint.extension,
                "contact": endpoint.contact_uri or "",
                "auto_answer": endpoint.auto_answer,
                "delay": overflow if endpoint.user_id in overflow_users else 0,
            }
            for endpoint in endpoints
        ]
        ring_timeout = self._seconds_param(
            "calendoc_voip.ring_seconds", RING_TIMEOUT, minimum=1
        ) + (overflow if overflow_users else 0)
        return targets, ring_timeout

    def _overflow_delay(self):
        return self._seconds_param("calendoc_voip.overflow_seconds", OVERFLOW_SECONDS)

    def _seconds_param(self, key, default, minimum=0):
        """A number of seconds set as the system parameter ``key`` (``default``
        when unset or not a number)."""
        # sudo: a system parameter the bridge's routing reads
        value = self.env["ir.config_parameter"].sudo().get_param(key, default)
        try:
            return max(minimum, int(value))
        except ValueError:
            _logger.warning("%s is not a number of seconds: %r", key, value)
            return default
