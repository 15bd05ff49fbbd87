"""The registers over HTTP: the client portal's sub-processor and incident
pages (each account its own objections and incidents only; an objection
after the window refused with a clear message, nothing recorded) and the
processing register rendered as a real PDF (wkhtmltopdf) read back with
pdftotext, in French."""

import re
from datetime import date, timedelta

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase
from odoo.addons.calendoc_packs.tests.common import pdf_text

CLIENT_ADMIN = "calendoc_agenda.group_calendoc_portal_client"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestRegistersPortal(HttpCase, CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        (cls.account | cls.other_account).write({"lang": "fr_FR"})
        cls.admin_a = new_test_user(
            cls.env,
            login="reg_portal_a",
            password="reg_portal_a-Pass-2026",
            groups=CLIENT_ADMIN,
            lang="fr_FR",
        )
        cls.admin_a.partner_id.parent_id = cls.account
        cls.admin_b = new_test_user(
            cls.env,
            login="reg_portal_b",
            password="reg_portal_b-Pass-2026",
            groups=CLIENT_ADMIN,
            lang="fr_FR",
        )
        cls.admin_b.partner_id.parent_id = cls.other_account
        Subprocessor = cls.env["calendoc.gdpr.subprocessor"]
        fr = cls.env.ref("base.fr").id
        cls.open_sub = Subprocessor.create(
            {"name": "Routage Ouvert", "purpose": "SMS", "country_id": fr}
        )
        cls.open_sub.write(
            {"state": "announced", "date_announced": Subprocessor._today()}
        )
        cls.closed_sub = Subprocessor.create(
            {"name": "Routage Clos", "purpose": "SMS", "country_id": fr}
        )
        cls.closed_sub.write(
            {
                "state": "announced",
                "date_announced": Subprocessor._today() - timedelta(days=20),
            }
        )
        Objection = cls.env["calendoc.gdpr.subprocessor.objection"]
        Objection.create(
            {
                "subprocessor_id": cls.open_sub.id,
                "account_id": cls.account.id,
                "reason": "ALPHA refuse",
            }
        )
        Objection.create(
            {
                "subprocessor_id": cls.open_sub.id,
                "account_id": cls.other_account.id,
                "reason": "ZEBRA refuse",
            }
        )
        Incident = cls.env["calendoc.gdpr.incident"]
        for name, accounts in (
            ("ALPHA fuite", cls.account),
            ("ZEBRA fuite", cls.other_account),
        ):
            incident = Incident.create(
                {
                    "name": name,
                    "nature": f"{name} nature",
                    "account_ids": [(6, 0, accounts.ids)],
                }
            )
            incident.action_notify()

    def csrf_token(self):
        """The form token of the sub-processors page, as a browser reads it."""
        page = self.url_open("/my/calendoc/subprocessors", timeout=30)
        return CSRF.search(page.text).group(1)

    def login(self, user):
        self.authenticate(user.login, f"{user.login}-Pass-2026")

    def test_each_account_sees_its_own_objections_and_incidents(self):
        self.login(self.admin_a)
        page = self.url_open("/my/calendoc/subprocessors", timeout=30)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Routage Ouvert", page.text)
        self.assertIn("ALPHA refuse", page.text)
        self.assertNotIn("ZEBRA", page.text)
        page = self.url_open("/my/calendoc/incidents", timeout=30)
        self.assertEqual(page.status_code, 200)
        self.assertIn("ALPHA fuite nature", page.text)
        self.assertNotIn("ZEBRA", page.text)
        self.login(self.admin_b)
        page = self.url_open("/my/calendoc/incidents", timeout=30)
        self.assertIn("ZEBRA fuite", page.text)
        self.assertNotIn("ALPHA", page.text)

    def test_objecting_from_the_portal_within_and_after_the_window(self):
        self.login(self.admin_b)
        Objection = self.env["calendoc.gdpr.subprocessor.objection"]
        # after the window: refused, said clearly, nothing recorded
        late = self.url_open(
            f"/my/calendoc/subprocessors/{self.closed_sub.id}/object",
            data={"reason": "Trop tard", "csrf_token": self.csrf_token()},
            timeout=30,
        )
        self.assertEqual(late.status_code, 400)
        self.assertIn("Routage Clos", late.text)
        self.assertIn("acceptées jusqu", late.text)
        self.assertFalse(
            Objection.search([("subprocessor_id", "=", self.closed_sub.id)])
        )
        # within the window: recorded for B, shown on its page
        second = self.env["calendoc.gdpr.subprocessor"].create(
            {
                "name": "Routage Neuf",
                "purpose": "SMS",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        second.write({"state": "announced", "date_announced": date.today()})
        done = self.url_open(
            f"/my/calendoc/subprocessors/{second.id}/object",
            data={"reason": "ZEBRA ne veut pas", "csrf_token": self.csrf_token()},
            timeout=30,
        )
        self.assertEqual(done.status_code, 200)
        self.assertIn("ZEBRA ne veut pas", done.text)
        objection = Objection.search([("subprocessor_id", "=", second.id)])
        self.assertEqual(objection.account_id, self.other_account)
        # a practitioner of the portal, or the public, is refused
        self.logout()
        page = self.url_open("/my/calendoc/subprocessors", allow_redirects=False)
        self.assertIn(page.status_code, (302, 303))

    def test_the_processing_register_pdf_is_french_and_complete(self):
        company = self.env.company
        company.calendoc_gdpr_security_measures = "Chiffrement des sauvegardes"
        google = self.env["calendoc.gdpr.subprocessor"].create(
            {
                "name": "Agenda Outre-Atlantique",
                "purpose": "Agenda",
                "country_id": self.env.ref("base.us").id,
                "safeguard": "scc",
                "safeguard_note": "CCT 2021/914",
            }
        )
        google.write({"state": "active"})
        Processing = self.env["calendoc.gdpr.processing"]
        Processing.create(
            {
                "name": "Traitement commun",
                "purpose": "Prendre les rendez-vous",
                "data_categories": "Noms",
                "subprocessor_ids": [(6, 0, google.ids)],
            }
        )
        Processing.create(
            {
                "name": "Traitement propre à B",
                "purpose": "Autre",
                "all_accounts": False,
                "account_ids": [(6, 0, self.other_account.ids)],
            }
        )
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True, lang="fr_FR")
            ._render_qweb_pdf(
                "calendoc_gdpr.calendoc_gdpr_register_report", self.account.ids
            )
        )
        self.assertEqual(kind, "pdf")
        text = pdf_text(pdf)
        self.assertIn("Registre des traitements effectués pour le compte", text)
        self.assertIn("Maison de santé Test", text)
        self.assertIn("Traitement commun", text)
        self.assertIn("Prendre les rendez-vous", text)
        self.assertNotIn("Traitement propre à B", text)
        self.assertIn("Agenda Outre-Atlantique", text)
        self.assertIn("Transferts hors de l'Union européenne", text)
        self.assertIn("Clauses contractuelles types", text)
        self.assertIn("Chiffrement des sauvegardes", text)

    def test_a_client_admin_downloads_his_own_register_only(self):
        self.env["calendoc.gdpr.processing"].create(
            {
                "name": "Traitement propre à B",
                "purpose": "Autre",
                "all_accounts": False,
                "account_ids": [(6, 0, self.other_account.ids)],
            }
        )
        self.login(self.admin_a)
        response = self.url_open("/my/calendoc/register", timeout=120)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Registre-TEST01", response.headers["Content-Disposition"])
        # the report of A is rendered (tests render reports as HTML)
        self.assertIn("Maison de santé Test", response.text)
        self.assertNotIn("Traitement propre à B", response.text)
        self.assertNotIn("Autre cabinet", response.text)
        # the account's method refuses another account and a non-administrator
        with self.assertRaises(AccessError):
            self.other_account.with_user(self.admin_a)._calendoc_portal_register_pdf()
        self.logout()
        page = self.url_open("/my/calendoc/register", allow_redirects=False)
        self.assertIn(page.status_code, (302, 303))
