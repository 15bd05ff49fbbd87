from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase
from odoo.addons.calendoc_google.tests.common import PRIMARY, GoogleCase
from odoo.addons.calendoc_portal.tests.common import PortalCase


@tagged("post_install", "-at_install")
class TestOnlineConsent(PortalCase):
    """The booking page's boxes become consents of the requester, exported
    with his data and kept (proof) by his erasure."""

    def test_online_booking_records_the_terms_and_sms_answers(self):
        response = self.post_booking(self.free_slots()[0], accept_sms="")
        self.assertEqual(response.status_code, 303)
        event = self.online_events()
        consents = self.env["calendoc.gdpr.consent"].search(
            [("event_id", "=", event.id)]
        )
        by_purpose = {c.purpose: c for c in consents}
        self.assertEqual(set(by_purpose), {"terms", "sms"})
        terms, sms = by_purpose["terms"], by_purpose["sms"]
        self.assertTrue(terms.accepted)
        self.assertEqual(terms.version, str(self.practice.online_terms_version))
        self.assertIn("Conditions du cabinet Test", terms.text)
        self.assertFalse(sms.accepted)
        self.assertIn("by SMS", sms.text)
        self.assertEqual(set(consents.mapped("channel")), {"online"})
        self.assertFalse(consents.recorded_by_id)
        self.assertEqual(consents.requester_id, event.calendoc_requester_id)
        self.assertEqual(consents.account_id, self.account)

    def test_booking_pages_and_portal_show_the_dpo(self):
        params = self.env["ir.config_parameter"]
        params.set_param("calendoc_gdpr.dpo_name", "Claire Délégué")
        params.set_param("calendoc_gdpr.dpo_email", "dpo@secretariat.example")
        params.set_param("calendoc_gdpr.dpo_address", "3 rue de la Paix, Angers")
        page = self.url_open(f"/rdv/cabinet-test?type_id={self.consult.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("calendoc_dpo_contact", page.text)
        self.assertIn("Claire Délégué", page.text)
        self.assertIn("mailto:dpo@secretariat.example", page.text)
        form = self.url_open(self.book_url(self.free_slots()[0]))
        self.assertIn("dpo@secretariat.example", form.text)
        self.authenticate("client_admin", "client_admin-password")
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn("Claire Délégué", home.text)
        self.assertIn("3 rue de la Paix, Angers", home.text)


@tagged("post_install", "-at_install")
class TestPhoneConsent(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="calendoc_gdpr_consent_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        cls.other_secretary = new_test_user(
            cls.env,
            login="calendoc_gdpr_consent_other",
            groups="calendoc_agenda.group_calendoc_secretary",
        )

    def test_secretary_records_a_phone_consent_exported_and_kept(self):
        action = self.requester.with_user(
            self.secretary
        ).action_calendoc_record_consent()
        Consent = self.env["calendoc.gdpr.consent"].with_user(self.secretary)
        consent = Consent.with_context(**action["context"]).create(
            {
                "version": "2026-01",
                "text": "Vos données servent à gérer vos rendez-vous.",
                # a secretary cannot backdate nor claim an online answer
                "channel": "online",
                "date": "2020-01-01 00:00:00",
            }
        )
        self.assertEqual(consent.requester_id, self.requester)
        self.assertEqual(consent.purpose, "booking")
        self.assertEqual(consent.channel, "phone")
        self.assertEqual(consent.recorded_by_id, self.secretary)
        self.assertNotEqual(str(consent.date)[:4], "2020")
        self.assertEqual(consent.account_id, self.account)
        # proof: never changed nor deleted, by a manager either
        for user in (self.secretary, self.manager):
            with self.assertRaises(AccessError):
                consent.with_user(user).write({"accepted": False})
            with self.assertRaises(AccessError):
                consent.with_user(user).unlink()
        # another account's secretary does not see it nor record one for him
        with self.assertRaises(AccessError):
            consent.with_user(self.other_secretary).read(["text"])
        with self.assertRaises(AccessError):
            Consent.with_user(self.other_secretary).create(
                {"requester_id": self.requester.id, "purpose": "sms"}
            )
        # exported with his data; kept (proof of consent) by his erasure
        data = self.requester._calendoc_gdpr_data()
        [row] = data["calendoc.gdpr.consent"]
        self.assertEqual(row["version"], "2026-01")
        self.assertEqual(row["channel"], "phone")
        Model = self.env["calendoc.gdpr.consent"]
        self.assertEqual(Model._calendoc_erasure, "keep")
        self.assertIn("7(1)", Model._calendoc_erasure_reason)
        name = self.requester.name
        self.requester.with_user(self.manager)._calendoc_gdpr_erase()
        self.assertTrue(consent.exists())
        # the consent stays, pointing to the anonymised contact: no person
        self.assertNotIn(name, consent.requester_id.name or "")
        self.assertFalse(consent.requester_id.email or consent.requester_id.mobile)

    def test_a_consent_needs_a_requester(self):
        with self.assertRaises(UserError):
            self.env["calendoc.gdpr.consent"].with_user(self.secretary).create(
                {"requester_id": self.account.id, "purpose": "sms"}
            )


@tagged("post_install", "-at_install")
class TestTransfersOutsideEu(GoogleCase):
    """The Google sync is a transfer outside the EU: off until the account
    authorised it (GoogleCase authorises it; these tests take it back)."""

    def test_refused_or_undecided_account_has_no_push_no_pull_no_connect(self):
        manager = new_test_user(
            self.env,
            login="calendoc_gdpr_transfer_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        self.account.with_user(manager).action_calendoc_transfer_refuse()
        self.assertEqual(self.account.calendoc_transfer_outside_eu, "refused")
        self.assertEqual(self.account.calendoc_transfer_user_id, manager)
        self.assertTrue(self.account.calendoc_transfer_date)
        self.google.clear_log()
        appointment = self.book(self.paris(self.monday(), 9))
        push = self.Push.search([("event_ref", "=", appointment.id)])
        stats = self.Push._process_queue()
        self.assertFalse(stats.get("done"))
        self.assertEqual(push.state, "pending")
        self.assertEqual(self.connection._google_pull(), 0)
        self.connection._cron_pull()
        with self.assertRaisesRegex(UserError, "outside the European Union"):
            self.connection.action_sync_now()
        with self.assertRaisesRegex(UserError, "outside the European Union"):
            self.connection.action_connect()
        with self.assertRaisesRegex(UserError, "outside the European Union"):
            self.connection.action_fetch_calendars()
        self.assertEqual(self.google.requests, [])
        # undecided is no authorisation either
        self.account.sudo().calendoc_transfer_outside_eu = False
        self.assertFalse(self.Push._process_queue().get("done"))
        self.assertEqual(self.google.requests, [])
        # authorised: the queued appointment reaches Google
        self.account.with_user(manager).action_calendoc_transfer_authorise()
        self.assertEqual(self.Push._process_queue()["done"], 1)
        self.assertEqual(push.state, "done")
        self.assertEqual(len(self.google.live_events(PRIMARY)), 1)

    def test_only_managers_record_the_decision(self):
        with self.assertRaises(AccessError):
            self.account.with_user(self.secretary).action_calendoc_transfer_authorise()
        manager = new_test_user(
            self.env,
            login="calendoc_gdpr_transfer_manager2",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        with self.assertRaises(UserError):
            self.requester.with_user(manager).action_calendoc_transfer_authorise()
