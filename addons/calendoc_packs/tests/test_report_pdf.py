"""Every CalenDoc PDF report rendered for real and read back.

Under tests Odoo renders reports as HTML unless the context asks
``force_report_rendering`` (``ir.actions.report._pre_render_qweb_pdf``): here
it does, so wkhtmltopdf (Debian's ``wkhtmltopdf``, installed by
``scripts/setup.sh``) lays the document out, fetching its styles from the test
server (an ``HttpCase``), and ``pdftotext`` (Debian's ``poppler-utils``)
reads its text back: French, times in Paris time to the minute."""

from datetime import datetime

from odoo.tests import HttpCase, freeze_time, tagged

from .common import PacksCase, pdf_text


def render_pdf(env, report, records, lang="fr_FR"):
    """``report`` (an xml id) of ``records`` as a real PDF in ``lang``."""
    pdf, kind = (
        env["ir.actions.report"]
        .with_context(force_report_rendering=True, lang=lang)
        ._render_qweb_pdf(report, records.ids)
    )
    return pdf, kind


@tagged("post_install", "-at_install")
class TestReportPdf(HttpCase, PacksCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        french = cls.env(context=dict(cls.env.context, lang="fr_FR"))
        with freeze_time("2026-10-20 08:00:00"):
            pack = cls.Pack._create_pack(cls.account, cls.pack_rdv, 2, key_prefix="pdf")
            # Monday after the autumn change: 10:00 in Paris (UTC+1)
            cls.env["calendar.event"].with_env(french).create(
                {
                    "calendoc_practitioner_id": cls.doctor.id,
                    "calendoc_type_id": cls.consult.id,
                    "calendoc_requester_id": cls.requester.id,
                    "start": datetime(2026, 10, 26, 9, 0),
                }
            )
        pack.date_end = "2027-01-31"
        # 18:32 in Paris on the day of the change (UTC+1 again)
        with freeze_time("2026-10-25 17:32:41"):
            cls.account._calendoc_consume_credits("sms", 1, "pdf-test:sms-1", None)
        cls.statement = cls.env["calendoc.statement.wizard"].create(
            {
                "account_id": cls.account.id,
                "date_from": "2026-10-01",
                "date_to": "2026-10-31",
            }
        )

    def records_of(self, report):
        """The records a test renders ``report`` (an xml id) of: each CalenDoc
        report has some here, a new one fails until it does."""
        return {
            "calendoc_packs.calendoc_statement_report": self.statement,
            # calendoc_gdpr's summary of an export bundle, on the requester
            "calendoc_gdpr.calendoc_gdpr_summary_report": self.requester,
            # calendoc_gdpr's register of a client account (article 30.2)
            "calendoc_gdpr.calendoc_gdpr_register_report": self.account,
        }.get(report)

    def test_every_calendoc_report_renders_a_real_pdf(self):
        data = self.env["ir.model.data"].search(
            [("model", "=", "ir.actions.report"), ("module", "=like", "calendoc_%")]
        )
        reports = [f"{d.module}.{d.name}" for d in data]
        self.assertIn("calendoc_packs.calendoc_statement_report", reports)
        for report in reports:
            with self.subTest(report=report):
                records = self.records_of(report)
                self.assertTrue(records, f"no test records for {report}")
                pdf, kind = render_pdf(self.env, report, records)
                self.assertEqual(kind, "pdf")
                self.assertTrue(pdf.startswith(b"%PDF-"), pdf[:200])
                self.assertTrue(pdf_text(pdf))

    def test_statement_pdf_is_french_and_in_paris_time(self):
        pdf, _kind = render_pdf(
            self.env, "calendoc_packs.calendoc_statement_report", self.statement
        )
        text = pdf_text(pdf)
        self.assertIn("Relevé de consommation", text)
        self.assertIn("Utilisé pour", text)
        self.assertIn(self.account.name, text)
        # the SMS charged at 17:32 UTC
        self.assertIn("2026-10-25 18:32", text)
        self.assertNotIn("17:32", text)
        # the appointment's charge says its day and hour in Paris (white space
        # left out: the cell wraps, and pdftotext interleaves the wrapped cells
        # of a row)
        self.assertIn("Rendez-vousdu26/10/202610:00avecDr", text.replace(" ", ""))
        self.assertNotIn("09:00:00", text)

    def test_the_firm_heads_and_foots_every_pdf(self):
        """Debian's wkhtmltopdf draws no separate header or footer: the firm's
        name (header) and its details (footer: e-mail, VAT) are in the page
        itself, as the reader of a statement or an invoice expects."""
        company = self.env.company
        company.write(
            {
                "report_header": "Secrétariat à votre écoute",
                "report_footer": "contact@secretariat.example.fr",
            }
        )
        pdf, _kind = render_pdf(
            self.env, "calendoc_packs.calendoc_statement_report", self.statement
        )
        text = pdf_text(pdf)
        self.assertIn("Secrétariat à votre écoute", text)
        self.assertIn("contact@secretariat.example.fr", text)
        self.assertLess(
            text.index("Secrétariat à votre écoute"),
            text.index("Relevé de consommation"),
        )
        self.assertGreater(
            text.index("contact@secretariat.example.fr"),
            text.index("Relevé de consommation"),
        )
