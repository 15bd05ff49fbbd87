from odoo.tests import new_test_user, tagged

from .common import CSRF, PortalCase


@tagged("post_install", "-at_install")
class TestPortalDelegationsAndGdpr(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.delegation = cls.env["calendoc.delegation"].create(
            {
                "grantor_account_id": cls.account.id,
                "grantee_user_id": cls.secretary.id,
                "scope_agenda_read": True,
                "scope_statements": True,
                "reason": "Remplacement pendant les congés",
            }
        )
        cls.other_delegation = cls.env["calendoc.delegation"].create(
            {
                "grantor_account_id": cls.other_account.id,
                "grantee_user_id": cls.secretary.id,
                "scope_calls": True,
                "reason": "Autre compte",
            }
        )
        cls.manager = new_test_user(
            cls.env,
            login="gdpr_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )

    def test_client_admin_reads_his_accounts_delegations_only(self):
        self.authenticate("client_admin", "client_admin")
        page = self.url_open("/my/calendoc/delegations")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.text.count("o_calendoc_delegation_row"), 1)
        self.assertIn(self.delegation.name, page.text)
        # its two rights, in the user's language
        self.assertEqual(page.text.count("badge text-bg-light border"), 2)
        self.authenticate("other_admin", "other_admin")
        page = self.url_open("/my/calendoc/delegations")
        self.assertEqual(page.text.count("o_calendoc_delegation_row"), 1)
        self.assertIn(self.other_delegation.name, page.text)
        self.assertNotIn(self.delegation.name, page.text)
        self.assertEqual(page.text.count("badge text-bg-light border"), 1)

    def test_only_client_admins_reach_delegations_and_gdpr(self):
        for url in ("/my/calendoc/delegations", "/my/calendoc/gdpr"):
            with self.subTest(url=url):
                self.assertIn("/web/login", self.url_open(url).url)
        for login in ("doctor_portal", "plain_portal"):
            self.authenticate(login, login)
            for url in ("/my/calendoc/delegations", "/my/calendoc/gdpr"):
                with self.subTest(url=url, login=login):
                    self.assertEqual(self.url_open(url).status_code, 403)

    def gdpr_activities(self, account):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", account.id)]
        )

    def test_gdpr_request_reaches_a_secretariat_manager(self):
        self.authenticate("client_admin", "client_admin")
        token = CSRF.search(self.url_open("/my/calendoc/gdpr").text).group(1)
        response = self.url_open(
            "/my/calendoc/gdpr",
            data={
                "csrf_token": token,
                "kind": "erasure",
                "person": "DUPONT Jeanne, née le 01/02/1960",
                "details": "Elle demande l'effacement de ses données <b>svp</b>",
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("sent=1", response.headers["Location"])
        activity = self.gdpr_activities(self.account)
        self.assertEqual(len(activity), 1)
        # in the client admin's language, as the page he used
        user_env = self.env(context={"lang": self.client_admin.lang})
        self.assertIn(f"({user_env._('erasure')})", activity.summary)
        self.assertIn(self.account.name, activity.summary)
        self.assertTrue(
            activity.user_id.has_group("calendoc_agenda.group_calendoc_manager")
        )
        self.assertIn("DUPONT Jeanne", activity.note)
        # what the client typed is text, never markup
        self.assertIn("&lt;b&gt;svp&lt;/b&gt;", activity.note)
        message = self.account.message_ids[:1]
        self.assertIn("DUPONT Jeanne", message.body)
        self.assertEqual(message.author_id, self.client_admin.partner_id)
        self.assertTrue(message.subtype_id.internal, "a note, not sent out")
        self.assertIn(
            "calendoc_gdpr_sent",
            self.url_open(response.headers["Location"]).text,
        )

    def test_incomplete_gdpr_request_is_refused_and_records_nothing(self):
        self.authenticate("client_admin", "client_admin")
        token = CSRF.search(self.url_open("/my/calendoc/gdpr").text).group(1)
        messages = len(self.account.message_ids)
        for data in (
            {"kind": "sell-everything", "person": "X", "details": "Y"},
            {"kind": "access", "person": " ", "details": "Y"},
            {"kind": "access", "person": "X", "details": ""},
        ):
            with self.subTest(data=data):
                response = self.url_open(
                    "/my/calendoc/gdpr", data=dict(data, csrf_token=token)
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("calendoc_gdpr_error", response.text)
        self.assertFalse(self.gdpr_activities(self.account))
        self.account.invalidate_recordset(["message_ids"])
        self.assertEqual(len(self.account.message_ids), messages)
