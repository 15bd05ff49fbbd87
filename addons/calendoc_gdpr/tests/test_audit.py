import csv
import io
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase

FORM = {"name": {}, "calendoc_last_name": {}, "mobile": {}, "email": {}}


@tagged("post_install", "-at_install")
class TestAuditTrail(CalendocCase):
    """Who opened, changed, exported or erased a requester's file: one row
    each, never changed, read by managers only, exported as CSV, purged
    past its retention."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="calendoc_gdpr_audit_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        cls.other_secretary = new_test_user(
            cls.env,
            login="calendoc_gdpr_audit_other",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        cls.other_account.calendoc_secretary_ids = [
            Command.link(cls.other_secretary.id)
        ]
        cls.Audit = cls.env["calendoc.gdpr.audit"]

    def trail(self, requester=None):
        return self.Audit.search(
            [("requester_ref", "=", (requester or self.requester).id)], order="id"
        )

    def test_opening_the_form_writes_one_read_row_a_list_none(self):
        before = self.trail()
        self.requester.with_user(self.secretary).web_read(FORM)
        row = self.trail() - before
        self.assertEqual(len(row), 1)
        self.assertEqual(
            (row.action, row.user_id, row.account_id),
            ("read", self.secretary, self.account),
        )
        # a list of requesters opens nobody's file
        self.env["res.partner"].with_user(self.secretary).web_search_read(
            [("id", "=", self.requester.id)], FORM
        )
        self.assertEqual(self.trail() - before, row)

    def test_a_change_writes_one_row_with_its_fields(self):
        before = self.trail()
        self.requester.with_user(self.secretary).write(
            {"mobile": "06 55 44 33 22", "email": "jd@example.fr"}
        )
        row = self.trail() - before
        self.assertEqual(len(row), 1)
        self.assertEqual(row.action, "write")
        self.assertEqual(row.user_id, self.secretary)
        self.assertEqual(row.changed_fields, "email, mobile")
        # saved from the form: the change, not a new opening
        self.requester.with_user(self.secretary).web_save(
            {"email": "j@example.fr"}, FORM
        )
        row = self.trail() - before - row
        self.assertEqual((row.action, row.changed_fields), ("write", "email"))

    def test_export_and_erase_write_theirs_and_the_trail_survives(self):
        requester = self.requester
        name = requester.name
        requester.with_user(self.manager).action_calendoc_gdpr_export()
        self.assertIn("export", self.trail().mapped("action"))
        requester.with_user(self.manager)._calendoc_gdpr_erase()
        # anonymised (the ledger and invoices point to the contact): the
        # person is gone from it
        self.assertNotIn(name, requester.name or "")
        self.assertFalse(requester.email or requester.mobile or requester.phone)
        rows = self.trail(requester)
        self.assertEqual(rows[-1].action, "erase")
        self.assertEqual(rows[-1].user_id, self.manager)
        self.assertEqual(rows[-1].account_id, self.account)
        self.assertIn("export", rows.mapped("action"))

    def test_rows_cannot_be_changed_nor_deleted_even_by_a_manager(self):
        self.requester.with_user(self.secretary).web_read(FORM)
        row = self.trail()[-1].with_user(self.manager)
        with self.assertRaises(AccessError):
            row.write({"action": "export"})
        with self.assertRaises(AccessError):
            row.unlink()
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.manager).create(
                {"user_id": self.manager.id, "action": "read"}
            )
        self.assertEqual(row.sudo().action, "read")

    def test_only_managers_read_the_trail_never_a_secretary(self):
        self.requester.with_user(self.secretary).web_read(FORM)
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.secretary).search([])
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.other_secretary).search([])
        self.assertTrue(self.Audit.with_user(self.manager).search([]))

    def test_csv_export_for_an_audit(self):
        self.requester.with_user(self.secretary).write({"mobile": "06 01 02 03 04"})
        rows = self.trail()[-1:]
        action = rows.with_user(self.manager).action_calendoc_audit_export_csv()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        lines = list(csv.reader(io.StringIO(attachment.raw.decode())))
        self.assertEqual(
            lines[0], ["date", "user", "action", "requester", "account", "fields"]
        )
        self.assertEqual(
            lines[1][1:],
            [
                "calendoc_secretary",
                "Changed",
                str(self.requester.id),
                self.account.display_name,
                "mobile",
            ],
        )
        with self.assertRaises(AccessError):
            rows.with_user(self.secretary).action_calendoc_audit_export_csv()

    def test_retention_purges_rows_older_than_the_period(self):
        self.requester.with_user(self.secretary).web_read(FORM)
        self.requester.with_user(self.secretary).web_read(FORM)
        old, recent = self.trail()[-2:]
        self.env.cr.execute(
            "UPDATE calendoc_gdpr_audit SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=40), old.id),
        )
        self.env["ir.config_parameter"].set_param(
            "calendoc_gdpr.audit_retention_days", "30"
        )
        self.assertEqual(self.Audit._cron_calendoc_audit_purge(), 1)
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())
        self.assertEqual(self.Audit._calendoc_retention, "audit")


@tagged("post_install", "-at_install")
class TestAuditTrailWebClient(HttpCase, CalendocCase):
    def test_the_web_client_opening_the_form_writes_its_row(self):
        self.authenticate("calendoc_secretary", "calendoc_secretary")
        Audit = self.env["calendoc.gdpr.audit"]
        before = Audit.search([("requester_ref", "=", self.requester.id)])
        with self.assertNoLogs("odoo.http", "WARNING"):
            result = self.make_jsonrpc_request(
                "/web/dataset/call_kw/res.partner/web_read",
                {
                    "model": "res.partner",
                    "method": "web_read",
                    "args": [[self.requester.id]],
                    "kwargs": {"specification": FORM},
                },
            )
        self.assertEqual(result[0]["id"], self.requester.id)
        row = Audit.search([("requester_ref", "=", self.requester.id)]) - before
        self.assertEqual((row.action, row.user_id), ("read", self.secretary))
