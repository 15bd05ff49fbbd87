"""What the patient agrees to when booking online (issue 19): SMS are
optional and cost nothing when refused; the practice's terms are shown,
versioned, and the version accepted is kept with the appointment; the pages
claim no SMS that was not queued; no sign-in link for patients, addresses in
French order."""

import re

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PortalCase

ERRORS = re.compile(r"alert-danger[^>]*>([^<]*)")


@tagged("post_install", "-at_install")
class TestOnlineConsent(PortalCase):
    def booked(self, response):
        self.assertEqual(response.status_code, 303, ERRORS.findall(response.text))
        event = self.online_events()
        self.assertEqual(len(event), 1)
        return event, self.url_open(response.headers["Location"]).text

    def sms_of(self, event):
        return self.env["sms.sms"].search([("calendoc_event_id", "=", event.id)])

    # --- SMS optional ----------------------------------------------------------
    def test_patient_who_refuses_sms_books_and_gets_no_sms_nor_charge(self):
        balances = self.account._calendoc_balances()
        event, page = self.booked(
            self.post_booking(self.free_slots()[0], accept_sms="")
        )
        self.assertTrue(event.calendoc_sms_refused)
        self.assertFalse(event.calendoc_online_sms_consent)
        self.assertFalse(self.sms_of(event))
        after = self.account._calendoc_balances()
        self.assertEqual(after["sms"], balances["sms"])
        self.assertEqual(after["appointment"], balances["appointment"] - 1)
        # no reminder either
        self.assertFalse(event._calendoc_sms_allowed("reminder"))
        self.assertIn("A confirmation is on its way by email.", page)
        self.assertNotIn("and SMS", page)

    def test_sms_consent_is_recorded_and_the_sms_charged(self):
        balance = self.account._calendoc_balances()["sms"]
        event, page = self.booked(self.post_booking(self.free_slots()[0]))
        self.assertFalse(event.calendoc_sms_refused)
        self.assertTrue(event.calendoc_online_sms_consent)
        sms = self.sms_of(event)
        self.assertEqual(len(sms), 1)
        self.assertEqual(
            self.account._calendoc_balances()["sms"], balance - sms.calendoc_segments
        )
        self.assertIn("by email and SMS", page)

    def test_page_claims_no_sms_that_failed_and_its_credit_comes_back(self):
        balance = self.account._calendoc_balances()["sms"]
        response = self.post_booking(self.free_slots()[0])
        event, _page = self.booked(response)
        sms = self.sms_of(event)
        sms.action_set_error("sms_number_format")
        self.assertEqual(self.account._calendoc_balances()["sms"], balance)
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("A confirmation is on its way by email.", page)
        self.assertNotIn("and SMS", page)

    def test_account_without_sms_credits_books_without_sms_claim(self):
        # the pack's SMS credits all used: the booking goes on, no SMS
        left = self.account._calendoc_balances()["sms"]
        self.account._calendoc_consume_credits("sms", left, "test:all-sms", None)
        event, page = self.booked(self.post_booking(self.free_slots()[0]))
        self.assertFalse(self.sms_of(event))
        self.assertNotIn("and SMS", page)

    # --- the practice's terms --------------------------------------------------
    def test_terms_are_shown_folded_and_the_version_accepted_is_kept(self):
        self.assertEqual(self.practice.online_terms_version, 1)
        self.assertTrue(self.practice.online_terms_date)
        slot = self.free_slots()[0]
        form = self.url_open(self.book_url(slot)).text
        terms = re.search(
            r'<details[^>]*id="calendoc_online_terms"[^>]*>(.*?)</details>',
            form,
            re.S,
        )
        self.assertTrue(terms, "the terms are not shown in a folded block")
        self.assertIn("Conditions du cabinet Test", terms.group(1))
        self.assertIn('name="terms_version" value="1"', form)
        event, _page = self.booked(self.post_booking(slot))
        self.assertEqual(event.calendoc_online_terms_version, 1)

    def test_changed_terms_are_a_new_version_that_must_be_accepted(self):
        slot = self.free_slots()[0]
        shown = self.practice.online_terms_version
        self.practice.online_terms = "Conditions du cabinet Test"  # unchanged
        self.assertEqual(self.practice.online_terms_version, shown)
        self.practice.online_terms = "Nouvelles conditions du cabinet"
        self.assertEqual(self.practice.online_terms_version, shown + 1)
        # the visitor accepted the version he was shown, now an old one
        response = self.post_booking(slot, terms_version=str(shown))
        self.assertEqual(response.status_code, 400)
        self.assertIn("terms changed while you were booking", response.text)
        self.assertFalse(self.online_events())
        # a translation of the terms is a change of them too
        self.env["res.lang"]._activate_lang("fr_FR")
        self.practice.update_field_translations(
            "online_terms", {"fr_FR": "Conditions traduites"}
        )
        self.assertEqual(self.practice.online_terms_version, shown + 2)
        event, _page = self.booked(self.post_booking(slot))
        self.assertEqual(event.calendoc_online_terms_version, shown + 2)

    def test_only_managers_edit_the_terms(self):
        with self.assertRaises(AccessError):
            self.practice.with_user(self.secretary).online_terms = "Autres"
        self.assertEqual(self.practice.online_terms, "Conditions du cabinet Test")

    def test_practice_without_terms_asks_only_for_the_data_processing(self):
        self.practice.online_terms = False
        slot = self.free_slots()[0]
        form = self.url_open(self.book_url(slot)).text
        self.assertNotIn("calendoc_online_terms", form)
        self.assertNotIn("the practice&#39;s terms", form)
        event, _page = self.booked(self.post_booking(slot, terms_version="0"))
        self.assertEqual(event.calendoc_online_terms_version, 0)

    # --- the patients' pages ---------------------------------------------------
    def test_booking_pages_have_no_sign_in_link_and_a_french_address(self):
        self.practice.write(
            {"street": "12 rue des Lices", "zip": "49100", "city": "Angers"}
        )
        slot = self.free_slots()[0]
        response = self.post_booking(slot)
        event, appointment = self.booked(response)
        pages = {
            "slots": self.url_open("/rdv/cabinet-test?week=1").text,
            "form": self.url_open(self.book_url(self.free_slots()[1])).text,
            "appointment": appointment,
            "not found": self.url_open("/rdv/nope-nope").text,
        }
        for name, page in pages.items():
            with self.subTest(page=name):
                self.assertNotIn('href="/web/login', page)
                self.assertNotIn(">Sign in<", page)
        for name in ("slots", "form", "appointment"):
            with self.subTest(page=name):
                self.assertIn("12 rue des Lices, 49100 Angers", pages[name])
                self.assertNotIn("49100, Angers", pages[name])
