"""The export bundle of a requester (access and portability): its zip read
back file by file, its French PDF rendered for real (wkhtmltopdf, fetching
its styles from the test server) and read with ``pdftotext``, its signed and
expiring link asked over HTTP."""

import base64
import csv
import hashlib
import io
import json
import subprocess
import zipfile
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase


def pdf_text(pdf):
    """The text of ``pdf`` as ``pdftotext`` reads it, white space single."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode()
    return " ".join(text.split())


@tagged("post_install", "-at_install")
class TestExportBundle(HttpCase, CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.manager = new_test_user(
            cls.env,
            login="gdpr_bundle_manager",
            groups="calendoc_agenda.group_calendoc_manager",
            lang="fr_FR",
        )
        cls.other = cls.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.account.id,
                "calendoc_last_name": "Martin",
                "calendoc_first_name": "Paul",
            }
        )
        # Monday 4 March 2030, 09:00 UTC: 10:00 in Paris (winter time)
        cls.appointment = cls.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.doctor.id,
                "calendoc_type_id": cls.consult.id,
                "calendoc_requester_id": cls.requester.id,
                "start": cls.utc(2030, 3, 4, 9, 0),
                "calendoc_remarks": "Allergique à la pénicilline",
            }
        )
        cls.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.doctor.id,
                "calendoc_type_id": cls.consult.id,
                "calendoc_requester_id": cls.other.id,
                "start": cls.utc(2030, 3, 4, 10, 0),
                "calendoc_remarks": "Remarque d'un autre patient",
            }
        )
        cls.env["sms.sms"].create(
            {
                "number": "+33612345678",
                "body": "Rappel : rendez-vous le 4 mars",
                "partner_id": cls.requester.id,
            }
        )
        cls.prescription = cls.env["ir.attachment"].create(
            {
                "name": "ordonnance.txt",
                "raw": b"Ordonnance de Jeanne Dupont",
                "res_model": "res.partner",
                "res_id": cls.requester.id,
            }
        )
        cls.recording = cls.env["ir.attachment"]
        if "calendoc.call" in cls.env:
            call = cls.env["calendoc.call"].create(
                {
                    "sip_call_id": "gdpr-bundle-call",
                    "direction": "in",
                    "practice_id": cls.practice.id,
                    "account_id": cls.account.id,
                    "requester_id": cls.requester.id,
                }
            )
            cls.recording = cls.env["ir.attachment"].create(
                {
                    "name": "gdpr-bundle-call.wav",
                    "datas": base64.b64encode(b"RIFF-fake-voice"),
                    "mimetype": "audio/wav",
                    "res_model": "calendoc.call",
                    "res_id": call.id,
                }
            )
            call.sudo().recording_id = cls.recording

    def bundle(self, requester=None, user=None):
        action = (
            (requester or self.requester)
            .with_user(user or self.manager)
            .with_context(force_report_rendering=True)
            .action_calendoc_gdpr_export()
        )
        return self.env["calendoc.gdpr.export"].browse(action["res_id"])

    def test_the_zip_holds_every_store_csv_pdf_files_and_their_hashes(self):
        # what is about him when the export runs (the export then leaves its
        # own trace: a note in his chatter, a row of the audit trail)
        stores = set(self.requester._calendoc_gdpr_records())
        export = self.bundle()
        self.assertEqual(export.requester_id, self.requester)
        self.assertEqual(export.account_id, self.account)
        self.assertEqual(export.user_id, self.manager)
        with zipfile.ZipFile(io.BytesIO(export.attachment_id.raw)) as bundle:
            files = {name: bundle.read(name) for name in bundle.namelist()}
        # the manifest: every other file, with its SHA-256
        manifest = json.loads(files.pop("manifest.json"))
        self.assertEqual(set(manifest), set(files))
        for name, content in files.items():
            self.assertEqual(manifest[name], hashlib.sha256(content).hexdigest(), name)
        # data.json: every store holding something about him
        data = json.loads(files["data.json"])
        self.assertTrue({"res.partner", "calendar.event", "sms.sms"} <= stores)
        # and the bundle's own record, about him too (erased with him)
        self.assertEqual(
            stores | {"calendoc.gdpr.export"}, set(data) - {"requester", "exported"}
        )
        self.assertEqual(
            [row["calendoc_remarks"] for row in data["calendar.event"]],
            ["Allergique à la pénicilline"],
        )
        self.assertNotIn("Martin", files["data.json"].decode())
        self.assertNotIn("autre patient", files["data.json"].decode())
        # one CSV per store
        self.assertEqual(
            {name for name in files if name.startswith("csv/")},
            {f"csv/{store}.csv" for store in stores | {"calendoc.gdpr.export"}},
        )
        rows = list(
            csv.DictReader(
                io.StringIO(files["csv/res.partner.csv"].decode("utf-8-sig"))
            )
        )
        self.assertEqual([row["name"] for row in rows], ["DUPONT Jeanne"])
        self.assertEqual(rows[0]["email"], "jeanne.dupont@example.fr")
        # his files, and the call's recording
        self.assertEqual(
            files[f"files/{self.prescription.id}-ordonnance.txt"],
            b"Ordonnance de Jeanne Dupont",
        )
        if self.recording:
            self.assertEqual(
                files[f"recordings/{self.recording.id}-gdpr-bundle-call.wav"],
                b"RIFF-fake-voice",
            )
        # the summary: a real PDF, in French, the time in Paris time
        self.assertTrue(files["summary.pdf"].startswith(b"%PDF-"))
        text = pdf_text(files["summary.pdf"])
        self.assertIn("DUPONT Jeanne", text)
        self.assertIn("Vos données personnelles", text)
        self.assertIn("lundi 4 mars 2030 à 10 h 00", text)
        self.assertNotIn("Martin", text)
        # the request noted on the requester
        self.assertIn("Personal data exported", self.requester.message_ids[0].body)

    def test_the_link_gives_the_zip_while_valid_and_logs_each_download(self):
        export = self.bundle()
        path = f"/calendoc/gdpr/export/{export.id}/{export.access_token}"
        self.assertTrue(export.download_url.endswith(path))
        response = self.url_open(path, timeout=60)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, export.attachment_id.raw)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        self.url_open(path, timeout=60)
        export.invalidate_recordset()
        self.assertEqual(export.download_count, 2)
        logs = export.message_ids.filtered(lambda m: "127.0.0.1" in (m.body or ""))
        self.assertEqual(len(logs), 2)
        self.assertIn("Archive téléchargée le", logs[0].body)

    def test_a_wrong_token_or_an_expired_link_gives_nothing(self):
        export = self.bundle()
        wrong = self.url_open(
            f"/calendoc/gdpr/export/{export.id}/{export.access_token[:-2]}xx",
            timeout=60,
        )
        self.assertEqual(wrong.status_code, 404)
        self.assertNotIn(b"PK", wrong.content[:2])
        self.assertIn("pas valide", wrong.text)
        missing = self.url_open(
            f"/calendoc/gdpr/export/{export.id + 1000}/{export.access_token}",
            timeout=60,
        )
        self.assertEqual(missing.status_code, 404)
        zero = self.url_open(f"/calendoc/gdpr/export/0/{export.access_token}")
        self.assertEqual(zero.status_code, 404)
        export.date_expiry = fields.Datetime.now() - timedelta(minutes=1)
        expired = self.url_open(
            f"/calendoc/gdpr/export/{export.id}/{export.access_token}", timeout=60
        )
        self.assertEqual(expired.status_code, 410)
        self.assertIn("a expiré", expired.text)
        export.invalidate_recordset()
        self.assertEqual(export.download_count, 0)
        self.assertFalse(
            export.message_ids.filtered(lambda m: "127.0.0.1" in (m.body or ""))
        )

    def test_only_a_manager_creates_a_bundle(self):
        portal = new_test_user(
            self.env,
            login="gdpr_bundle_portal",
            groups="calendoc_agenda.group_calendoc_portal_client",
        )
        portal.partner_id.parent_id = self.account
        for user in (self.secretary, portal):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.requester.with_user(user).action_calendoc_gdpr_export()
                with self.assertRaises(AccessError):
                    self.env["calendoc.gdpr.export"].with_user(user).create(
                        {"name": "x", "requester_id": self.requester.id}
                    )
                with self.assertRaises(AccessError):
                    self.env["calendoc.gdpr.export"].with_user(
                        user
                    )._calendoc_create_bundles(self.requester)
        self.assertFalse(
            self.env["calendoc.gdpr.export"].search(
                [("requester_id", "=", self.requester.id)]
            )
        )
