"""Client users made from the client account ("Invite a user"): a portal user
with the role's CalenDoc group, the permanence login, his own e-mail, his
contact under the account and a French invitation; invited by a secretariat
manager or by the account's own administrator only, over JSON-RPC as the web
client calls it."""

from odoo.tests import JsonRpcException, new_test_user, tagged

from .common import PortalCase

INVITE = "calendoc.user.invite"


@tagged("post_install", "-at_install")
class TestUserInvite(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.manager = new_test_user(
            cls.env,
            login="invite_manager",
            password="invite_manager-pass",
            groups="calendoc_agenda.group_calendoc_manager",
            name="Isabelle Gestion",
        )

    # --- helpers -------------------------------------------------------------------
    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def invite(self, inviter, **values):
        """Open the wizard and invite, as ``inviter`` over JSON-RPC; returns
        what the button returns."""
        self.authenticate(inviter, inviter)
        wizard_id = self.call(
            INVITE,
            "create",
            {
                "account_id": self.account.id,
                "name": "Dr Bruno Test",
                "email": "Bruno.Test@Cabinet-Test.fr",
                "role": "practitioner",
                "practitioner_id": self.doctor2.id,
                "login": "Dr.Bruno",
                "lang": "fr_FR",
                **values,
            },
        )
        return self.call(INVITE, "action_invite", [wizard_id])

    def snapshot(self):
        Users = self.env["res.users"].with_context(active_test=False)
        return (
            Users.search_count([]),
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            self.env["mail.mail"].search_count([]),
            self.doctor2.user_id,
        )

    def assert_refused(self, inviter, error, **values):
        before = self.snapshot()
        with self.assertRaises(JsonRpcException) as caught:
            self.invite(inviter, **values)
        self.assertEqual(str(caught.exception), error)
        self.env.invalidate_all()
        self.assertEqual(self.snapshot(), before, "a refused invitation changed data")

    def invited(self, login="TEST01/dr.bruno"):
        return self.env["res.users"].search([("login", "=", login)])

    # --- the invitation ------------------------------------------------------------
    def test_manager_invites_a_portal_practitioner_of_the_account(self):
        result = self.invite("invite_manager")
        self.assertEqual(result["tag"], "display_notification")
        user = self.invited()
        self.assertTrue(user, "the user signs in as CODE/user id")
        self.assertTrue(user.share, "a portal user")
        self.assertTrue(user._is_portal())
        self.assertEqual(
            user.groups_id.filtered(lambda g: g.category_id.name == "CalenDoc"),
            self.env.ref("calendoc_agenda.group_calendoc_portal_practitioner"),
        )
        self.assertEqual(user.calendoc_permanence_account_id, self.account)
        self.assertEqual(user.calendoc_permanence_login, "dr.bruno")
        # his e-mail is kept, not replaced by the login
        self.assertEqual(user.email, "bruno.test@cabinet-test.fr")
        self.assertEqual(user.partner_id.parent_id, self.account)
        self.assertEqual(user.partner_id.commercial_partner_id, self.account)
        self.assertEqual(user.lang, "fr_FR")
        self.assertEqual(self.doctor2.user_id, user)
        # the invitation, in French, with the permanence code and user id
        mail = self.env["mail.mail"].search(
            [("email_to", "ilike", "bruno.test@cabinet-test.fr")]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("Bonjour Dr Bruno Test", mail.body_html)
        self.assertIn("Choisir mon mot de passe", mail.body_html)
        self.assertIn("TEST01", mail.body_html)
        self.assertIn("dr.bruno", mail.body_html)
        self.assertIn(
            user.partner_id._get_signup_url().replace("&", "&amp;"), mail.body_html
        )
        self.assertIn("portail client", mail.subject)

    def test_invited_practitioner_sees_his_calendoc_card_and_only_his_agenda(self):
        slot = self.free_slots(practitioner=self.doctor | self.doctor2)
        Event = self.env["calendar.event"]
        for doctor in self.doctor | self.doctor2:
            mine = next(s for s in slot if s["practitioner_id"] == doctor.id)
            Event.create(
                {
                    "calendoc_type_id": self.consult.id,
                    "calendoc_requester_id": self.requester.id,
                    "calendoc_practitioner_id": doctor.id,
                    "start": mine["start"],
                }
            )
        self.invite("invite_manager")
        self.authenticate("TEST01/dr.bruno", "unused")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["calendoc_appointment_count"]}
        )
        self.assertEqual(counters["calendoc_appointment_count"], 1)
        page = self.url_open("/my/calendoc/appointments")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.text.count("o_calendoc_portal_row"), 1)
        self.assertIn("Dr Bruno Test", page.text)
        self.assertNotIn("<td>Dr Alice Test</td>", page.text)

    def test_a_portal_user_made_the_plain_odoo_way_has_no_calendoc_card(self):
        # what the invitation fixes: Odoo's own portal user has no CalenDoc role
        self.authenticate("plain_portal", "plain_portal")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["calendoc_appointment_count"]}
        )
        self.assertEqual(counters["calendoc_appointment_count"], 0)

    def test_client_admin_invites_into_his_own_account(self):
        self.invite(
            "client_admin",
            role="client_admin",
            practitioner_id=False,
            name="Claire Accueil",
            email="accueil@cabinet-test.fr",
            login="accueil",
        )
        user = self.invited("TEST01/accueil")
        self.assertTrue(user.share)
        self.assertTrue(
            user.has_group("calendoc_agenda.group_calendoc_portal_client"),
        )
        self.assertFalse(user.has_group("base.group_user"))
        self.assertEqual(user.partner_id.parent_id, self.account)
        # the new administrator's home shows the account's cards
        self.authenticate("TEST01/accueil", "unused")
        home = self.url_open("/my")
        self.assertIn("/my/calendoc/delegations", home.text)

    def test_assistant_is_a_portal_user_of_the_account_without_an_agenda(self):
        self.invite(
            "invite_manager",
            role="assistant",
            practitioner_id=False,
            name="Paul Assistant",
            email="paul@cabinet-test.fr",
            login="assistant1",
        )
        user = self.invited("TEST01/assistant1")
        self.assertTrue(
            user.has_group("calendoc_agenda.group_calendoc_portal_practitioner")
        )
        self.assertFalse(user.has_group("calendoc_agenda.group_calendoc_portal_client"))
        self.assertFalse(self.doctor2.user_id)
        self.assertFalse(
            self.env["calendoc.practitioner"]
            .with_user(user)
            .search([("calendoc_access_scope", "like", ",agenda_read,")])
        )

    # --- refusals ------------------------------------------------------------------
    def test_nobody_invites_into_another_account(self):
        # the other account's administrator: refused when the wizard opens
        self.assert_refused("other_admin", "odoo.exceptions.AccessError")

    def test_only_managers_and_the_account_administrator_invite(self):
        for login in ("calendoc_secretary", "doctor_portal", "plain_portal"):
            with self.subTest(login=login):
                self.assert_refused(login, "odoo.exceptions.AccessError")

    def test_no_role_beyond_a_client_role(self):
        for role in ("manager", "secretary", "internal", "auditor"):
            with self.subTest(role=role):
                self.assert_refused(
                    "client_admin", "odoo.exceptions.UserError", role=role
                )

    def test_bad_input_is_refused_and_creates_nothing(self):
        cases = {
            "no e-mail": {"email": "pas-un-email"},
            "no name": {"name": "   "},
            "a slash in the user id": {"login": "a/b"},
            "a space in the user id": {"login": "dr bruno"},
            "no practitioner": {"practitioner_id": False},
            "a practitioner with a user": {"practitioner_id": self.doctor.id},
        }
        for case, values in cases.items():
            with self.subTest(case=case):
                self.assert_refused(
                    "invite_manager", "odoo.exceptions.UserError", **values
                )

    def test_a_practitioner_of_another_account_is_refused(self):
        stranger = self.env["calendoc.practitioner"].create(
            {"name": "Dr Ailleurs", "account_id": self.other_account.id}
        )
        self.assert_refused(
            "invite_manager",
            "odoo.exceptions.UserError",
            practitioner_id=stranger.id,
        )
        self.assert_refused(
            "client_admin",
            "odoo.exceptions.AccessError",
            practitioner_id=stranger.id,
        )

    def test_a_user_id_taken_in_the_permanence_is_refused(self):
        self.invite("invite_manager")
        self.assert_refused(
            "invite_manager",
            "odoo.exceptions.UserError",
            practitioner_id=False,
            role="assistant",
            email="autre@cabinet-test.fr",
        )

    def test_account_without_permanence_code_is_refused(self):
        self.account.calendoc_permanence_code = False
        self.assert_refused("invite_manager", "odoo.exceptions.UserError")

    def test_the_inviter_gains_nothing(self):
        groups = self.client_admin.groups_id
        self.invite(
            "client_admin",
            role="client_admin",
            practitioner_id=False,
            email="second@cabinet-test.fr",
            login="second",
        )
        self.assertEqual(self.client_admin.groups_id, groups)
        self.assertTrue(self.client_admin.share)
        # nor links another account's practitioner
        self.authenticate("client_admin", "client_admin")
        with self.assertRaises(JsonRpcException):
            self.call(
                INVITE,
                "create",
                {
                    "account_id": self.account.id,
                    "name": "X",
                    "email": "x@cabinet-test.fr",
                    "role": "assistant",
                    "login": "x",
                    "practitioner_id": self.env["calendoc.practitioner"]
                    .create({"name": "Dr B", "account_id": self.other_account.id})
                    .id,
                },
            )
        self.assertFalse(self.invited("TEST01/x"))

    # --- the account administrator's portal page -------------------------------------
    def post_invite(self, **values):
        data = {
            # a token of the session (the page itself may be refused)
            "csrf_token": self.csrf("/my/account"),
            "name": "Dr Bruno Test",
            "email": "bruno.test@cabinet-test.fr",
            "role": "practitioner",
            "practitioner_id": str(self.doctor2.id),
            "login": "dr.bruno",
            **values,
        }
        return self.url_open("/my/calendoc/users", data=data, allow_redirects=False)

    def test_client_admin_invites_from_his_portal_page(self):
        self.authenticate("client_admin", "client_admin")
        page = self.url_open("/my/calendoc/users")
        self.assertEqual(page.status_code, 200)
        self.assertIn("client_admin", page.text)
        self.assertIn("Dr Bruno Test", page.text, "a practitioner without a user")
        self.assertNotIn("Dr Alice Test", page.text, "she has her user already")
        self.assertNotIn("other_admin", page.text)
        response = self.post_invite()
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertIn("invited=TEST01%2Fdr.bruno", response.headers["Location"])
        user = self.invited()
        self.assertTrue(user.share)
        self.assertEqual(self.doctor2.user_id, user)
        self.assertEqual(user.partner_id.parent_id, self.account)
        self.assertEqual(user.email, "bruno.test@cabinet-test.fr")

    def test_the_portal_page_refuses_what_the_wizard_refuses(self):
        stranger = self.env["calendoc.practitioner"].create(
            {"name": "Dr Ailleurs", "account_id": self.other_account.id}
        )
        self.authenticate("client_admin", "client_admin")
        for case, values in {
            "a staff role": {"role": "manager"},
            "another account's practitioner": {"practitioner_id": str(stranger.id)},
            "a bad e-mail": {"email": "x"},
        }.items():
            with self.subTest(case=case):
                before = self.snapshot()
                response = self.post_invite(**values)
                self.assertEqual(response.status_code, 400)
                self.assertIn("calendoc_users_error", response.text)
                self.assertNotIn("Dr Ailleurs", response.text)
                self.env.invalidate_all()
                self.assertEqual(self.snapshot(), before)
        for login in ("doctor_portal", "plain_portal"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self.url_open("/my/calendoc/users").status_code, 403)
                self.assertEqual(self.post_invite().status_code, 403)
        self.assertFalse(self.invited())
