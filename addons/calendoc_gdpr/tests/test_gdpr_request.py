from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user

RAW = """Return-Path: <{email}>
From: Jeanne Patiente <{email}>
To: rgpd@example.com
Subject: Je demande la copie de mes données
Message-ID: <gdpr-request-{tag}@example.com>
Date: Tue, 08 Dec 2026 09:00:00 +0100
Content-Type: text/plain; charset="utf-8"

Bonjour, merci de m'envoyer mes données.
"""


class TestGdprRequest(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        Partner = env["res.partner"]
        cls.manager = new_test_user(
            env,
            login="gdpr_mgr",
            password="gdpr_mgr-Pass-2026",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        cls.secretary = new_test_user(
            env,
            login="gdpr_sec",
            password="gdpr_sec-Pass-2026",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        cls.accounts = Partner
        cls.requesters = Partner
        cls.admins = env["res.users"]
        for code in ("A", "B"):
            account = Partner.create(
                {
                    "name": f"Compte RGPD {code}",
                    "is_company": True,
                    "is_calendoc_client": True,
                    "calendoc_permanence_code": f"RGPD{code}",
                }
            )
            requester = Partner.create(
                {
                    "is_calendoc_requester": True,
                    "calendoc_account_id": account.id,
                    "calendoc_last_name": f"Patiente{code}",
                    "email": f"patiente{code.lower()}@example.fr",
                }
            )
            admin = new_test_user(
                env,
                login=f"gdpr_admin_{code.lower()}",
                password=f"gdpr_admin_{code.lower()}-Pass-2026",
                groups="calendoc_agenda.group_calendoc_portal_client",
            )
            admin.partner_id.parent_id = account
            cls.accounts |= account
            cls.requesters |= requester
            cls.admins |= admin
        cls.accounts[0].calendoc_secretary_ids = [Command.link(cls.secretary.id)]
        cls.Request = env["calendoc.gdpr.request"]

    def _request(self, kind="access", index=0, user=None):
        return (
            self.Request.with_user(user or self.manager)
            .create(
                {
                    "request_type": kind,
                    "requester_id": self.requesters[index].id,
                    "message": "Merci",
                }
            )
            .with_user(self.manager)
        )

    def test_transitions(self):
        request = self._request()
        self.assertEqual(request.account_id, self.accounts[0])
        self.assertEqual(request.state, "received")
        request.action_forward()
        self.assertEqual(request.state, "forwarded")
        self.assertIn(self.admins[0].partner_id, request.message_ids[0].partner_ids)
        self.assertTrue(request.activity_ids)
        request.with_user(self.admins[0]).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.decided_by_id, self.admins[0])
        request.action_execute()
        self.assertEqual(request.state, "done")
        self.assertTrue(request.answer_attachment_ids)
        self.assertFalse(request.activity_ids)
        with self.assertRaises(UserError):
            request.action_cancel()
        other = self._request()
        other.action_cancel()
        self.assertEqual(other.state, "cancelled")

    def test_refusal_needs_reason(self):
        request = self._request()
        request.action_forward()
        client = request.with_user(self.admins[0])
        with self.assertRaises(UserError):
            client.action_refuse("  ")
        self.assertEqual(request.state, "forwarded")
        client.action_refuse("Dossier sous contentieux")
        self.assertEqual(request.state, "refused")
        self.assertEqual(request.refusal_reason, "Dossier sous contentieux")
        with self.assertRaises(UserError):
            request.action_execute()

    def test_deadline_and_extension(self):
        request = self._request()
        self.assertEqual(
            request.deadline, request.received_on + relativedelta(months=1)
        )
        with self.assertRaises(UserError):
            request.action_extend(2, "")
        with self.assertRaises(UserError):
            request.action_extend(3, "Complexe")
        with self.assertRaises(AccessError):
            request.with_user(self.secretary).action_extend(1, "Complexe")
        request.action_extend(2, "Demande complexe")
        self.assertEqual(
            request.deadline, request.received_on + relativedelta(months=3)
        )
        self.assertEqual(request.extension_reason, "Demande complexe")
        with self.assertRaises(UserError):
            request.action_extend(1, "Encore")
        self.assertEqual(request.extension_months, 2)

    def test_execution_per_type(self):
        erasure = self._request("erasure")
        erasure.action_approve()
        erasure.action_execute()
        self.assertEqual(erasure.state, "done")
        self.assertIn("Erased", " ".join(erasure.message_ids.mapped("body")))
        self.assertFalse(erasure.requester_id.exists().calendoc_last_name)
        restriction = self._request("restriction", 1)
        restriction.action_approve()
        restriction.action_execute()
        self.assertTrue(self.requesters[1].calendoc_restricted)
        portability = self._request("portability", 1)
        portability.action_approve()
        portability.action_execute()
        self.assertTrue(portability.answer_attachment_ids)
        rectification = self._request("rectification", 1)
        rectification.action_approve()
        with self.assertRaises(AccessError):
            rectification.with_user(self.secretary).action_mark_done()
        rectification.action_mark_done("<p>Adresse corrigée</p>")
        self.assertEqual(rectification.state, "done")
        # only secretariat managers execute
        access = self._request("access", 1)
        access.action_approve()
        with self.assertRaises(AccessError):
            access.with_user(self.secretary).action_execute()
        self.assertEqual(access.state, "approved")

    def test_bad_input(self):
        with self.assertRaises(UserError):
            self.Request.create(
                {
                    "request_type": "access",
                    "requester_id": self.requesters[1].id,
                    "account_id": self.accounts[0].id,
                }
            )
        with self.assertRaises(UserError):
            self.Request.create({"request_type": "sell"})
        request = self._request()
        with self.assertRaises(UserError):
            request.sudo().write({"state": "lost"})
        # a secretary of A cannot file for B's requester
        with self.assertRaises(AccessError):
            self._request(index=1, user=self.secretary)
        # nor a portal manager of A
        with self.assertRaises(UserError):
            self.Request.with_user(self.admins[0])._calendoc_portal_file(
                self.requesters[1], "access", "x"
            )

    def test_portal_file_and_isolation(self):
        mine = self.Request.with_user(self.admins[0])._calendoc_portal_file(
            self.requesters[0], "erasure", "Supprimer"
        )
        self.assertEqual(mine.sudo().channel, "portal")
        theirs = self._request(index=1)
        theirs.action_forward()
        Client = self.Request.with_user(self.admins[0])
        self.assertEqual(Client.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.admins[0]).action_approve()
        with self.assertRaises(AccessError):
            theirs.with_user(self.admins[0]).action_refuse("Non")
        self.assertEqual(theirs.state, "forwarded")
        self.assertFalse(
            self.Request.with_user(self.secretary).search([("id", "=", theirs.id)])
        )
        with self.assertRaises(AccessError):
            theirs.with_user(self.admins[0]).read(["message"])

    def test_email_intake(self):
        raw = RAW.format(email=self.requesters[0].email, tag="known")
        request_id = self.env["mail.thread"].message_process(
            "calendoc.gdpr.request", raw
        )
        request = self.Request.browse(request_id)
        self.assertEqual(request.channel, "email")
        self.assertEqual(request.requester_id, self.requesters[0])
        self.assertEqual(request.account_id, self.accounts[0])
        acknowledgement = self.env["mail.mail"].search(
            [("email_to", "=", self.requesters[0].email)]
        )
        self.assertTrue(acknowledgement)
        unknown = self.Request.browse(
            self.env["mail.thread"].message_process(
                "calendoc.gdpr.request",
                RAW.format(email="inconnu@example.org", tag="unknown"),
            )
        )
        self.assertFalse(unknown.requester_id)
        self.assertEqual(unknown.email_from, "inconnu@example.org")
        with self.assertRaises(UserError):
            unknown.action_forward()

    def test_reminder_and_overdue(self):
        now = fields.Datetime.now()
        due = self._request()
        due.sudo().received_on = now - relativedelta(months=1) + timedelta(days=3)
        later = self._request(index=1)
        late = self._request(index=1)
        late.sudo().received_on = now - relativedelta(months=1, days=1)
        reminded = self.Request._cron_remind()
        self.assertIn(due, reminded)
        self.assertNotIn(later, reminded)
        self.assertTrue(due.reminder_sent)
        self.assertFalse(self.Request._cron_remind() & due)
        overdue = self.Request.search([("overdue", "=", True)])
        self.assertIn(late, overdue)
        self.assertNotIn(due, overdue)
        late.action_cancel()
        self.assertNotIn(late, self.Request.search([("overdue", "=", True)]))

    def test_secretary_cannot_set_the_state(self):
        request = self._request(user=self.secretary)
        request.with_user(self.secretary).message = "Précisé"
        with self.assertRaises(AccessError):
            request.with_user(self.secretary).write({"state": "approved"})
        self.assertEqual(request.state, "received")
