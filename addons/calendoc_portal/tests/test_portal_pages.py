"""The client portal's pages as a client reads them (issue 19): the agenda's
list and week grid name the patient, upcoming appointments come soonest first,
the invoices page is titled for a client."""

from datetime import timedelta

import pytz

from odoo.tests import tagged

from .common import PortalCase


@tagged("post_install", "-at_install")
class TestPortalPages(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = cls.env.cr.now().replace(tzinfo=None)
        slots = cls.env["calendoc.slot.engine"]._find_slots(
            cls.consult,
            now + timedelta(days=2),
            now + timedelta(days=30),
            practitioners=cls.doctor,
            online=True,
        )
        later = next(
            s for s in slots if s["start"] > slots[0]["start"] + timedelta(days=3)
        )
        cls.other_patient = cls.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.account.id,
                "calendoc_last_name": "Lefebvre",
                "calendoc_first_name": "Marc",
                "mobile": "06 11 22 33 44",
            }
        )
        Event = cls.env["calendar.event"]
        values = {
            "calendoc_type_id": cls.consult.id,
            "calendoc_practitioner_id": cls.doctor.id,
        }
        # booked latest first: the portal must not list them so
        cls.late_event = Event.create(
            dict(values, start=later["start"], calendoc_requester_id=cls.requester.id)
        )
        cls.soon_event = Event.create(
            dict(
                values,
                start=slots[0]["start"],
                calendoc_requester_id=cls.other_patient.id,
            )
        )

    def test_agenda_list_names_the_patient_soonest_first(self):
        self.authenticate("client_admin", "client_admin")
        page = self.url_open("/my/calendoc/appointments").text
        self.assertIn("<th>Patient</th>", page)
        soon = page.index(f"/my/calendoc/appointments/{self.soon_event.id}")
        late = page.index(f"/my/calendoc/appointments/{self.late_event.id}")
        self.assertLess(soon, late)
        rows = page.split("o_calendoc_portal_row")
        self.assertIn("LEFEBVRE Marc", rows[1])
        self.assertIn("DUPONT Jeanne", rows[2])

    def test_week_grid_names_the_patient(self):
        local = pytz.utc.localize(self.soon_event.start).astimezone(
            pytz.timezone(self.practice.tz)
        )
        self.authenticate("doctor_portal", "doctor_portal")
        page = self.url_open(
            f"/my/calendoc/appointments?scope=grid&day={local.date()}"
        ).text
        day = page.split(f'data-date="{local.date()}"')[1].split("</section>")[0]
        self.assertIn("o_calendoc_grid_event", day)
        self.assertIn("LEFEBVRE Marc", day)

    def test_invoices_page_is_titled_for_a_client(self):
        self.authenticate("client_admin", "client_admin")
        response = self.url_open("/my/invoices")
        self.assertEqual(response.status_code, 200)
        title = response.text.split('id="calendoc_invoices_title"')[1].split("</li>")[0]
        # in the portal user's language (the database's French or English)
        self.assertIn(title.split(">", 1)[1].strip(), ("Your invoices", "Vos factures"))
        self.assertNotIn("Invoices &amp; Bills", response.text)
        self.assertNotIn("Factures clients &amp; Factures fournisseurs", response.text)
