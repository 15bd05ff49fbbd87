from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import VoipCase


@tagged("post_install", "-at_install")
class TestCallAccess(VoipCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Call = cls.env["calendoc.call"]
        Call._ingest_event(cls.event(cls, "ringing", "acc-1"))
        Call._ingest_event(
            cls.event(
                cls, "ringing", "acc-2", to="+33247001122", **{"from": "0698765430"}
            )
        )
        cls.ours = Call.search([("sip_call_id", "=", "acc-1")])
        cls.theirs = Call.search([("sip_call_id", "=", "acc-2")])

    def visible(self, user, model="calendoc.call"):
        records = self.env[model].with_user(user).search([])
        # the demo's call log (calendoc_voip/demo) is not these tests' calls
        return {i for i in records.mapped("sip_call_id") if not i.startswith("demo-")}

    def test_a_secretary_sees_only_the_calls_of_the_accounts_she_serves(self):
        self.assertEqual(self.visible(self.secretary), {"acc-1"})
        self.assertEqual(self.visible(self.other_secretary), {"acc-2"})
        self.assertEqual(self.visible(self.secretary, "calendoc.call.event"), {"acc-1"})
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.secretary).read(["caller_number"])

    def test_a_delegation_with_calls_opens_them_until_it_ends(self):
        delegate = new_test_user(
            self.env, "voip_delegate", groups="calendoc_agenda.group_calendoc_secretary"
        )
        now = fields.Datetime.now()
        delegation = self.env["calendoc.delegation"].create(
            {
                "grantor_account_id": self.other_account.id,
                "grantee_user_id": delegate.id,
                "scope_calls": True,
                "reason": "Renfort",
                "date_start": now - timedelta(days=2),
                "date_end": now + timedelta(days=1),
            }
        )
        self.assertEqual(self.visible(delegate), {"acc-2"})
        delegation.date_end = now - timedelta(seconds=1)
        self.assertEqual(self.visible(delegate), set())

    def test_a_delegate_of_calls_only_gets_the_popup_without_the_caller(self):
        delegate = new_test_user(
            self.env,
            "voip_calls_only",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        self.env["calendoc.delegation"].create(
            {
                "grantor_account_id": self.account.id,
                "grantee_user_id": delegate.id,
                "scope_calls": True,
                "reason": "Débordement",
            }
        )
        self.env["calendoc.duty"].create(
            {
                "user_id": delegate.id,
                "practice_ids": [(6, 0, self.practice.ids)],
                "days": "all",
                "hour_from": 0,
                "hour_to": 24,
            }
        )
        self.env["calendoc.call"]._ingest_event(self.event("ringing", "acc-3"))
        popups = dict(self.bus_messages("calendoc_voip/incoming_call"))
        full, reduced = (
            popups[self.secretary.partner_id.id],
            popups[delegate.partner_id.id],
        )
        self.assertEqual(full["requesters"][0]["name"], "DUPONT Jeanne")
        self.assertNotIn("restricted", full)
        self.assertEqual(reduced["requesters"], [])
        self.assertTrue(reduced["restricted"])
        self.assertEqual(reduced["practice"]["name"], "Cabinet Test")

    def test_a_delegation_without_calls_opens_none(self):
        delegate = new_test_user(
            self.env,
            "voip_agenda_only",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        self.env["calendoc.delegation"].create(
            {
                "grantor_account_id": self.other_account.id,
                "grantee_user_id": delegate.id,
                "scope_agenda_read": True,
                "reason": "Lecture seule",
            }
        )
        self.assertEqual(self.visible(delegate), set())

    def test_auditors_read_every_call_and_change_none(self):
        auditor = new_test_user(
            self.env, "voip_auditor", groups="calendoc_agenda.group_calendoc_auditor"
        )
        self.assertEqual(self.visible(auditor), {"acc-1", "acc-2"})
        with self.assertRaises(AccessError):
            self.ours.with_user(auditor).write({"requester_id": False})

    def test_nobody_deletes_a_call(self):
        manager = new_test_user(
            self.env, "voip_manager", groups="calendoc_agenda.group_calendoc_manager"
        )
        for user in (self.secretary, manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.ours.with_user(user).unlink()

    def test_a_secretary_reads_her_own_duty_and_phone_only(self):
        self.assertEqual(
            self.env["calendoc.duty"].with_user(self.secretary).search([]).user_id,
            self.secretary,
        )
        self.assertEqual(
            self.env["calendoc.sip.endpoint"].with_user(self.secretary).search([]),
            self.endpoint,
        )

    def test_the_sip_password_is_for_managers_only(self):
        self.endpoint.sip_password = "s3cret-201"
        manager = new_test_user(
            self.env, "voip_manager", groups="calendoc_agenda.group_calendoc_manager"
        )
        self.assertEqual(self.endpoint.with_user(manager).sip_password, "s3cret-201")
        with self.assertRaises(AccessError):
            _password = self.endpoint.with_user(self.secretary).sip_password
