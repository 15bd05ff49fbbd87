import contextlib

from odoo import api, fields, models
from odoo.exceptions import AccessDenied, ValidationError
from odoo.http import request


class ResUsers(models.Model):
    _inherit = "res.users"

    calendoc_sees_all_accounts = fields.Boolean(
        string="Sees every client account",
        compute="_compute_calendoc_sees_all_accounts",
        help="Secretariat managers and auditors see every client account; record "
        "rules read it.",
    )

    def _compute_calendoc_sees_all_accounts(self):
        for user in self:
            user.calendoc_sees_all_accounts = user.has_group(
                "calendoc_agenda.group_calendoc_manager"
            ) or user.has_group("calendoc_agenda.group_calendoc_auditor")


class ResUsersPermanence(models.Model):
    """Permanence login (terms, article 10): a client's users sign in with the
    permanence code of their account, a user id chosen by the client and their
    password. The user id is unique within a permanence only, so the Odoo login
    is stored as ``CODE/userid``; the secretariat's staff keep plain logins."""

    _inherit = "res.users"

    calendoc_permanence_account_id = fields.Many2one(
        "res.partner",
        string="Permanence",
        domain=[("is_calendoc_client", "=", True)],
        help="The client account whose permanence code this user signs in with.",
    )
    calendoc_permanence_login = fields.Char(
        string="User id in the permanence",
        help="Chosen by the client; two permanences may both have a 'secretariat1'.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._calendoc_compose_login(vals)
        return super().create(vals_list)

    def write(self, vals):
        if {"calendoc_permanence_account_id", "calendoc_permanence_login"} & set(vals):
            for user in self:
                user_vals = dict(vals)
                user_vals.setdefault(
                    "calendoc_permanence_account_id",
                    user.calendoc_permanence_account_id.id,
                )
                user_vals.setdefault(
                    "calendoc_permanence_login", user.calendoc_permanence_login
                )
                self._calendoc_compose_login(user_vals)
                super(ResUsersPermanence, user).write(user_vals)
            return True
        return super().write(vals)

    @api.model
    def _calendoc_compose_login(self, vals):
        account_id = vals.get("calendoc_permanence_account_id")
        user_id = (vals.get("calendoc_permanence_login") or "").strip()
        if not account_id and not user_id:
            return
        account = (
            self.env["res.partner"].sudo().browse(account_id)
        )  # sudo: the code only
        if not account.calendoc_permanence_code or not user_id or "/" in user_id:
            raise ValidationError(
                self.env._(
                    "A permanence login needs a client account with a permanence code "
                    "and a user id without '/'."
                )
            )
        vals["calendoc_permanence_login"] = user_id.lower()
        vals["login"] = self._calendoc_login(account.calendoc_permanence_code, user_id)

    @api.model
    def _calendoc_login(self, code, user_id):
        return f"{code.strip().upper()}/{user_id.strip().lower()}"

    @contextlib.contextmanager
    def _assert_can_auth(self, user=None):
        """Throttle failed logins per login (permanence + user id) and per IP in
        the database, so that the limit holds across workers and servers."""
        if not request:
            with super()._assert_can_auth(user=user):
                yield
            return
        ip = request.httprequest.remote_addr or "?"
        login = (
            (user or "").strip().lower() if isinstance(user, str) else str(user or "")
        )
        Failure = self.env["calendoc.login.failure"].sudo()
        if Failure._too_many(login, ip):
            raise AccessDenied(
                self.env._(
                    "Too many login failures, please wait a bit before trying again."
                )
            )
        try:
            with super()._assert_can_auth(user=user):
                yield
        except AccessDenied:
            Failure._record(login, ip)
            raise
        else:
            Failure.search([("login", "=", login)]).unlink()
