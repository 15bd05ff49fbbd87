from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CSRF, PortalCase


@tagged("post_install", "-at_install")
class TestManageLink(PortalCase):
    def setUp(self):
        super().setUp()
        self.slots = self.free_slots(practitioner=self.doctor)
        response = self.post_booking(self.slots[0])
        self.assertEqual(response.status_code, 303)
        self.event = self.online_events()
        self.url = response.headers["Location"].split("?")[0]
        self.token = self.event.sudo().calendoc_access_token

    def post(self, url, **data):
        page = self.url_open(self.url)
        data["csrf_token"] = CSRF.search(page.text).group(1)
        return self.url_open(url, data=data, allow_redirects=False)

    def test_signed_link_shows_the_appointment_and_nothing_else(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Dr Alice Test", response.text)
        self.assertIn('id="calendoc_appointment_cancel"', response.text)
        self.assertNotIn("MARTIN", response.text, "no personal data on the page")

    def test_tampered_tokens_open_nothing(self):
        other = self.book(self.slots[-1]["start"], practitioner=self.doctor)
        other_url = other._calendoc_manage_url()
        other_token = other_url.rsplit("/", 1)[1]
        for url in (
            f"/rdv/appointment/{self.event.id}/{self.token[:-1]}x",
            f"/rdv/appointment/{self.event.id}/",
            f"/rdv/appointment/{self.event.id}/{other_token}",
            f"/rdv/appointment/{other.id}/{self.token}",
            f"/rdv/appointment/999999999/{self.token}",
            f"/rdv/appointment/{self.event.id}/{self.token[:-1]}x/move",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 404)
        response = self.post(
            f"/rdv/appointment/{self.event.id}/{self.token[:-1]}x/cancel"
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.event.calendoc_state, "booked")

    def test_patient_cancels_within_the_notice(self):
        response = self.post(f"{self.url}/cancel")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.event.calendoc_state, "cancelled")
        self.assertEqual(
            self.event.calendoc_cancel_reason, "Cancelled online by the patient."
        )
        page = self.url_open(response.headers["Location"])
        self.assertIn("Your appointment is cancelled", page.text)
        self.assertNotIn('id="calendoc_appointment_cancel"', page.text)
        # the slot is free again
        self.assertTrue(
            self.env["calendoc.slot.engine"]._is_slot_free(
                self.consult, self.doctor, self.event.start, online=True
            )
        )

    def test_cancel_or_move_past_the_notice_is_refused(self):
        self.consult.cancel_notice_hours = 24 * 365
        page = self.url_open(self.url)
        self.assertIn("please call the practice", page.text)
        self.assertEqual(self.url_open(f"{self.url}/move").status_code, 403)
        # a form kept open from before: refused all the same
        token = CSRF.search(self.url_open(self.book_url(self.slots[-1])).text)[1]
        response = self.url_open(
            f"{self.url}/cancel", data={"csrf_token": token}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("can no longer be changed online", response.text)
        self.assertEqual(self.event.calendoc_state, "booked")

    def test_patient_moves_to_a_free_slot(self):
        target = self.slots[-1]["start"]
        page = self.url_open(f"{self.url}/move?week=1")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_calendoc_slot", page.text)
        response = self.post(f"{self.url}/move", start=target.isoformat())
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.event.start, target)
        self.assertEqual(self.event.stop, target + timedelta(minutes=30))
        mails = self.env["mail.mail"].search(
            [("model", "=", "calendar.event"), ("res_id", "=", self.event.id)]
        )
        self.assertEqual(len(mails), 2, "booked, then moved")

    def test_move_to_a_taken_or_invalid_slot_is_refused(self):
        target = self.slots[-1]["start"]
        self.book(target, practitioner=self.doctor)
        start = self.event.start
        response = self.post(f"{self.url}/move", start=target.isoformat())
        self.assertEqual(response.status_code, 409)
        self.assertIn("was just booked by someone else", response.text)
        for bad in ("tomorrow", (target + timedelta(seconds=7)).isoformat()):
            response = self.post(f"{self.url}/move", start=bad)
            self.assertEqual(response.status_code, 400)
        night = fields.Datetime.now().replace(hour=1, minute=0, second=0, microsecond=0)
        response = self.post(
            f"{self.url}/move", start=(night + timedelta(days=5)).isoformat()
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.event.start, start)
