from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import AccessDenied, ValidationError
from odoo.http import request

from ..tools.params import parse_text

# the longest password passlib hashes or checks
MAX_PASSWORD_BYTES = 4096


# CalenDoc's roles (calendoc_role) and the group each stands for
ROLE_GROUPS = {
    "manager": "calendoc_agenda.group_calendoc_manager",
    "secretary": "calendoc_agenda.group_calendoc_secretary",
    "practitioner": "calendoc_agenda.group_calendoc_practitioner",
    "auditor": "calendoc_agenda.group_calendoc_auditor",
    "portal_client": "calendoc_agenda.group_calendoc_portal_client",
    "portal_practitioner": "calendoc_agenda.group_calendoc_portal_practitioner",
}
PORTAL_ROLES = ("portal_client", "portal_practitioner")


class ResUsers(models.Model):
    _inherit = "res.users"
    # Tenant isolation: a client's users (portal users under the account) are
    # the account's data; the firm's staff belong to no account.
    _calendoc_account_link = "partner_id.commercial_partner_id"
    _calendoc_rule_fields = ("partner_id",)

    calendoc_changes_all_accounts = fields.Boolean(
        string="Changes every client account",
        compute="_compute_calendoc_sees_all_accounts",
        help="Secretariat managers (auditors only read).",
    )
    calendoc_sees_all_accounts = fields.Boolean(
        string="Sees every client account",
        compute="_compute_calendoc_sees_all_accounts",
        help="Secretariat managers and auditors see every client account; record "
        "rules read it.",
    )

    calendoc_account_scoped = fields.Boolean(
        string="Limited to the client accounts served",
        compute="_compute_calendoc_sees_all_accounts",
        help="Secretaries and practitioners (back office or portal) reach the "
        "client accounts they serve only; the firm's other staff (accounting, "
        "sales) read client accounts as Odoo lets them, never requesters.",
    )

    calendoc_role = fields.Selection(
        [
            ("manager", "Secretariat manager"),
            ("secretary_practitioner", "Secretary and practitioner"),
            ("secretary", "Secretary"),
            ("practitioner", "Practitioner"),
            ("auditor", "Auditor (read only)"),
            ("portal_client", "Client account administrator (portal)"),
            ("portal_practitioner", "Practitioner or assistant (portal)"),
        ],
        string="CalenDoc role",
        compute="_compute_calendoc_role",
        compute_sudo=True,
        inverse="_inverse_calendoc_role",
        help="What the user does in CalenDoc. The firm's staff hold the first "
        "roles; a client's users (portal) the last two. Choosing a portal role "
        "makes the user a portal user, choosing a staff role an internal user.",
    )

    @api.depends("groups_id")
    def _compute_calendoc_role(self):
        # read from the groups as the form holds them (the user type may have
        # just been changed there): a portal user keeps the portal role that
        # stands for his CalenDoc role, so that choosing "Portal" keeps it
        portal = self.env.ref("base.group_portal")
        for user in self:
            # ids of the groups, whether the form's (new records) or stored
            groups = user.groups_id | user.groups_id.trans_implied_ids
            group_ids = set(groups._origin.ids)
            held = {
                role
                for role, xmlid in ROLE_GROUPS.items()
                if self.env.ref(xmlid).id in group_ids
            }
            if portal.id in group_ids:
                if "portal_client" in held:
                    user.calendoc_role = "portal_client"
                elif held & {"portal_practitioner", "practitioner"}:
                    user.calendoc_role = "portal_practitioner"
                else:
                    user.calendoc_role = False
                continue
            held -= {"portal_client", "portal_practitioner"}
            if "manager" in held:
                user.calendoc_role = "manager"
            elif {"secretary", "practitioner"} <= held:
                user.calendoc_role = "secretary_practitioner"
            else:
                user.calendoc_role = next(
                    (role for role in ROLE_GROUPS if role in held), False
                )

    def _inverse_calendoc_role(self):
        """Give each user the groups of his role, and the user type it needs
        (a portal role makes a portal user, a staff role an internal user).
        Under the writer's own rights: only who may change users' groups
        (administrators) changes roles. (Writes convert the role into groups
        before Odoo's, see ``write``; this runs when a user is created.)"""
        for user in self:
            user.write({"groups_id": self._calendoc_role_commands(user.calendoc_role)})

    def write(self, vals):
        if "calendoc_role" in vals:
            # the role's groups join the groups written with it (the user type
            # chosen in the form): when Odoo makes an internal user a portal
            # user it keeps the groups of that same write only
            vals = self._remove_reified_groups(dict(vals))
            commands = self._calendoc_role_commands(vals.pop("calendoc_role"))
            vals["groups_id"] = [*(vals.get("groups_id") or []), *commands]
        return super().write(vals)

    @api.model
    def _calendoc_role_commands(self, role):
        """The commands on ``groups_id`` that give a user ``role`` (a key of
        calendoc_role, or nothing) and only it among CalenDoc's roles."""
        wanted = (
            ["secretary", "practitioner"]
            if role == "secretary_practitioner"
            else [role]
            if role
            else []
        )
        commands = [
            Command.unlink(self.env.ref(xmlid).id) for xmlid in ROLE_GROUPS.values()
        ]
        internal = self.env.ref("base.group_user")
        portal = self.env.ref("base.group_portal")
        if role in PORTAL_ROLES:
            commands += [Command.unlink(internal.id), Command.link(portal.id)]
        elif role:
            commands += [Command.unlink(portal.id), Command.link(internal.id)]
        return commands + [
            Command.link(self.env.ref(ROLE_GROUPS[name]).id) for name in wanted
        ]

    def _compute_calendoc_sees_all_accounts(self):
        for user in self:
            manager = user.has_group("calendoc_agenda.group_calendoc_manager")
            sees_all = manager or user.has_group(
                "calendoc_agenda.group_calendoc_auditor"
            )
            user.calendoc_changes_all_accounts = manager
            user.calendoc_sees_all_accounts = sees_all
            user.calendoc_account_scoped = not sees_all and any(
                user.has_group(group)
                for group in (
                    "calendoc_agenda.group_calendoc_secretary",
                    "calendoc_agenda.group_calendoc_practitioner",
                    "calendoc_agenda.group_calendoc_portal_practitioner",
                )
            )


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

    @api.onchange("calendoc_permanence_account_id", "calendoc_permanence_login")
    def _onchange_calendoc_permanence(self):
        # the login the user will sign in with, shown as soon as both are
        # chosen (create and write compose it again)
        code = self.calendoc_permanence_account_id.calendoc_permanence_code
        user_id = (self.calendoc_permanence_login or "").strip()
        if code and user_id and "/" not in user_id:
            self.login = self._calendoc_login(code, user_id)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._calendoc_compose_login(vals)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("notification_type") == "inbox" and any(self.mapped("share")):
            # said plainly rather than by PostgreSQL's check constraint
            raise ValidationError(
                self.env._("Portal users are notified by e-mail only.")
            )
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

    @classmethod
    def _login(cls, db, credential, user_agent_env):
        """Throttle failed logins per login (permanence + user id) and per IP in
        the database, so that the limit holds across workers and servers. The
        login's own transaction is rolled back when it fails: failures are
        counted and recorded in transactions of their own."""
        if not request or credential.get("type", "password") != "password":
            return super()._login(db, credential, user_agent_env)
        # a login or a password that cannot be one (missing, not text, a NUL
        # byte in the login, too long) fails like a wrong password, before
        # any query: PostgreSQL refuses NUL bytes, Odoo's own _login needs a
        # login and a password, and passlib refuses passwords over 4 kB
        login = (parse_text(credential.get("login")) or "").strip().lower()
        password = credential.get("password")
        if (
            not login
            or not isinstance(password, str)
            or not password
            or len(password.encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES
        ):
            raise AccessDenied()
        return cls._calendoc_throttled(
            cls.pool,
            login,
            lambda: super(ResUsersPermanence, cls)._login(
                db, credential, user_agent_env
            ),
        )

    def _totp_check(self, code):
        """A wrong second-factor code (authenticator or e-mailed) counts as a
        failed login in the database throttle, per user and per address, as a
        wrong password does. Its failures are kept under a key of their own:
        signing in again with the right password does not clear them, so the
        password does not buy more guesses of the code."""
        if not request:
            return super()._totp_check(code)
        # sudo: the user signing in has no session yet (public request)
        key = f"2fa:{self.sudo().login.strip().lower()}"
        return self._calendoc_throttled(
            self.pool, key, lambda: super(ResUsersPermanence, self)._totp_check(code)
        )

    @classmethod
    def _calendoc_throttled(cls, pool, key, attempt):
        """Run ``attempt`` (a sign-in step) unless ``key`` or the request's
        address failed too often: a failure is recorded, a success clears the
        key's failures, each in a transaction of its own (the sign-in's own is
        rolled back when it fails), in the database so that the limit holds
        across workers and servers."""
        ip = request.httprequest.remote_addr or "?"

        def failures(cr):
            return api.Environment(cr, SUPERUSER_ID, {})["calendoc.login.failure"]

        with pool.cursor() as cr:
            if failures(cr)._too_many(key, ip):
                raise AccessDenied(
                    failures(cr).env._(
                        "Too many login failures, please wait a bit before trying again."
                    )
                )
        try:
            result = attempt()
        except AccessDenied:
            with pool.cursor() as cr:
                failures(cr)._record(key, ip)
            raise
        with pool.cursor() as cr:
            failures(cr)._forget(key)
        return result


class ResUsersHome(models.Model):
    """Secretaries and practitioners land on the day board: it becomes their
    home action when they are given the role (unless they already have one)."""

    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._calendoc_set_home_action()
        return users

    def write(self, vals):
        result = super().write(vals)
        if any(
            key == "groups_id" or key.startswith(("in_group_", "sel_groups_"))
            for key in vals
        ):
            self._calendoc_set_home_action()
        return result

    def _calendoc_set_home_action(self):
        """Give the internal secretaries and practitioners among these users the
        day board as home action, unless they have one."""
        action = self.env.ref("calendoc_agenda.calendoc_board_action", False)
        if not action:
            return  # the module's data is not loaded yet (installation)
        users = self.filtered(
            lambda user: (
                not user.share
                and not user.action_id
                and (
                    user.has_group("calendoc_agenda.group_calendoc_secretary")
                    or user.has_group("calendoc_agenda.group_calendoc_practitioner")
                )
            )
        )
        if users:
            # sudo: whoever gives the role (a CalenDoc manager, who may not
            # read client actions) sets this home action, our own board, and
            # nothing else
            users.sudo().write({"action_id": action.id})
