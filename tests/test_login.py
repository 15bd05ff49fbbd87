import re
from urllib.parse import urlparse

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.smtp_sink import SmtpSink, text_of


def error_of(response):
    """The error shown on the login page (whatever the language), or None."""
    match = re.search(
        r'class="alert alert-danger"[^>]*>\s*(.*?)\s*</p>', response.text, re.S
    )
    return match and match.group(1)


@tagged("post_install", "-at_install")
class TestPermanenceLogin(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.lices = Partner.create(
            {
                "name": "Lices",
                "is_company": True,
                "is_calendoc_client": True,
                "calendoc_permanence_code": "LICES",
            }
        )
        cls.loire = Partner.create(
            {
                "name": "Loire",
                "is_company": True,
                "is_calendoc_client": True,
                "calendoc_permanence_code": "LOIRE",
            }
        )
        cls.users = {}
        for account, password in (
            (cls.lices, "lices-pass-1"),
            (cls.loire, "loire-pass-1"),
        ):
            user = new_test_user(
                cls.env,
                login=f"tmp_{account.calendoc_permanence_code}",
                password=password,
                email=f"secretariat1@{account.calendoc_permanence_code.lower()}.example.fr",
                groups="calendoc_agenda.group_calendoc_portal_client",
            )
            user.write(
                {
                    "calendoc_permanence_account_id": account.id,
                    "calendoc_permanence_login": "Secretariat1",
                }
            )
            cls.users[account.calendoc_permanence_code] = user

    def setUp(self):
        super().setUp()
        # Odoo's own cooldown is kept in each process's memory; switch it off to
        # prove that CalenDoc's, in the database, holds by itself.
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 0)
        getattr(self.registry, "_login_failures", {}).clear()

    def login(self, permanence, login, password):
        page = self.url_open("/web/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(
            "/web/login",
            data={
                "calendoc_permanence": permanence,
                "login": login,
                "password": password,
                "csrf_token": csrf,
            },
        )

    def test_same_user_id_in_two_permanences(self):
        self.assertEqual(self.users["LICES"].login, "LICES/secretariat1")
        self.assertEqual(self.users["LOIRE"].login, "LOIRE/secretariat1")
        response = self.login("lices", "secretariat1", "lices-pass-1")
        self.assertIsNone(error_of(response))
        self.assertEqual(self.session_uid(), self.users["LICES"].id)
        self.url_open("/web/session/logout")
        self.login("LOIRE", "SECRETARIAT1", "loire-pass-1")
        self.assertEqual(self.session_uid(), self.users["LOIRE"].id)

    def session_uid(self):
        response = self.url_open(
            "/web/session/get_session_info",
            data="{}",
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"]["uid"]

    def test_wrong_permanence_and_wrong_password_answer_the_same(self):
        wrong_code = self.login("NOPE", "secretariat1", "lices-pass-1")
        wrong_password = self.login("LICES", "secretariat1", "wrong")
        self.assertTrue(error_of(wrong_code))
        self.assertEqual(error_of(wrong_code), error_of(wrong_password))
        # the form keeps what was typed
        self.assertIn('value="NOPE"', wrong_code.text)

    def test_staff_keep_the_plain_odoo_login(self):
        staff = new_test_user(
            self.env, login="sophie", password="sophie-pass-1", groups="base.group_user"
        )
        # then the second factor the firm enforces for its staff: the code
        # e-mailed to them (addons/calendoc_agenda/tests/test_two_factor.py)
        self.env["ir.mail_server"].search([]).active = False
        with SmtpSink() as sink:
            self.env["ir.mail_server"].create(
                {"name": "Sink", "smtp_host": "127.0.0.1", "smtp_port": sink.port}
            )
            page = self.login("", "sophie", "sophie-pass-1")
            self.assertIsNone(error_of(page))
            self.assertEqual(urlparse(page.url).path, "/web/login/totp")
            # the code is in the last e-mail (after Odoo's "new sign-in" alert)
            mail = sink.messages[-1]
        self.assertEqual(mail["x-envelope-to"], staff.email)
        self.url_open(
            page.url,
            data={
                "totp_token": re.search(r"\b(\d{6})\b", text_of(mail)).group(1),
                "csrf_token": re.search(
                    r'name="csrf_token" value="([^"]+)"', page.text
                ).group(1),
            },
        )
        self.assertEqual(self.session_uid(), staff.id)

    def test_failed_logins_are_throttled_per_login_in_the_database(self):
        wrong = error_of(self.login("LICES", "secretariat1", "wrong"))
        for _attempt in range(4):
            self.assertEqual(
                error_of(self.login("LICES", "secretariat1", "wrong")), wrong
            )
        refused = self.login("LICES", "secretariat1", "lices-pass-1")
        self.assertTrue(error_of(refused))
        self.assertNotEqual(
            error_of(refused), wrong, "the right password is refused while throttled"
        )
        self.assertEqual(
            self.env["calendoc.login.failure"].search_count(
                [("login", "=", "lices/secretariat1")]
            ),
            5,
        )
        # the other permanence's user is not blocked
        self.login("LOIRE", "secretariat1", "loire-pass-1")
        self.assertEqual(self.session_uid(), self.users["LOIRE"].id)

    def test_failed_logins_are_throttled_per_ip(self):
        wrong = error_of(self.login("LICES", "nobody", "wrong"))
        for attempt in range(29):
            self.login("LICES", f"nobody{attempt}", "wrong")
        refused = error_of(self.login("LOIRE", "secretariat1", "loire-pass-1"))
        self.assertTrue(refused)
        self.assertNotEqual(refused, wrong)

    def test_password_reset_by_email_works_with_a_permanence_login(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "auth_signup.reset_password", True
        )
        self.env["res.users"].sudo().reset_password("LICES/secretariat1")
        mail = self.env["mail.mail"].search(
            [("email_to", "ilike", "secretariat1@lices.example.fr")]
        )
        self.assertTrue(mail)
        self.assertIn("reset_password", mail.body_html)
