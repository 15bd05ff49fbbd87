from urllib.parse import parse_qs, urlparse

from odoo.tests import tagged

from odoo.addons.calendoc_packs.tests.common import pay_with_demo_provider

from .common import CSRF, PortalCase, signup_form

SIRET = "44211961600013"


@tagged("post_install", "-at_install")
class TestClientSignup(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.terms = cls.env["calendoc.terms.version"]._in_force_for(
            cls.env["res.partner"]
        )
        if not cls.terms:
            cls.terms = cls.env["calendoc.terms.version"].create(
                {
                    "name": "CGV test",
                    "date_effective": "2018-05-25",
                    "state": "published",
                }
            )

    def form(self, **values):
        return signup_form(self.terms, **values)

    def post(self, **values):
        page = self.url_open("/calendoc/signup")
        self.assertEqual(page.status_code, 200)
        data = self.form(**values)
        data["csrf_token"] = CSRF.search(page.text).group(1)
        return self.url_open("/calendoc/signup", data=data, allow_redirects=False)

    def counts(self):
        Users = self.env["res.users"].with_context(active_test=False)
        return (
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            Users.search_count([]),
        )

    def new_account(self):
        return self.env["res.partner"].search(
            [("calendoc_siret", "=", SIRET), ("is_calendoc_client", "=", True)]
        )

    def test_form_shows_the_terms_in_force(self):
        page = self.url_open("/calendoc/signup")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.terms.name, page.text)
        self.assertIn(f'name="terms_version_id" value="{self.terms.id}"', page.text)

    def test_new_client_signs_up_and_lands_in_his_space_without_credits(self):
        response = self.post()
        self.assertEqual(response.status_code, 303, response.text[:1000])
        self.assertIn("/my/calendoc/packs?welcome=1", response.headers["Location"])
        account = self.new_account()
        self.assertEqual(len(account), 1)
        self.assertEqual(account.name, "Cabinet Nouveau")
        self.assertTrue(account.is_company)
        self.assertEqual(account.calendoc_siret, SIRET)
        self.assertEqual((account.zip, account.city), ("49100", "Angers"))
        self.assertEqual(account.calendoc_terms_accepted_id, self.terms)
        self.assertTrue(account.calendoc_terms_accepted_date)
        code = account.calendoc_permanence_code
        self.assertRegex(code, r"^[A-Z0-9]{6}$")
        user = self.env["res.users"].search(
            [("calendoc_permanence_account_id", "=", account.id)]
        )
        self.assertEqual(user.login, f"{code}/claire@cabinet-nouveau.fr")
        self.assertEqual(user.partner_id.parent_id, account)
        self.assertTrue(user.has_group("calendoc_agenda.group_calendoc_portal_client"))
        self.assertTrue(user._is_portal())
        # nothing granted before a pack is paid
        self.assertFalse(account.calendoc_pack_ids)
        self.assertFalse(any(account._calendoc_balances().values()))
        # he is signed in and sees his permanence code in his client space
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertIn(code, page.text)
        self.assertIn('id="calendoc_pack_appointment">0<', page.text)
        # and signs in again with the permanence code, his email and password
        self.url_open("/web/session/logout")
        self.authenticate(user.login, "un mot de passe sûr")
        self.assertEqual(self.url_open("/my/calendoc/packs").status_code, 200)

    def test_where_every_user_needs_two_factor_the_new_client_confirms_by_email(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "auth_totp.policy", "all_required"
        )
        response = self.post()
        self.assertEqual(response.status_code, 303)
        location = urlparse(response.headers["Location"])
        self.assertEqual(location.path, "/web/login/totp")
        self.assertEqual(
            parse_qs(location.query)["redirect"], ["/my/calendoc/packs?welcome=1"]
        )
        self.assertTrue(self.new_account())

    def test_bad_input_is_refused_and_creates_nothing(self):
        self.env["res.users"].create(
            {
                "name": "Déjà Là",
                "login": "deja",
                "email": "deja@example.fr",
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.env["res.partner"].create(
            {
                "name": "Cabinet Existant",
                "is_company": True,
                "is_calendoc_client": True,
                "calendoc_siret": "73282932000074",
            }
        )
        cases = {
            "company already a client": (
                {"siret": "732 829 320 00074"},
                "already a client",
            ),
            "invalid SIRET": ({"siret": "44211961600014"}, "not a valid SIRET"),
            "existing email": ({"email": "Deja@Example.fr"}, "already uses this"),
            "weak password": (
                {"password": "court", "password_confirm": "court"},
                "at least 12 characters",
            ),
            "passwords differ": ({"password_confirm": "autre chose"}, "differ"),
            "terms not accepted": ({"accept_terms": ""}, "accept the terms"),
            "other terms": ({"terms_version_id": "0"}, "accept the terms"),
            "no address": ({"city": " "}, "address is required"),
            "invalid email": ({"email": "pas un email"}, "valid email"),
        }
        before = self.counts()
        for case, (values, message) in cases.items():
            with self.subTest(case=case):
                response = self.post(**values)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn('id="calendoc_online_error"', response.text)
                # what he typed is kept, but never the password
                self.assertIn("Cabinet Nouveau", response.text)
                self.assertNotIn("un mot de passe", response.text)
                self.assertEqual(self.counts(), before)

    def test_honeypot_and_missing_csrf_create_nothing(self):
        before = self.counts()
        response = self.post(website_url="http://spam.example")
        self.assertEqual(response.status_code, 400)
        self.assertIn("could not be accepted", response.text)
        no_csrf = self.url_open(
            "/calendoc/signup", data=self.form(), allow_redirects=False
        )
        self.assertEqual(no_csrf.status_code, 400)
        self.assertEqual(self.counts(), before)
        self.assertFalse(self.new_account())

    def test_sign_ups_are_limited_per_address(self):
        self.env["ir.config_parameter"].set_param("calendoc_portal.limit_signup_ip", 2)
        for _i in range(2):
            self.assertEqual(self.post(siret="").status_code, 400)
        before = self.counts()
        response = self.post()
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many sign-ups", response.text)
        self.assertEqual(self.counts(), before)

    def test_signed_up_client_buys_his_first_pack_and_gets_credits_once_paid(self):
        self.env["ir.config_parameter"].set_param("sale.automatic_invoice", True)
        self.assertEqual(self.post().status_code, 303)
        account = self.new_account()
        page = self.url_open("/my/calendoc/packs")
        token = CSRF.search(page.text).group(1)
        response = self.url_open(
            "/my/calendoc/packs/buy",
            data={"csrf_token": token, "product_id": self.pack_rdv.id},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        order = self.env["sale.order"].search(
            [("partner_id.commercial_partner_id", "=", account.id)]
        )
        self.assertEqual(len(order), 1)
        self.assertEqual(self.url_open(response.headers["Location"]).status_code, 200)
        self.assertFalse(account.calendoc_pack_ids, "nothing before payment")
        pay_with_demo_provider(self.env, order)
        self.assertEqual(order.calendoc_terms_version_id, self.terms)
        self.assertEqual(account._calendoc_balances()["appointment"], 5)
        packs = self.url_open("/my/calendoc/packs")
        self.assertIn('id="calendoc_pack_appointment">5<', packs.text)
