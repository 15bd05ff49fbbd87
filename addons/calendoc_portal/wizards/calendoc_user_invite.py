from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize

from odoo.addons.auth_signup.models.res_partner import SignupError
from odoo.addons.base.models.res_partner import _lang_get
from odoo.addons.calendoc_agenda.tools.params import check_text

# a user id is typed at each sign-in: short
MAX_USER_ID = 64
# the CalenDoc group each role of an invited user gets (portal users all)
INVITE_ROLES = {
    "client_admin": "calendoc_agenda.group_calendoc_portal_client",
    "practitioner": "calendoc_agenda.group_calendoc_portal_practitioner",
    "assistant": "calendoc_agenda.group_calendoc_portal_practitioner",
}


class CalendocUserInvite(models.TransientModel):
    """Invite a user of a client account (a portal user): he signs in with
    the account's permanence code and the user id chosen here, his contact is
    one of the account's, his e-mail is his own and receives the invitation.
    Invited by a secretariat manager or by the account's own administrator,
    never into another account, never with more than a client's roles."""

    _name = "calendoc.user.invite"
    _description = "Invite a user of a client account"

    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        required=True,
        domain=[("is_calendoc_client", "=", True)],
    )
    permanence_code = fields.Char(compute="_compute_permanence_code")
    name = fields.Char(required=True)
    email = fields.Char(string="E-mail", required=True)
    role = fields.Selection(
        [
            ("client_admin", "Client account administrator"),
            ("practitioner", "Practitioner"),
            ("assistant", "Assistant"),
        ],
        required=True,
        default="practitioner",
        help="The administrator reaches the whole account on the portal; a "
        "practitioner his own agenda (and his colleagues' if allowed); an "
        "assistant the agendas that practitioners lend him (delegations).",
    )
    practitioner_id = fields.Many2one(
        "calendoc.practitioner",
        string="Practitioner",
        domain="[('account_id', '=', account_id), ('user_id', '=', False)]",
        help="The account's practitioner whose agenda the new user follows.",
    )
    lang = fields.Selection(
        _lang_get,
        string="Language",
        required=True,
        default=lambda self: self._default_lang(),
        help="The language of the invitation and of the new user's portal.",
    )
    login = fields.Char(
        string="User id in the permanence",
        required=True,
        help="Typed at sign-in after the permanence code; two accounts may both "
        "have a 'secretariat1'.",
    )

    @api.model
    def _default_lang(self):
        # a French firm: French when loaded, else the inviter's language
        codes = {code for code, _name in self.env["res.lang"].get_installed()}
        return "fr_FR" if "fr_FR" in codes else self.env.lang

    @api.depends("account_id")
    def _compute_permanence_code(self):
        for wizard in self:
            account = wizard.account_id
            # under the user's rights: nothing of an account he cannot read
            wizard.permanence_code = (
                account.calendoc_permanence_code
                if account and account.has_access("read")
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._calendoc_check_role(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._calendoc_check_role(vals)
        return super().write(vals)

    @api.onchange("practitioner_id")
    def _onchange_practitioner_id(self):
        practitioner = self.practitioner_id
        # under the user's rights: nothing of a practitioner he cannot read
        if practitioner and not self.name and practitioner.has_access("read"):
            self.name = practitioner.name

    def action_invite(self):
        """Create the invited portal user (his contact under the account, his
        CalenDoc group, his permanence login, his own e-mail) and e-mail him
        the invitation to choose his password. Returns a notification."""
        self.ensure_one()
        account = self._calendoc_check_inviter()
        values = self._calendoc_checked_values(account)
        Users = self.env["res.users"]
        # sudo: neither a portal administrator nor a secretariat manager may
        # create users or contacts of an account himself; this one is checked
        # above (who invites, into which account, which role, which
        # practitioner) and gets nothing but a client's portal groups
        contact = (
            self.env["res.partner"]
            .sudo()
            .create(
                {
                    "name": values["name"],
                    "email": values["email"],
                    "parent_id": account.id,
                    "type": "contact",
                    "lang": self.lang,
                }
            )
        )
        try:
            user = (
                Users.sudo()
                .with_context(no_reset_password=True)
                ._create_user_from_template(
                    {
                        "partner_id": contact.id,
                        "login": values["login"],
                        "calendoc_permanence_account_id": account.id,
                        "calendoc_permanence_login": values["login"],
                        "company_id": self.env.company.id,
                        "company_ids": [Command.set(self.env.company.ids)],
                    }
                )
            )
        except SignupError as exc:
            raise UserError(
                self.env._("The user could not be created: %(reason)s", reason=exc)
            ) from exc
        user.groups_id = [Command.link(self.env.ref(INVITE_ROLES[self.role]).id)]
        if self.role == "practitioner":
            self.practitioner_id.sudo().user_id = user
        user._calendoc_send_invitation()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(name)s is invited: the invitation was e-mailed to "
                    "%(email)s. Login: %(login)s.",
                    name=user.name,
                    email=values["email"],
                    login=user.login,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # --- checks --------------------------------------------------------------------
    def _calendoc_check_role(self, vals):
        # said plainly rather than by the ORM's ValueError: a client's roles only
        if "role" in vals and vals["role"] not in INVITE_ROLES:
            raise UserError(self.env._("Choose a role among those offered."))

    def _calendoc_check_inviter(self):
        """The account invited into, if the current user may invite into it:
        a secretariat manager, or the account's own portal administrator.
        ``AccessError`` otherwise."""
        user = self.env.user
        account = self.account_id
        own = user.has_group(
            "calendoc_agenda.group_calendoc_portal_client"
        ) and account == (user.partner_id.commercial_partner_id)
        if not account.is_calendoc_client or not (
            user.calendoc_changes_all_accounts or own
        ):
            raise AccessError(
                self.env._(
                    "Only a secretariat manager or the account's administrator "
                    "invites its users."
                )
            )
        return account

    def _calendoc_checked_values(self, account):
        """Name, e-mail and login of the new user, checked: ``UserError``
        saying what is wrong, before anything is created."""
        env = self.env
        name = check_text(env, self.name or "", env._("Name"))
        email = email_normalize(check_text(env, self.email or "", env._("E-mail")))
        user_id = check_text(
            env, self.login or "", env._("User id"), MAX_USER_ID
        ).lower()
        if not name:
            raise UserError(env._("Give the new user's name."))
        if not email:
            raise UserError(env._("Give the new user's e-mail address."))
        if not user_id or "/" in user_id or any(c.isspace() for c in user_id):
            raise UserError(env._("Choose a user id without spaces and without '/'."))
        if self.role not in INVITE_ROLES:
            raise UserError(env._("Choose a role among those offered."))
        # sudo: the account's code is needed whoever invites (checked above)
        code = account.sudo().calendoc_permanence_code
        if not code:
            raise UserError(
                env._(
                    "%(account)s has no permanence code yet: a secretariat "
                    "manager gives it one first.",
                    account=account.name,
                )
            )
        if self.role == "practitioner":
            practitioner = self.practitioner_id
            if not practitioner:
                raise UserError(env._("Choose the practitioner this user is."))
            # sudo: whether the practitioner already has a user, whoever it is
            if practitioner.sudo().account_id != account or practitioner.sudo().user_id:
                raise UserError(
                    env._(
                        "%(practitioner)s is not a practitioner of this account "
                        "without a user.",
                        practitioner=practitioner.sudo().name,
                    )
                )
        login = env["res.users"]._calendoc_login(code, user_id)
        # sudo: a login taken by any user, archived ones too, is refused
        if (
            env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("login", "=", login)], limit=1)
        ):
            raise UserError(
                env._(
                    "The user id %(user_id)s is already used in this permanence: "
                    "choose another one.",
                    user_id=user_id,
                )
            )
        return {"name": name, "email": email, "login": user_id}
