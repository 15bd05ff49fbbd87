"""Local time everywhere on the portal and the public booking pages
(ARCHITECTURE invariant 6): the practice's time zone, to the minute, dates in
French words in sentences; at both daylight-saving changes of 2026 (Paris:
UTC+2 from 29 March, UTC+1 again from 25 October) and in winter."""

import csv
import io
import re
from datetime import date, datetime

from odoo.tests import freeze_time, tagged

from odoo.addons.calendoc_agenda.tools.local_time import format_prose
from odoo.addons.calendoc_packs.tests.common import pdf_text

from .common import PortalCase

SPRING_MONDAY = datetime(2026, 3, 30, 7, 0)  # 09:00 in Paris (UTC+2)
AUTUMN_MONDAY = datetime(2026, 10, 26, 8, 0)  # 09:00 in Paris (UTC+1)
SECONDS = re.compile(r"\d\d:\d\d:\d\d")


@tagged("post_install", "-at_install")
class TestPortalLocalTimes(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.french = cls.env(context=dict(cls.env.context, lang="fr_FR"))
        with freeze_time("2026-03-23 05:00:00"):
            cls.Pack._create_pack(cls.account, cls.pack_rdv, 1, key_prefix="spring")
            cls.spring_event = cls.book_at(SPRING_MONDAY)
        with freeze_time("2026-10-20 08:00:00"):
            cls.Pack._create_pack(cls.account, cls.pack_rdv, 1, key_prefix="autumn")
            cls.autumn_event = cls.book_at(AUTUMN_MONDAY)
        # 18:32 in Paris on the day of the autumn change
        with freeze_time("2026-10-25 17:32:41"):
            cls.account._calendoc_consume_credits("sms", 1, "portal:tz", None)

    @classmethod
    def book_at(cls, start):
        """An appointment booked at ``start`` by a French secretary."""
        return (
            cls.env["calendar.event"]
            .with_env(cls.french)
            .create(
                {
                    "calendoc_practitioner_id": cls.doctor.id,
                    "calendoc_type_id": cls.consult.id,
                    "calendoc_requester_id": cls.requester.id,
                    "start": start,
                }
            )
        )

    def in_french(self):
        self.opener.cookies.set("frontend_lang", "fr_FR")

    # --- public booking ----------------------------------------------------------
    def test_booking_pages_give_the_practices_time_in_words(self):
        practice = self.practice.with_env(self.french)
        self.assertEqual(
            practice._online_when(datetime(2026, 3, 29, 8, 0)),
            "dimanche 29 mars 2026 à 10 h 00",
        )
        self.assertEqual(
            practice._online_when(datetime(2026, 12, 9, 9, 0)),
            "mercredi 9 décembre 2026 à 10 h 00",
        )
        days = practice._online_days(
            [
                {"start": datetime(2026, 10, 25, 8, 0), "practitioner_id": self.doctor.id},
                {"start": datetime(2026, 10, 25, 8, 30), "practitioner_id": self.doctor.id},
            ],
            False,
        )  # fmt: skip
        self.assertEqual(days[0]["label"], "Dimanche 25 octobre 2026")
        self.assertEqual([s["label"] for s in days[0]["slots"]], ["09:00", "09:30"])

    def test_booking_form_and_slot_list_read_in_french_without_seconds(self):
        self.in_french()
        slot = self.free_slots()[0]
        page = self.url_open(self.book_url(slot))
        self.assertEqual(page.status_code, 200)
        when = re.search(r'id="calendoc_online_when">([^<]*)<', page.text).group(1)
        self.assertEqual(
            when, format_prose(self.french, slot["start"], self.practice.tz)
        )
        self.assertRegex(when, r"^[a-z]+ \d{1,2} [a-zéû]+ \d{4} à \d{1,2} h \d\d$")
        slots = self.url_open(f"/rdv/cabinet-test?type_id={self.consult.id}&week=1")
        labels = re.findall(
            r'class="btn btn-outline-primary o_calendoc_slot"[^>]*>([^<]*)<', slots.text
        )
        self.assertTrue(labels)
        for label in labels:
            self.assertRegex(label, r"^\d\d:\d\d$")

    def test_patients_page_and_email_say_when_in_words(self):
        event = self.spring_event.with_env(self.french)
        self.assertEqual(
            event._calendoc_online_page()["when"], "lundi 30 mars 2026 à 9 h 00"
        )
        mail = self.spring_event._calendoc_online_send_email(
            "paul.martin@example.fr", "fr_FR", "booked"
        )
        self.assertIn("lundi 30 mars 2026 à 9 h 00", mail.body_html)
        self.assertNotRegex(mail.body_html, SECONDS)
        self.in_french()
        # the patient's signed link (made with his first e-mail)
        page = self.url_open(self.autumn_event._calendoc_manage_url())
        self.assertEqual(page.status_code, 200)
        when = re.search(r'id="calendoc_appointment_when">([^<]*)<', page.text)
        self.assertEqual(when.group(1), "lundi 26 octobre 2026 à 9 h 00")

    # --- client portal -------------------------------------------------------------
    def test_portal_agenda_in_the_practices_time(self):
        self.client_admin.tz = "UTC"  # his own zone is not the practice's
        self.authenticate("client_admin", "client_admin")
        self.in_french()
        page = self.url_open(f"/my/calendoc/appointments/{self.autumn_event.id}")
        self.assertEqual(page.status_code, 200)
        title = re.search(r'class="h4 card-title">([^<]*)<', page.text).group(1)
        self.assertEqual(title, "Lundi 26 octobre 2026 à 9 h 00")
        day = self.url_open("/my/calendoc/appointments?scope=day&day=2026-03-30")
        self.assertIn("30/03/2026 09:00", day.text)
        self.assertNotIn("07:00", day.text)
        grid = self.url_open("/my/calendoc/appointments?scope=grid&day=2026-10-26")
        cell = grid.text.split('data-date="2026-10-26"')[1].split("</section>")[0]
        self.assertIn(">09:00<", cell)

    def test_portal_delegations_in_the_accounts_time(self):
        self.env["calendoc.delegation"].create(
            {
                "grantor_account_id": self.account.id,
                "grantee_user_id": self.secretary.id,
                "scope_agenda_read": True,
                "reason": "Remplacement",
                "date_start": datetime(2026, 3, 29, 8, 0),
                "date_end": datetime(2026, 10, 25, 9, 0),
            }
        )
        self.client_admin.tz = "UTC"
        self.authenticate("client_admin", "client_admin")
        self.in_french()
        page = self.url_open("/my/calendoc/delegations")
        row = page.text.split("o_calendoc_delegation_row")[1].split("</tr>")[0]
        self.assertIn("29/03/2026 10:00<", row)
        self.assertIn("25/10/2026 10:00<", row)

    def test_portal_statement_in_paris_time_on_screen_csv_and_pdf(self):
        self.authenticate("client_admin", "client_admin")
        url = "/my/calendoc/statement?date_from=2026-10-01&date_to=2026-10-31"
        page = self.url_open(url)
        self.assertIn("<td>2026-10-25 18:32</td>", page.text)
        self.assertNotIn("17:32", page.text)
        rows = list(
            csv.reader(
                io.StringIO(self.url_open(url + "&output=csv").content.decode("utf-8-sig")),
                delimiter=";",
            )
        )  # fmt: skip
        self.assertIn("2026-10-25 18:32", [row[0] for row in rows])
        # the PDF for real (under tests Odoo gives HTML unless forced)
        pdf, _name = (
            self.account.with_user(self.client_admin)
            .with_context(force_report_rendering=True, lang="fr_FR")
            ._calendoc_portal_statement_pdf(date(2026, 10, 1), date(2026, 10, 31))
        )
        self.assertTrue(pdf.startswith(b"%PDF-"), pdf[:200])
        text = pdf_text(pdf)
        self.assertIn("Relevé de consommation", text)
        self.assertIn("2026-10-25 18:32", text)
        self.assertIn("Rendez-vousdu26/10/202609:00", text.replace(" ", ""))
        self.assertNotIn("17:32", text)
