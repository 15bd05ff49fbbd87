"""The model methods behind the client portal's pages reach the user's own
account only, as the pages do."""

from odoo.exceptions import AccessError, MissingError
from odoo.tests import new_test_user, tagged

from odoo.addons.calendoc_agenda.tools.params import InvalidInput

from .common import PortalCase


@tagged("post_install", "-at_install")
class TestPortalMethods(PortalCase):
    def activities(self, account):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", account.id)]
        )

    def test_the_account_of_a_portal_user_is_his_client_account(self):
        Users = self.env["res.users"]
        self.assertEqual(
            Users.with_user(self.client_admin)._calendoc_portal_account(), self.account
        )
        self.assertEqual(
            Users.with_user(self.doctor_user)._calendoc_portal_account(), self.account
        )
        self.assertFalse(Users.with_user(self.plain_portal)._calendoc_portal_account())

    def test_account_pages_are_its_administrators_only(self):
        calls = {
            "packs": lambda account: account._calendoc_portal_packs(welcome=True),
            "order": lambda account: account._calendoc_portal_order_pack(
                self.pack_rdv.id
            ),
            "statement": lambda account: account._calendoc_portal_statement(),
            "statement PDF": lambda account: account._calendoc_portal_statement_pdf(),
            "delegations": lambda account: account._calendoc_portal_delegations(),
            "GDPR": lambda account: account._calendoc_portal_gdpr_request(
                "access", "DUPONT Jeanne", "Ses rendez-vous"
            ),
        }
        orders = self.env["sale.order"].search_count([])
        messages = self.env["mail.message"].search_count([])
        attempts = (
            # another account's administrator
            self.other_account.with_user(self.client_admin),
            # a practitioner of the account, not its administrator
            self.account.with_user(self.doctor_user),
        )
        for name, call in calls.items():
            for account in attempts:
                with self.subTest(call=name, user=account.env.user.login):
                    with self.assertRaises(AccessError):
                        call(account)
        self.assertEqual(self.env["sale.order"].search_count([]), orders)
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertFalse(
            self.activities(self.account) | self.activities(self.other_account)
        )
        # his own account's pages: what each shows
        own = self.account.with_user(self.client_admin)
        page = own._calendoc_portal_packs(welcome=True)
        self.assertEqual(page["permanence_code"], "TEST01")
        self.assertEqual(page["packs"], self.account.calendoc_pack_ids)
        self.assertIn(self.pack_rdv, page["offers"])
        self.assertFalse(own._calendoc_portal_packs()["permanence_code"])
        self.assertFalse(own._calendoc_portal_order_pack(self.other_account.id))

    def test_gdpr_intake_is_a_note_on_the_account_and_a_to_do_for_a_manager(self):
        new_test_user(
            self.env,
            login="gdpr_intake_manager",
            password="gdpr_intake_manager-Pass-2026",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        account = self.account.with_user(self.client_admin)
        with self.assertRaisesRegex(InvalidInput, "Choose the kind of request"):
            account._calendoc_portal_gdpr_request("sell-everything", "X", "Y")
        self.assertFalse(self.activities(self.account))
        account._calendoc_portal_gdpr_request(
            "rectification", "DUPONT Jeanne", "Sa nouvelle adresse <b>svp</b>"
        )
        activity = self.activities(self.account)
        self.assertEqual(len(activity), 1)
        self.assertTrue(
            activity.user_id.has_group("calendoc_agenda.group_calendoc_manager")
        )
        self.assertIn(self.account.name, activity.summary)
        self.assertIn("&lt;b&gt;svp&lt;/b&gt;", activity.note)
        message = self.account.message_ids[:1]
        self.assertIn("DUPONT Jeanne", message.body)
        self.assertEqual(message.author_id, self.client_admin.partner_id)
        self.assertTrue(message.subtype_id.internal, "a note, not sent out")

    def test_another_accounts_appointment_and_patient_are_not_found(self):
        event = self.book(self.free_slots()[0]["start"])
        Event = self.env["calendar.event"]
        with self.assertRaises(AccessError):
            event.with_user(self.other_admin)._calendoc_portal_appointment()
        with self.assertRaises(MissingError):
            Event.with_user(self.client_admin).browse()._calendoc_portal_appointment()
        Thread = self.env["calendoc.requester.thread"]
        requester, thread = Thread.with_user(self.other_admin)._calendoc_portal_find(
            self.requester.id
        )
        self.assertFalse(requester)
        self.assertFalse(thread)
        self.assertEqual(
            Thread.with_user(self.doctor_user)._calendoc_portal_find(self.requester.id)[
                0
            ],
            self.requester,
        )
