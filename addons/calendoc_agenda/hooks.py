"""Sign-in defaults the firm starts with (its staff sign in with a second
factor, passwords of at least 12 characters). Set once, at installation or at
the upgrade that brought them, and never again: the firm changes them in
Settings and an update keeps its choice."""

# Odoo's own parameters: auth_totp_mail_enforce's policy and
# auth_password_policy's minimum length, which their settings edit.
TOTP_POLICY = "auth_totp.policy"
MIN_LENGTH = "auth_password_policy.minlength"
DEFAULT_MIN_LENGTH = 12


def set_sign_in_defaults(env):
    """Enforce two-factor sign-in for internal users (the firm's staff: an
    e-mailed code unless they use an authenticator app; client users are offered
    it on the portal) unless a policy is already chosen, and raise the minimum
    password length to 12 unless it is already longer."""
    params = env["ir.config_parameter"].sudo()
    if not params.get_param(TOTP_POLICY):
        params.set_param(TOTP_POLICY, "employee_required")
    if int(params.get_param(MIN_LENGTH) or 0) < DEFAULT_MIN_LENGTH:
        params.set_param(MIN_LENGTH, DEFAULT_MIN_LENGTH)


def set_board_home_action(env):
    """Secretaries and practitioners (internal users) without a home action
    land on the day board (issue 19: they landed on Discuss)."""
    groups = [
        env.ref("calendoc_agenda.group_calendoc_secretary").id,
        env.ref("calendoc_agenda.group_calendoc_practitioner").id,
    ]
    users = (
        env["res.users"]
        .with_context(active_test=False)
        .search(
            [
                ("share", "=", False),
                ("action_id", "=", False),
                ("groups_id", "in", groups),
            ]
        )
    )
    users._calendoc_set_home_action()


def post_init_hook(env):
    # After the demo data: the demo users' short passwords (README's logins)
    # were set under Odoo's default minimum; Odoo checks the length only when a
    # password is set, so they keep working.
    set_sign_in_defaults(env)
    # the demo's users (and the managers, given their group by its record)
    set_board_home_action(env)
