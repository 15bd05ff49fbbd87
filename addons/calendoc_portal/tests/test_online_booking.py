import re

from odoo.tests import tagged

from .common import PortalCase


@tagged("post_install", "-at_install")
class TestOnlineBooking(PortalCase):
    def test_booking_page_shows_the_free_slots_of_the_week(self):
        response = self.url_open(f"/rdv/cabinet-test?type_id={self.consult.id}&week=1")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Cabinet Test", response.text)
        self.assertIn("Dr Alice Test", response.text)
        self.assertIn(
            f"/rdv/cabinet-test/book?type_id={self.consult.id}", response.text
        )
        # the token link opens the same page
        by_token = self.url_open(f"/rdv/{self.practice.online_token}?week=1")
        self.assertEqual(by_token.status_code, 200)
        self.assertIn("o_calendoc_slot", by_token.text)

    def test_practice_website_embeds_the_booking_pages(self):
        code = self.practice.online_embed_code
        self.assertIn(f'src="{self.practice.online_url}"', code)
        self.assertTrue(self.practice.online_url.endswith("/rdv/cabinet-test"))
        response = self.url_open("/rdv/cabinet-test")
        self.assertNotIn("X-Frame-Options", response.headers)
        self.assertNotIn(
            "frame-ancestors", response.headers.get("Content-Security-Policy", "")
        )

    def test_unknown_link_or_practice_closed_to_booking_is_not_found(self):
        self.assertEqual(self.url_open("/rdv/nope-nope").status_code, 404)
        self.practice.online_booking = False
        response = self.url_open("/rdv/cabinet-test")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Traceback", response.text)

    def test_new_patient_books_online_and_is_confirmed_by_email_and_sms(self):
        slot = self.free_slots()[0]
        balance = self.account._calendoc_balances()["appointment"]
        response = self.post_booking(slot)
        self.assertEqual(
            response.status_code,
            303,
            re.findall(r"alert-danger[^>]*>([^<]*)", response.text),
        )
        event = self.online_events()
        self.assertEqual(len(event), 1)
        self.assertIn(f"/rdv/appointment/{event.id}/", response.headers["Location"])
        self.assertEqual(event.start, slot["start"])
        self.assertEqual(event.calendoc_practitioner_id.id, slot["practitioner_id"])
        requester = event.calendoc_requester_id
        self.assertEqual(requester.name, "MARTIN Paul")
        self.assertEqual(str(requester.calendoc_birthdate), "1980-05-17")
        self.assertEqual(requester.calendoc_mobile_e164, "+33698765432")
        self.assertEqual(requester.calendoc_account_id, self.account)
        self.assertEqual(self.account._calendoc_balances()["appointment"], balance - 1)
        mail = self.env["mail.mail"].search(
            [("model", "=", "calendar.event"), ("res_id", "=", event.id)]
        )
        self.assertEqual(mail.email_to, "paul.martin@example.fr")
        self.assertIn(event._calendoc_manage_url(), mail.body_html)
        sms = self.env["sms.sms"].search([("calendoc_event_id", "=", event.id)])
        self.assertEqual(sms.number, "+33698765432")
        page = self.url_open(response.headers["Location"])
        self.assertIn("Your appointment is booked", page.text)

    def test_returning_patient_is_matched_without_being_told(self):
        self.requester.calendoc_birthdate = "1975-03-02"
        slots = self.free_slots()
        known = self.post_booking(
            slots[0],
            last_name="dupont",
            first_name="Jeanne",
            mobile="+33 6 12 34 56 78",
            birthdate="1975-03-02",
        )
        stranger = self.post_booking(
            slots[-1],
            last_name="dupont",
            first_name="Jeanne",
            mobile="+33 6 12 34 56 78",
            birthdate="1990-01-01",
        )
        self.assertEqual((known.status_code, stranger.status_code), (303, 303))
        first, second = self.online_events().sorted("start")
        self.assertEqual(first.calendoc_requester_id, self.requester)
        self.assertNotEqual(second.calendoc_requester_id, self.requester)
        self.assertEqual(str(self.requester.calendoc_birthdate), "1975-03-02")
        # the visitor sees the same page either way, with none of the stored data
        for response in (known, stranger):
            page = self.url_open(response.headers["Location"])
            self.assertIn("Your appointment is booked", page.text)
            self.assertNotIn("jeanne.dupont@example.fr", page.text)

    def test_bad_input_is_refused_with_a_message_and_creates_nothing(self):
        self.env["ir.config_parameter"].set_param("calendoc_portal.limit_phone", 100)
        slot = self.free_slots()[0]
        requesters = self.requesters()
        cases = [
            # SMS are optional (issue 19): see test_online_consent.py
            ({"accept_terms": ""}, "accept the practice&#39;s terms"),
            ({"terms_version": "0"}, "terms changed while you were booking"),
            ({"mobile": "12"}, "valid mobile number"),
            ({"email": "not-an-email"}, "valid email address"),
            ({"birthdate": "2999-01-01"}, "valid birth date"),
            ({"birthdate": "hier"}, "valid birth date"),
            ({"last_name": " "}, "last name and first name"),
            ({"website_url": "http://spam.example"}, "could not be accepted"),
        ]
        for values, message in cases:
            with self.subTest(values=values):
                response = self.post_booking(slot, **values)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.online_events())
        self.assertEqual(self.requesters(), requesters)

    def test_post_without_csrf_token_is_refused(self):
        response = self.post_booking(self.free_slots()[0], csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.online_events())

    def test_slot_taken_meanwhile_gives_the_next_slots_and_creates_nothing(self):
        slot = self.free_slots(practitioner=self.doctor)[0]
        url = self.book_url(slot)
        token = self.csrf(url)
        # a secretary books it between display and confirm
        self.book(slot["start"], practitioner=self.doctor)
        requesters = self.requesters()
        data = self.identity(
            csrf_token=token,
            type_id=self.consult.id,
            practitioner_id=self.doctor.id,
            start=slot["start"].isoformat(),
        )
        response = self.url_open("/rdv/cabinet-test/book", data=data)
        self.assertEqual(response.status_code, 409)
        self.assertIn("was just booked by someone else", response.text)
        self.assertIn('id="calendoc_next_slots"', response.text)
        self.assertFalse(self.online_events())
        self.assertEqual(self.requesters(), requesters)
        # and the identity form of a taken slot says so too
        self.assertEqual(self.url_open(url).status_code, 409)

    def test_slot_outside_hours_or_beyond_horizon_is_refused(self):
        slot = dict(self.free_slots()[0])
        token = self.csrf(self.book_url(slot))
        night = dict(slot, start=slot["start"].replace(hour=1, minute=0))
        self.consult.max_horizon_days = 2
        for bad in (night, slot):  # slot is 3 days ahead: beyond the horizon now
            with self.subTest(start=bad["start"]):
                data = self.identity(
                    type_id=self.consult.id,
                    practitioner_id=bad["practitioner_id"],
                    start=bad["start"].isoformat(),
                )
                data["csrf_token"] = token
                response = self.url_open("/rdv/cabinet-test/book", data=data)
                self.assertEqual(response.status_code, 409)
        self.assertFalse(self.online_events())

    def test_foreign_type_or_practitioner_is_refused(self):
        slot = self.free_slots()[0]
        other_type = self.consult.copy({"online_bookable": False})
        response = self.url_open(
            f"/rdv/cabinet-test/book?type_id={other_type.id}"
            f"&practitioner_id={slot['practitioner_id']}&start={slot['start'].isoformat()}"
        )
        self.assertEqual(response.status_code, 400)
        response = self.url_open(
            f"/rdv/cabinet-test/book?type_id={self.consult.id}"
            f"&practitioner_id=999999&start={slot['start'].isoformat()}"
        )
        self.assertEqual(response.status_code, 400)

    def test_too_many_requests_per_address_are_refused(self):
        self.env["ir.config_parameter"].set_param("calendoc_portal.limit_ip", 2)
        slots = self.free_slots()
        self.assertEqual(self.post_booking(slots[0]).status_code, 303)
        self.assertEqual(
            self.post_booking(slots[-1], mobile="06 11 11 11 11").status_code, 303
        )
        response = self.post_booking(slots[len(slots) // 2], mobile="06 22 22 22 22")
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many requests", response.text)
        self.assertEqual(len(self.online_events()), 2)
        hits = self.env["calendoc.portal.throttle"].search(
            [("key", "like", "limit_ip:")]
        )
        self.assertEqual(len(hits), 2, "a refused request is not counted")

    def test_too_many_requests_per_phone_are_refused(self):
        self.env["ir.config_parameter"].set_param("calendoc_portal.limit_phone", 1)
        slots = self.free_slots()
        self.assertEqual(self.post_booking(slots[0]).status_code, 303)
        # same number typed another way
        response = self.post_booking(slots[-1], mobile="+33698765432")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(len(self.online_events()), 1)

    def test_pending_bookings_per_phone_are_limited(self):
        self.practice.online_max_pending = 1
        slots = self.free_slots()
        self.assertEqual(self.post_booking(slots[0]).status_code, 303)
        response = self.post_booking(slots[-1])
        self.assertEqual(response.status_code, 400)
        self.assertIn("already has 1 appointments to come", response.text)
        self.assertEqual(len(self.online_events()), 1)

    def test_account_without_credits_cannot_book(self):
        self.env["calendoc.offer"]._for_code("standard").free_monthly_appointments = 0
        self.account.calendoc_pack_ids.date_end = "2000-01-01"
        self.account.calendoc_pack_ids.date_start = "2000-01-01"
        response = self.post_booking(self.free_slots()[0])
        self.assertEqual(response.status_code, 400)
        self.assertIn("not available at the moment", response.text)
        self.assertNotIn(self.account.name, response.text)
        self.assertFalse(self.online_events())
