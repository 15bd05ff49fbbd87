"""Issue 20's engine (ARCHITECTURE invariants 4 and 8), across the addons:
one requester with data in every store (appointments and attendees, the
chatter with its tracking values, emails and notifications, followers,
activities, attachments, SMS, calls with their events and recording, the
portal conversation, the credit ledger, the Google queue). Export and
erasure cover the same stores; after erasure nothing of him is left in any
text column of the database; the erasure is journalled, sticks through a
Google pull and an SMS report, can be replayed on a restored database, and
rolls back whole when a store fails. Restriction and rectification reach
the agenda, the SMS and Google."""

import json
import os
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase
from odoo.addons.calendoc_google.tests.common import PRIMARY, GoogleCase

NAME = "Quennevilliers"
FIRST = "Anselmine"
MOBILE = "06 47 58 69 70"
EMAIL = "anselmine.quennevilliers@example.fr"
BIRTH = date(1961, 7, 23)
# Tables whose rows the residue search may find him in, and why.
RESIDUE_EXEMPT = {
    # Odoo's bus: the board's refresh notices, deleted by Odoo's own
    # garbage collection minutes later (bus.bus._gc_messages)
    "bus_bus": "transient notifications, purged by Odoo",
}


@tagged("post_install", "-at_install")
class TestGdprEngine(GoogleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gdpr_manager = new_test_user(
            cls.env,
            login="calendoc_gdpr_engine_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        cls.person = cls.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.account.id,
                "calendoc_last_name": NAME,
                "calendoc_first_name": FIRST,
                "mobile": MOBILE,
                "phone": "+33 2 41 55 66 77",
                "email": EMAIL,
                "calendoc_birthdate": BIRTH,
                "calendoc_remarks": f"Mme {NAME} préfère le matin",
            }
        )

    # --- the requester's data in every store ---------------------------------------
    def fill_every_store(self):
        person = self.person
        env = self.env(context=dict(self.env.context, tracking_disable=False))
        day = self.monday()
        past = self.book(
            self.paris(day, 9),
            calendoc_requester_id=person.id,
            calendoc_remarks=f"{FIRST} {NAME}, allergie",
        )
        past.calendoc_cancel(f"{NAME} a appelé pour annuler")
        coming = self.book(self.paris(day, 10), calendoc_requester_id=person.id)
        self.Push._process_queue()
        self.assertTrue(self.google_copy(coming))
        # chatter: a note, an email to him (mail.mail and notification), a
        # tracked change (tracking values), a follower, an activity
        note = person.message_post(body="Adresse corrigée")
        self.env["mail.tracking.value"].create(
            {
                "field_id": self.env.ref("base.field_res_partner__email").id,
                "old_value_char": "old." + EMAIL,
                "new_value_char": EMAIL,
                "mail_message_id": note.id,
            }
        )
        coming.with_env(env).message_post(
            body=f"{FIRST} {NAME} viendra accompagnée",
            partner_ids=person.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        person.message_post(body=f"Rappeler {NAME} au {MOBILE}")
        coming.message_subscribe(partner_ids=person.ids)
        person.activity_schedule(
            "mail.mail_activity_data_todo", summary=f"Rappeler {NAME}"
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"ordonnance-{NAME}.txt",
                "raw": f"Ordonnance de {FIRST} {NAME}".encode(),
                "res_model": "calendar.event",
                "res_id": coming.id,
            }
        )
        self.env["sms.sms"].create(
            {
                "number": "+33647586970",
                "body": f"Bonjour {FIRST} {NAME}, rappel de votre rendez-vous",
                "partner_id": person.id,
            }
        )
        recording = self.env["ir.attachment"].create(
            {"name": "call.wav", "raw": b"RIFF-fake-voice-" + NAME.encode()}
        )
        call = self.env["calendoc.call"].create(
            {
                "sip_call_id": "gdpr-engine-1",
                "direction": "in",
                "caller_number": "+33647586970",
                "called_number": "+33241000000",
                "practice_id": self.practice.id,
                "account_id": self.account.id,
                "requester_id": person.id,
                "recording_id": recording.id,
            }
        )
        self.env["calendoc.call.event"].create(
            {
                "call_id": call.id,
                "sip_call_id": call.sip_call_id,
                "kind": "ringing",
                "event_date": "2030-01-01 10:00:00",
                "payload": {"from": "0647586970"},
            }
        )
        thread = self.env["calendoc.requester.thread"].create(
            {"requester_id": person.id}
        )
        thread.message_post(body=f"{NAME} rappellera demain", message_type="comment")
        self.env["calendoc.credit.move"].sudo().create(
            {
                "account_id": self.account.id,
                "move_type": "correction",
                "kind": self.env["calendoc.credit.kind"].search([], limit=1).code,
                "quantity": -1,
                "key": f"gdpr-engine-{past.id}",
                "origin_model": "calendar.event",
                "origin_id": past.id,
                "reason": "test",
            }
        )
        self.env.flush_all()
        return {"coming": coming, "past": past, "attachment": attachment}

    def erase(self, person=None, **kw):
        return (
            (person or self.person)
            .with_user(self.gdpr_manager)
            ._calendoc_gdpr_erase(**kw)
        )

    def residue(self):
        Journal = self.env["calendoc.gdpr.erasure"].sudo()
        terms = Journal._calendoc_residue_terms(
            names=[NAME, f"{FIRST} {NAME}"],
            phones=[MOBILE, "02 41 55 66 77"],
            emails=[EMAIL],
            birthdates=[BIRTH],
        )
        self.env.flush_all()
        return Journal._calendoc_residue(terms, exempt=RESIDUE_EXEMPT)

    # --- symmetry ----------------------------------------------------------------------
    def test_export_and_erasure_cover_the_same_stores(self):
        stores = self.fill_every_store()
        # no appointment to come: the erasure then changes nothing first
        stores["coming"].calendoc_cancel("Annulé avant l'effacement")
        person = self.person.with_user(self.gdpr_manager)
        records = person._calendoc_gdpr_records()
        data = person._calendoc_gdpr_data()
        exported = set(data) - {"requester", "exported"}
        self.assertEqual(exported, set(records))
        every_store = {
            "res.partner",
            "calendar.event",
            "calendar.attendee",
            "mail.message",
            "mail.tracking.value",
            "mail.mail",
            "mail.notification",
            "mail.followers",
            "mail.activity",
            "ir.attachment",
            "sms.sms",
            "calendoc.call",
            "calendoc.call.event",
            "calendoc.requester.thread",
            "calendoc.credit.move",
            "calendoc.google.push",
        }
        self.assertEqual(set(records), every_store)
        counts = self.erase()
        self.assertEqual(set(counts), every_store)
        for name in every_store:
            self.assertEqual(counts[name], len(records[name]), name)

    # --- erasure ------------------------------------------------------------------------
    def test_erasure_leaves_no_residue_and_journals_a_hash(self):
        stores = self.fill_every_store()
        self.assertTrue(self.residue(), "the fixture must be findable before")
        fname = stores["attachment"].store_fname
        coming = stores["coming"]
        counts = self.erase(cancel_future=True, request="calendoc.gdpr.request,7")
        self.assertEqual(self.residue(), {})
        # the requester stays, anonymised (the ledger points to his records)
        self.assertFalse(self.person.active)
        self.assertFalse(self.person.email or self.person.mobile)
        self.assertNotIn(NAME, self.person.name)
        # the ledger row keeps its amount, loses the appointment
        move = self.env["calendoc.credit.move"].search(
            [("key", "=like", "gdpr-engine-%")]
        )
        self.assertEqual((move.quantity, move.origin_id), (-1, 0))
        # the file leaves the filestore at the next garbage collection
        Attachment = self.env["ir.attachment"]
        self.assertTrue(fname)
        Attachment._gc_file_store_unsafe()
        self.assertFalse(
            os.path.exists(Attachment._full_path(fname)),
            "the file stays in the filestore",
        )
        # the Google copy: a deletion queued, and done
        push = self.Push.search(
            [("event_ref", "=", coming.id), ("state", "=", "pending")]
        )
        self.assertEqual(push.operation, "delete")
        self.Push._process_queue()
        self.assertFalse(
            (self.google_copy_by_ref(coming.id) or {}).get("status") == "confirmed"
        )
        # journalled: stores and counts, the request, the person as hashes
        entry = self.env["calendoc.gdpr.erasure"].sudo().search([], limit=1)
        self.assertEqual(entry.request_ref, "calendoc.gdpr.request,7")
        self.assertEqual(entry.store_counts, counts)
        self.assertEqual(entry.account_id, self.account)
        self.assertEqual(entry.user_id, self.gdpr_manager)
        self.assertNotIn(NAME.lower(), entry.digests.lower())
        self.assertNotIn("647586970", entry.digests)
        self.assertEqual(len(entry.digests.split()), 4)  # 2 phones, email, identity

    def google_copy_by_ref(self, event_id):
        google_id = self.connection._google_event_id(event_id)
        return self.google.calendars[PRIMARY]["events"].get(google_id)

    def test_future_appointments_are_cancelled_first_or_refused(self):
        self.book(
            self.paris(self.monday(), 11, 30), calendoc_requester_id=self.person.id
        )
        name = self.person.name
        with self.assertRaises(UserError):
            self.erase()
        self.assertEqual(self.person.name, name)
        self.assertFalse(self.env["calendoc.gdpr.erasure"].sudo().search([]))

    def test_only_managers_erase_and_the_journal_is_append_only(self):
        with self.assertRaises(AccessError):
            self.person.with_user(self.secretary)._calendoc_gdpr_erase()
        self.erase()
        entry = self.env["calendoc.gdpr.erasure"].search([], limit=1)
        journal = entry.with_user(self.gdpr_manager)
        self.assertEqual(
            journal.read(["account_id"])[0]["account_id"][0], self.account.id
        )
        with self.assertRaises(AccessError):
            journal.write({"request_ref": "x"})
        with self.assertRaises(AccessError):
            journal.unlink()
        with self.assertRaises(AccessError):
            self.env["calendoc.gdpr.erasure"].with_user(self.gdpr_manager).create({})
        with self.assertRaises(AccessError):
            entry.with_user(self.secretary).read(["digests"])

    def test_a_store_that_fails_rolls_every_store_back(self):
        self.fill_every_store()
        sms = self.env["sms.sms"].search([("partner_id", "=", self.person.id)])
        # a row elsewhere that refuses the SMS's deletion
        self.env.cr.execute(
            "CREATE TABLE gdpr_engine_blocker (sms_id int REFERENCES sms_sms(id))"
        )
        self.env.cr.execute("INSERT INTO gdpr_engine_blocker VALUES (%s)", [sms.id])
        messages = self.env["mail.message"].search_count([])
        with self.assertRaises(Exception):  # noqa: B017 PostgreSQL's FK violation
            self.erase(cancel_future=True)
        self.env.invalidate_all()
        self.assertEqual(self.person.calendoc_last_name, NAME)
        self.assertTrue(self.person.active)
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertEqual(
            self.env["calendar.event"].search_count(
                [("calendoc_requester_id", "=", self.person.id)]
            ),
            2,
        )
        self.assertFalse(self.env["calendoc.gdpr.erasure"].sudo().search([]))

    # --- the erasure sticks -------------------------------------------------------------
    def test_a_google_pull_and_an_sms_report_bring_nothing_back(self):
        stores = self.fill_every_store()
        coming = stores["coming"]
        sms = self.env["sms.sms"].search([("partner_id", "=", self.person.id)])
        sms.uuid = "a" * 32
        self.erase(cancel_future=True)
        # the pull sees Google's copy (its deletion not yet pushed): no
        # appointment, no busy time comes back, the deletion stays queued
        self.connection._google_pull()
        self.assertFalse(
            self.env["calendar.event"]
            .with_context(active_test=False)
            .search(
                [
                    (
                        "calendoc_google_event_id",
                        "=",
                        self.connection._google_event_id(coming.id),
                    )
                ]
            )
        )
        self.assertFalse(self.busy_events())
        self.assertEqual(
            self.Push.search(
                [("event_ref", "=", coming.id), ("state", "=", "pending")]
            ).operation,
            "delete",
        )
        # the SMS gateway's late delivery report
        self.env["sms.sms"].sudo()._calendoc_delivery_reports(
            [{"sms_status": "delivered", "uuids": ["a" * 32]}]
        )
        self.assertEqual(self.residue(), {})

    def test_replay_erases_again_a_restored_requester(self):
        # the hash key exists from the install on: any backup holds it
        self.assertTrue(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("calendoc_gdpr.erasure_secret")
        )
        self.erase()
        entry = self.env["calendoc.gdpr.erasure"].sudo().search([], limit=1)
        dump = (
            self.env["calendoc.gdpr.erasure"]
            .with_user(self.gdpr_manager)
            ._calendoc_journal_dump()
        )
        # the database restored from a backup taken before the erasure: the
        # requester is back, the journal entry is not
        entry.unlink()
        back = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.account.id,
                "calendoc_last_name": NAME,
                "calendoc_first_name": FIRST,
                "mobile": MOBILE,
                "email": EMAIL,
                "calendoc_birthdate": BIRTH,
            }
        )
        # a namesake with another birth date and phone is left alone
        namesake = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.account.id,
                "calendoc_last_name": NAME,
                "calendoc_first_name": FIRST,
                "mobile": "06 00 00 00 01",
                "calendoc_birthdate": date(1990, 1, 1),
            }
        )
        Journal = self.env["calendoc.gdpr.erasure"].with_user(self.gdpr_manager)
        with self.assertRaises(UserError):
            Journal._calendoc_journal_load([{"no": "journal"}])
        entries = Journal._calendoc_journal_load(dump)
        self.assertEqual(len(entries), 1)
        self.assertTrue(
            Journal.sudo()._calendoc_erased(Journal.sudo()._calendoc_digests(back))
        )
        erased = entries._calendoc_replay()
        self.assertEqual(erased, back)
        self.assertFalse(back.active)
        self.assertNotIn(NAME, back.name)
        self.assertEqual(namesake.calendoc_last_name, NAME)
        Sudo = Journal.sudo()
        self.assertFalse(Sudo._calendoc_erased(Sudo._calendoc_digests(namesake)))
        # loading twice adds nothing
        self.assertEqual(Journal._calendoc_journal_load(dump), entries)
        with self.assertRaises(AccessError):
            entries.with_user(self.secretary)._calendoc_replay()

    # --- restriction and rectification --------------------------------------------------
    def test_restriction_blocks_booking_sms_and_google(self):
        coming = self.book(
            self.paris(self.monday(), 10), calendoc_requester_id=self.person.id
        )
        self.Push._process_queue()
        self.assertTrue(self.google_copy(coming))
        waiting = self.env["sms.sms"].create(
            {"number": "+33647586970", "body": "Rappel", "partner_id": self.person.id}
        )
        self.person.with_user(self.gdpr_manager)._calendoc_gdpr_restrict()
        self.assertEqual(waiting.state, "canceled")
        with self.assertRaisesRegex(UserError, "restricted"):
            self.book(
                self.paris(self.monday(), 11, 30), calendoc_requester_id=self.person.id
            )
        with self.assertRaisesRegex(UserError, "restricted"):
            self.book(self.paris(self.monday(), 11)).write(
                {"calendoc_requester_id": self.person.id}
            )
        self.assertFalse(coming._calendoc_sms_allowed("reminder"))
        # his appointment leaves Google
        self.Push._process_queue()
        copy = self.google_copy(coming)
        self.assertTrue(not copy or copy.get("status") == "cancelled")
        # lifted: back in Google, bookable again
        self.person.with_user(self.gdpr_manager)._calendoc_gdpr_restrict(False)
        self.Push._process_queue()
        self.assertEqual(
            self.google_copy(coming).get("status", "confirmed"), "confirmed"
        )
        self.book(
            self.paris(self.monday(), 11, 30), calendoc_requester_id=self.person.id
        )

    def test_rectification_reaches_google(self):
        self.practice.google_title = "requester"
        coming = self.book(
            self.paris(self.monday(), 10), calendoc_requester_id=self.person.id
        )
        self.Push._process_queue()
        self.assertIn(NAME.upper(), self.google_copy(coming)["summary"])
        self.person.write({"calendoc_last_name": "Rectifiée"})
        self.Push._process_queue()
        summary = self.google_copy(coming)["summary"]
        self.assertIn("RECTIFI", summary.upper())
        self.assertNotIn(NAME.upper(), summary)


@tagged("post_install", "-at_install")
class TestGdprSmsReport(HttpCase, CalendocCase):
    """The SMS gateway's delivery report for an SMS of an erased requester,
    at Odoo's own route: answered, and nothing comes back."""

    def test_a_late_delivery_report_brings_nothing_back(self):
        manager = new_test_user(
            self.env,
            login="calendoc_gdpr_engine_sms_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        person = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.account.id,
                "calendoc_last_name": NAME,
                "calendoc_first_name": FIRST,
                "mobile": MOBILE,
            }
        )
        message = person.message_post(body=f"Rappel envoyé à {FIRST} {NAME}")
        sms = self.env["sms.sms"].create(
            {
                "number": "+33647586970",
                "body": f"Bonjour {FIRST} {NAME}",
                "partner_id": person.id,
                "mail_message_id": message.id,
            }
        )
        uuid = sms.uuid
        person.with_user(manager)._calendoc_gdpr_erase()
        self.assertFalse(sms.exists())
        response = self.url_open(
            "/sms/status",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "message_statuses": [
                            {"sms_status": "delivered", "uuids": [uuid]}
                        ]
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json().get("result"), "OK", response.text)
        self.assertFalse(self.env["sms.sms"].search([("uuid", "=", uuid)]))
        Journal = self.env["calendoc.gdpr.erasure"].sudo()
        terms = Journal._calendoc_residue_terms(names=[NAME], phones=[MOBILE])
        self.env.flush_all()
        self.assertEqual(Journal._calendoc_residue(terms, exempt=RESIDUE_EXEMPT), {})
