"""Retention: the default periods, a dry run that counts and changes
nothing, a purge that erases exactly the records older than their category's
period through the stores' erasure, every run recorded, managers only."""

import base64
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase

NOW = fields.Datetime.now()
# free slots of the test practice (Monday 4 March 2030, Paris morning), where
# the appointments are booked before being moved into the past
SLOTS = iter(datetime(2030, 3, 4, 8, 0) + timedelta(minutes=30 * n) for n in range(6))


@tagged("post_install", "-at_install")
class TestRetention(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="gdpr_retention_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        cls.Run = cls.env["calendoc.gdpr.retention.run"]
        cls.rules = cls.env["calendoc.gdpr.retention"].search([])
        # every category a known period: the defaults are checked apart
        for category, period, unit in (
            ("appointments", 3, "years"),
            ("requesters", 3, "years"),
            ("sms", 1, "years"),
            ("calls", 1, "years"),
            ("recordings", 6, "months"),
            ("messages", 3, "years"),
        ):
            cls.rules.filtered(lambda r, c=category: r.category == c).write(
                {"period": period, "unit": unit, "purge": True}
            )
        cls.old_requester = cls.make_requester("Ancien", NOW - timedelta(days=1500))
        cls.recent_requester = cls.make_requester("Récent", NOW - timedelta(days=1500))
        # an old appointment (4 years ago) of each; the recent requester also
        # one a year ago: his file stays, his old appointment goes
        cls.old_events = cls.env["calendar.event"]
        for hours, requester in enumerate(cls.old_requester | cls.recent_requester):
            cls.old_events |= cls.make_event(
                requester, NOW - timedelta(days=1460, hours=hours)
            )
        cls.recent_event = cls.make_event(
            cls.recent_requester, NOW - timedelta(days=365)
        )
        cls.old_sms = cls.make_sms(cls.recent_requester, NOW - timedelta(days=400))
        cls.recent_sms = cls.make_sms(cls.recent_requester, NOW - timedelta(days=300))
        cls.firm_sms = cls.make_sms(None, NOW - timedelta(days=400))
        # the requester of the test set-up was created today: kept
        cls.keep_requester = cls.requester
        cls.recordings = cls.env["ir.attachment"]
        if "calendoc.call" in cls.env:
            call = cls.env["calendoc.call"].create(
                {
                    "sip_call_id": "retention-call",
                    "direction": "in",
                    "practice_id": cls.practice.id,
                    "account_id": cls.account.id,
                    "requester_id": cls.recent_requester.id,
                }
            )
            for days in (200, 100):
                cls.recordings |= cls.backdate(
                    cls.env["ir.attachment"].create(
                        {
                            "name": f"rec-{days}.wav",
                            "datas": base64.b64encode(b"RIFF"),
                            "res_model": "calendoc.call",
                            "res_id": call.id,
                        }
                    ),
                    NOW - timedelta(days=days),
                )
            # the call itself is recent: calls are kept a year
            cls.call = call

    @classmethod
    def backdate(cls, records, when):
        records.flush_recordset()
        cls.env.cr.execute(
            f"UPDATE {records._table} SET create_date = %s WHERE id = ANY(%s)",  # noqa: S608
            (when, records.ids),
        )
        records.invalidate_recordset()
        return records

    @classmethod
    def make_requester(cls, name, created):
        return cls.backdate(
            cls.env["res.partner"].create(
                {
                    "is_calendoc_requester": True,
                    "calendoc_account_id": cls.account.id,
                    "calendoc_last_name": name,
                }
            ),
            created,
        )

    @classmethod
    def make_event(cls, requester, start):
        event = cls.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.doctor.id,
                "calendoc_type_id": cls.consult.id,
                "calendoc_requester_id": requester.id,
                "start": next(SLOTS),
            }
        )
        event.flush_recordset()
        # the past, where nobody books
        cls.env.cr.execute(
            "UPDATE calendar_event SET start = %s, stop = %s WHERE id = %s",
            (start, start + timedelta(minutes=30), event.id),
        )
        event.invalidate_recordset()
        return event

    @classmethod
    def make_sms(cls, requester, created):
        return cls.backdate(
            cls.env["sms.sms"].create(
                {
                    "number": "+33612345678",
                    "body": "Rappel",
                    "partner_id": requester.id if requester else False,
                    "state": "sent",
                }
            ),
            created,
        )

    def run_as_manager(self, dry_run):
        return self.Run.with_user(self.manager)._calendoc_run(dry_run=dry_run)

    def test_defaults_cover_every_category_with_a_source(self):
        defaults = {
            rule.category: (rule.period, rule.unit)
            for rule in self.env["calendoc.gdpr.retention"].search([])
        }
        self.assertEqual(
            set(defaults),
            {
                "appointments",
                "requesters",
                "calls",
                "recordings",
                "sms",
                "messages",
                "audit",
            },
        )
        recordings = self.env.ref("calendoc_gdpr.retention_recordings")
        self.assertEqual((recordings.period, recordings.unit), (6, "months"))
        self.assertIn("CNIL", recordings.source)
        self.assertTrue(self.env.ref("calendoc_gdpr.ir_cron_calendoc_gdpr_retention"))

    def test_a_dry_run_counts_and_changes_nothing(self):
        run = self.run_as_manager(dry_run=True)
        self.assertTrue(run.dry_run)
        self.assertEqual(run.user_id, self.manager)
        expected = {
            "appointments": {"calendar.event": 2},
            "sms": {"sms.sms": 1},
            # the old requester: his file and what hangs from it through the
            # engine's stores (his appointment is counted above, its attendee,
            # follower and anonymised ledger row here)
            "requesters": {
                "res.partner": 1,
                "calendar.event": 1,
                "calendar.attendee": 1,
                "calendoc.credit.move": 1,
                "mail.followers": 1,
            },
        }
        if self.recordings:
            expected["recordings"] = {"ir.attachment": 1}
        self.assertEqual(run.counts, expected)
        self.assertEqual(run.total, 9 if self.recordings else 8)
        self.assertIn("Outgoing SMS (sms.sms): 1", run.summary)
        self.assertTrue(self.old_events.exists())
        self.assertTrue(self.old_sms.exists())
        self.assertTrue(self.old_requester.exists())
        self.assertEqual(len(self.recordings.exists()), len(self.recordings))

    def test_a_purge_erases_exactly_what_is_older_than_its_period(self):
        old_name = self.old_requester.name
        run = self.run_as_manager(dry_run=False)
        self.assertFalse(run.dry_run)
        self.assertEqual(run.counts["appointments"], {"calendar.event": 2})
        self.assertEqual(run.counts["sms"], {"sms.sms": 1})
        self.assertEqual(run.counts["requesters"], {"res.partner": 1})
        self.assertFalse(self.old_events.exists())
        self.assertFalse(self.old_sms.exists())
        # his file anonymised (the ledger points to the contact): no person
        self.assertTrue(self.old_requester.exists())
        self.assertNotIn(old_name, self.old_requester.name or "")
        self.assertFalse(self.old_requester.email or self.old_requester.mobile)
        # newer records, other categories and records about nobody stay
        self.assertTrue(self.recent_event.exists())
        self.assertTrue(self.recent_sms.exists())
        self.assertTrue(self.firm_sms.exists())
        self.assertTrue(self.recent_requester.exists())
        self.assertTrue(self.keep_requester.exists())
        if self.recordings:
            self.assertEqual(run.counts["recordings"], {"ir.attachment": 1})
            self.assertEqual(self.recordings.exists().mapped("name"), ["rec-100.wav"])
            self.assertTrue(self.call.exists())
        # a second run finds nothing left
        again = self.run_as_manager(dry_run=False)
        self.assertFalse(again.counts)
        self.assertEqual(again.total, 0)
        self.assertIn("No record is older", again.summary)
        self.assertEqual(self.Run.search([], limit=2), again | run)

    def test_a_category_lives_by_its_own_period(self):
        """SMS kept 5 years, or not purged at all: the old SMS stays while
        the old appointments go."""
        self.env.ref("calendoc_gdpr.retention_sms").write(
            {"period": 5, "unit": "years"}
        )
        run = self.run_as_manager(dry_run=False)
        self.assertNotIn("sms", run.counts)
        self.assertTrue(self.old_sms.exists())
        self.assertFalse(self.old_events.exists())
        self.env.ref("calendoc_gdpr.retention_sms").write({"period": 1, "purge": False})
        run = self.run_as_manager(dry_run=False)
        self.assertNotIn("sms", run.counts or {})
        self.assertTrue(self.old_sms.exists())

    def test_the_wizard_dry_runs_before_purging(self):
        wizard = (
            self.env["calendoc.gdpr.retention.wizard"]
            .with_user(self.manager)
            .create({})
        )
        wizard.action_dry_run()
        self.assertTrue(wizard.dry_run_id.dry_run)
        self.assertIn("sms.sms", wizard.summary)
        self.assertTrue(self.old_sms.exists())
        action = wizard.action_purge()
        run = self.Run.browse(action["res_id"])
        self.assertFalse(run.dry_run)
        self.assertFalse(self.old_sms.exists())

    def test_only_a_manager_runs_it(self):
        portal = new_test_user(
            self.env,
            login="gdpr_retention_portal",
            groups="calendoc_agenda.group_calendoc_portal_client",
        )
        runs = self.Run.search_count([])
        for user in (self.secretary, portal):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Run.with_user(user)._calendoc_run(dry_run=False)
                with self.assertRaises(AccessError):
                    self.env["calendoc.gdpr.retention.wizard"].with_user(user).create(
                        {}
                    )
                with self.assertRaises(AccessError):
                    self.env.ref("calendoc_gdpr.retention_sms").with_user(
                        user
                    ).period = 50
        self.assertEqual(self.Run.search_count([]), runs)
        self.assertTrue(self.old_sms.exists())
