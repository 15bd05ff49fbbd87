"""Two-factor sign-in and password policy, through Odoo's own modules: the
firm's staff confirm each sign-in with a code e-mailed to them (or from an
authenticator app), client users may turn it on, passwords have the firm's
minimum length. Every sign-in here goes through /web/login over real HTTP."""

import base64
import re
import time
from urllib.parse import urlparse

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.auth_totp.models.totp import hotp

from .smtp_sink import SmtpSink, text_of

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ERROR = re.compile(r'class="alert alert-danger"[^>]*>\s*(.*?)\s*</p>', re.S)
# a fixed authenticator secret for the client user (base32, 160 bits)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret, when=None):
    """The code an authenticator app shows now for ``secret``."""
    counter = int((time.time() if when is None else when) // 30)
    return str(hotp(base64.b32decode(secret), counter)).zfill(6)


class SignInCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secretary = new_test_user(
            cls.env,
            login="tfa_secretary",
            password="secretary-pass-1",
            email="tfa.secretary@secretariat.example.fr",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        cls.account = cls.env["res.partner"].create(
            {
                "name": "Cabinet Deux Facteurs",
                "is_company": True,
                "is_calendoc_client": True,
                "calendoc_permanence_code": "TFA01",
            }
        )
        cls.client = new_test_user(
            cls.env,
            login="tfa_client",
            password="client-pass-12",
            email="secretariat1@tfa.example.fr",
            groups="calendoc_agenda.group_calendoc_portal_client",
        )
        cls.client.write(
            {
                "calendoc_permanence_account_id": cls.account.id,
                "calendoc_permanence_login": "secretariat1",
            }
        )
        cls.client.partner_id.parent_id = cls.account

    def setUp(self):
        super().setUp()
        # the codes are e-mailed for real, to a local SMTP server
        self.sink = SmtpSink().__enter__()
        self.addCleanup(self.sink.__exit__)
        self.env["ir.mail_server"].search([]).active = False
        self.env["ir.mail_server"].create(
            {"name": "Sink", "smtp_host": "127.0.0.1", "smtp_port": self.sink.port}
        )
        # Odoo's own cooldown is kept in each process's memory: off, so that
        # only CalenDoc's, in the database, counts (as in tests/test_login.py)
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 0)
        getattr(self.registry, "_login_failures", {}).clear()

    def login(self, permanence, login, password):
        page = self.url_open("/web/login")
        return self.url_open(
            "/web/login",
            data={
                "calendoc_permanence": permanence,
                "login": login,
                "password": password,
                "csrf_token": CSRF.search(page.text).group(1),
            },
        )

    def send_code(self, page, code):
        """Submit ``code`` on the two-factor page ``page``."""
        self.assertEqual(urlparse(page.url).path, "/web/login/totp")
        return self.url_open(
            page.url,
            data={"totp_token": code, "csrf_token": CSRF.search(page.text).group(1)},
        )

    def session_uid(self):
        """The signed-in user of the session, None when half signed in."""
        response = self.url_open(
            "/web/session/get_session_info",
            data="{}",
            headers={"Content-Type": "application/json"},
        )
        return response.json().get("result", {}).get("uid")

    def emailed_code(self, user):
        """The code in the last e-mail ``user`` received (Odoo sends its
        "new sign-in" alert before the code)."""
        mails = [m for m in self.sink.messages if m["x-envelope-to"] == user.email]
        self.assertTrue(mails, f"no e-mail to {user.email}")
        return re.search(r"\b(\d{6})\b", text_of(mails[-1])).group(1)


@tagged("post_install", "-at_install")
class TestTwoFactorForStaff(SignInCase):
    def test_two_factor_is_enforced_for_staff_in_the_installed_database(self):
        self.assertEqual(
            self.env["ir.config_parameter"].sudo().get_param("auth_totp.policy"),
            "employee_required",
        )
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.auth_totp_enforce)
        self.assertEqual(settings.auth_totp_policy, "employee_required")
        staff = self.secretary | self.env["res.users"].search(
            [("login", "in", ("admin", "gestionnaire", "secretaire", "dr.martin"))]
        )
        self.assertEqual(len(staff), 5)
        for user in staff:
            with self.subTest(user=user.login):
                self.assertEqual(user._mfa_type(), "totp_mail")
        # offered to client users, not imposed
        self.assertFalse(self.client._mfa_type())

    def test_staff_sign_in_with_the_code_emailed_to_them(self):
        page = self.login("", "tfa_secretary", "secretary-pass-1")
        self.assertEqual(urlparse(page.url).path, "/web/login/totp")
        self.assertIn("tfa.secretary@secretariat.example.fr", page.text)
        self.assertIsNone(ERROR.search(page.text))
        self.assertIsNone(self.session_uid(), "the password alone signs nobody in")
        # (Odoo also e-mails a "new sign-in" alert, first)
        self.assertEqual(
            {m["x-envelope-to"] for m in self.sink.messages},
            {"tfa.secretary@secretariat.example.fr"},
        )
        landed = self.send_code(page, self.emailed_code(self.secretary))
        self.assertEqual(urlparse(landed.url).path, "/odoo")
        self.assertEqual(self.session_uid(), self.secretary.id)

    def test_a_wrong_emailed_code_is_refused(self):
        page = self.login("", "tfa_secretary", "secretary-pass-1")
        right = self.emailed_code(self.secretary)
        wrong = str((int(right) + 1) % 1000000).zfill(6)
        refused = self.send_code(page, wrong)
        self.assertEqual(urlparse(refused.url).path, "/web/login/totp")
        self.assertTrue(ERROR.search(refused.text))
        self.assertIsNone(self.session_uid())
        # the right code still opens the session
        self.send_code(refused, right)
        self.assertEqual(self.session_uid(), self.secretary.id)

    def test_the_readme_demo_logins_still_sign_in(self):
        # README: passwords shorter than the policy's minimum, set before it
        for login in (
            "admin",
            "gestionnaire",
            "secretaire",
            "secretaire2",
            "dr.martin",
        ):
            with self.subTest(login=login):
                page = self.login("", login, login)
                self.assertIsNone(ERROR.search(page.text))
                self.assertEqual(urlparse(page.url).path, "/web/login/totp")
                self.url_open("/web/session/logout")

    def test_the_enforcement_is_the_firms_choice(self):
        # as the settings screen does when "Enforce" is unticked
        self.env["res.config.settings"].create(
            {"auth_totp_enforce": False, "auth_totp_policy": False}
        ).execute()
        self.login("", "tfa_secretary", "secretary-pass-1")
        self.assertEqual(self.session_uid(), self.secretary.id)


@tagged("post_install", "-at_install")
class TestTwoFactorForClients(SignInCase):
    def enable_authenticator(self):
        # as the wizard does once the user typed a right code
        self.client.with_user(self.client)._totp_try_setting(
            SECRET, int(totp_code(SECRET))
        )
        self.assertTrue(self.client.totp_enabled)

    def test_a_client_signs_in_with_permanence_code_password_and_authenticator(self):
        self.enable_authenticator()
        page = self.login("tfa01", "Secretariat1", "client-pass-12")
        self.assertEqual(urlparse(page.url).path, "/web/login/totp")
        self.assertIsNone(self.session_uid())
        landed = self.send_code(page, totp_code(SECRET))
        self.assertEqual(urlparse(landed.url).path, "/my")
        self.assertEqual(self.session_uid(), self.client.id)

    def test_wrong_authenticator_codes_are_throttled_in_the_database(self):
        self.enable_authenticator()
        page = self.login("TFA01", "secretariat1", "client-pass-12")
        right = totp_code(SECRET)
        # a code no window of the last or next minute accepts
        now = time.time()
        near = {totp_code(SECRET, now + step * 30) for step in range(-3, 4)}
        wrong = next(c for c in ("000000", "111111", "222222") if c not in near)
        for _attempt in range(5):
            page = self.send_code(page, wrong)
            self.assertTrue(ERROR.search(page.text))
        # the right password again does not buy more guesses
        self.url_open("/web/session/logout")
        page = self.login("TFA01", "secretariat1", "client-pass-12")
        refused = self.send_code(page, right)
        self.assertIsNone(
            self.session_uid(), "the right code is refused while throttled"
        )
        self.assertIn("Too many", ERROR.search(refused.text).group(1))
        self.assertEqual(
            self.env["calendoc.login.failure"].search_count(
                [("login", "=", "2fa:tfa01/secretariat1")]
            ),
            5,
        )

    def test_a_client_without_authenticator_signs_in_with_the_password(self):
        self.login("TFA01", "secretariat1", "client-pass-12")
        self.assertEqual(self.session_uid(), self.client.id)


@tagged("post_install", "-at_install")
class TestPasswordPolicy(SignInCase):
    def test_passwords_have_the_firms_minimum_length(self):
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("auth_password_policy.minlength"), "12")
        with self.assertRaises(UserError):
            self.secretary.password = "eleven-char"
        self.secretary.password = "twelve-chars"
        params.set_param("auth_password_policy.minlength", 16)
        with self.assertRaises(UserError):
            self.client.with_user(self.client).change_password(
                "client-pass-12", "fifteen-chars-x"
            )

    def test_the_settings_are_on_calendocs_settings_screen(self):
        # an administrator without the developer mode (no group_no_one)
        admin = new_test_user(
            self.env,
            login="tfa_admin",
            password="admin-pass-123",
            groups="base.group_system,calendoc_agenda.group_calendoc_manager",
        )
        self.assertFalse(admin.has_group("base.group_no_one"))
        arch = (
            self.env["res.config.settings"]
            .with_user(admin)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        app = re.search(r'<app [^>]*name="calendoc_agenda".*?</app>', arch, re.S)
        for field in ("auth_totp_enforce", "auth_totp_policy", "minlength"):
            with self.subTest(field=field):
                self.assertIn(f'name="{field}"', app.group(0))
