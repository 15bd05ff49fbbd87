"""The processor's registers (issue 20, point 7): sub-processor changes
announced to every active client account, objections within 15 days only,
changes in force only once the window has closed; security incidents
notified to the affected accounts with the controllers' 72-hour deadline."""

from datetime import date, datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase

CLIENT_ADMIN = "calendoc_agenda.group_calendoc_portal_client"


class RegistersCase(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.manager = new_test_user(
            cls.env,
            login="registers_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        (cls.account | cls.other_account).write({"lang": "fr_FR"})
        cls.account.email = "accueil@maison-test.example.fr"
        cls.other_account.email = "cabinet@autre.example.fr"
        cls.admin_a = new_test_user(
            cls.env, login="registers_admin_a", groups=CLIENT_ADMIN
        )
        cls.admin_a.partner_id.write(
            {"parent_id": cls.account.id, "email": "direction@maison-test.example.fr"}
        )
        cls.admin_b = new_test_user(
            cls.env, login="registers_admin_b", groups=CLIENT_ADMIN
        )
        cls.admin_b.partner_id.write(
            {"parent_id": cls.other_account.id, "email": "chef@autre.example.fr"}
        )
        cls.former = cls.env["res.partner"].create(
            {
                "name": "Ancien client",
                "is_company": True,
                "is_calendoc_client": True,
                "calendoc_permanence_code": "FORMER1",
                "email": "ancien@client.example.fr",
                "active": False,
            }
        )
        Subprocessor = cls.env["calendoc.gdpr.subprocessor"]
        cls.old_sms = Subprocessor.create(
            {
                "name": "SMS d'hier",
                "purpose": "SMS",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        cls.old_sms.write({"state": "active"})
        cls.new_sms = Subprocessor.create(
            {
                "name": "SMS Express",
                "purpose": "Envoi des rappels par SMS",
                "country_id": cls.env.ref("base.us").id,
                "safeguard": "scc",
                "replaced_id": cls.old_sms.id,
            }
        )

    def mails_of(self, records):
        return self.env["mail.mail"].search(
            [("model", "=", records._name), ("res_id", "in", records.ids)]
        )

    def announce(self, day="2026-03-02 09:00:00"):
        with freeze_time(day):
            self.new_sms.with_user(self.manager).action_announce()


@tagged("post_install", "-at_install")
class TestSubprocessors(RegistersCase):
    def test_announcement_emails_every_active_account_in_french(self):
        self.announce()
        self.assertEqual(self.new_sms.state, "announced")
        self.assertEqual(self.new_sms.date_objection_end, date(2026, 3, 17))
        self.assertEqual(self.new_sms.date_effective, date(2026, 3, 18))
        notices = self.env["calendoc.gdpr.notice"].search(
            [("subprocessor_id", "=", self.new_sms.id)]
        )
        self.assertIn(self.account, notices.account_id)
        self.assertIn(self.other_account, notices.account_id)
        self.assertNotIn(self.former, notices.account_id)
        mails = self.mails_of(notices)
        recipients = mails.recipient_ids
        self.assertIn(self.account, recipients)
        self.assertIn(self.admin_a.partner_id, recipients)
        self.assertIn(self.other_account, recipients)
        self.assertIn(self.admin_b.partner_id, recipients)
        self.assertNotIn(self.former, recipients)
        mail_a = mails.filtered(lambda m: self.account in m.recipient_ids)
        self.assertEqual(len(mail_a), 1)
        # each account is e-mailed alone: no account learns who the others are
        self.assertNotIn(self.other_account, mail_a.recipient_ids)
        self.assertIn("sous-traitant", mail_a.subject)
        self.assertIn("SMS Express", mail_a.body_html)
        self.assertIn("17/03/2026", mail_a.body_html)
        self.assertIn("lauses contractuelles types", mail_a.body_html)
        self.assertTrue(all(notices.filtered("account_id.email").mapped("date_sent")))

    def test_only_a_manager_announces_and_only_a_proposal(self):
        with self.assertRaises(AccessError):
            self.new_sms.with_user(self.secretary).action_announce()
        self.assertEqual(self.new_sms.state, "proposed")
        self.announce()
        with self.assertRaises(UserError):
            self.new_sms.with_user(self.manager).action_announce()

    def test_a_transfer_outside_the_eea_needs_a_safeguard(self):
        with self.assertRaises(UserError):
            self.env["calendoc.gdpr.subprocessor"].create(
                {
                    "name": "Sans garantie",
                    "purpose": "Hébergement",
                    "country_id": self.env.ref("base.in").id,
                }
            )

    def test_objection_within_the_window_is_recorded(self):
        self.announce()
        with freeze_time("2026-03-17 20:00:00"):
            objection = self.new_sms.with_user(self.admin_a)._calendoc_object(
                "Nos patients refusent un transfert hors UE."
            )
        self.assertEqual(objection.account_id, self.account)
        self.assertEqual(objection.date, date(2026, 3, 17))
        self.assertEqual(objection.user_id, self.admin_a)
        self.assertIn(objection, self.new_sms.objection_ids)

    def test_objection_after_the_window_is_refused_clearly(self):
        self.announce()
        with freeze_time("2026-03-18 08:00:00"), self.assertRaises(UserError) as err:
            self.new_sms.with_user(self.admin_a)._calendoc_object("Trop tard ?")
        self.assertIn("SMS Express", str(err.exception))
        self.assertIn("2026-03-17", str(err.exception))
        self.assertFalse(self.new_sms.objection_ids)

    def test_objection_needs_a_reason_an_announcement_and_once(self):
        with self.assertRaises(UserError):
            self.new_sms.with_user(self.admin_a)._calendoc_object("Pas annoncé")
        self.announce()
        with freeze_time("2026-03-03"):
            with self.assertRaises(UserError):
                self.new_sms.with_user(self.admin_a)._calendoc_object("   ")
            self.new_sms.with_user(self.admin_a)._calendoc_object("Non")
            with self.assertRaises(UserError):
                self.new_sms.with_user(self.admin_a)._calendoc_object("Encore non")
        self.assertEqual(len(self.new_sms.objection_ids), 1)

    def test_an_account_objects_for_itself_only(self):
        self.announce()
        Objection = self.env["calendoc.gdpr.subprocessor.objection"]
        with freeze_time("2026-03-03"):
            with self.assertRaises(AccessError):
                Objection.with_user(self.admin_a).create(
                    {
                        "subprocessor_id": self.new_sms.id,
                        "account_id": self.other_account.id,
                        "reason": "Au nom de B",
                    }
                )
            with self.assertRaises(AccessError):
                self.new_sms.with_user(self.secretary)._calendoc_object("Non")
        self.assertFalse(self.new_sms.objection_ids)

    def test_the_change_takes_effect_only_once_the_window_has_closed(self):
        self.announce()
        Subprocessor = self.env["calendoc.gdpr.subprocessor"]
        # 22:00 in Paris on the last day of the window
        with freeze_time("2026-03-17 21:00:00"):
            Subprocessor._cron_activate()
            self.assertEqual(self.new_sms.state, "announced")
            with self.assertRaises(UserError):
                self.new_sms.with_user(self.manager).action_activate()
        self.assertEqual(self.old_sms.state, "active")
        # 00:30 in Paris the day after
        with freeze_time("2026-03-17 23:30:00"):
            Subprocessor._cron_activate()
        self.assertEqual(self.new_sms.state, "active")
        self.assertEqual(self.new_sms.date_effective, date(2026, 3, 18))
        self.assertEqual(self.old_sms.state, "withdrawn")

    def test_an_objected_change_waits_for_the_manager(self):
        self.announce()
        with freeze_time("2026-03-05"):
            self.new_sms.with_user(self.admin_b)._calendoc_object("Non")
        with freeze_time("2026-03-20"):
            self.env["calendoc.gdpr.subprocessor"]._cron_activate()
            self.assertEqual(self.new_sms.state, "announced")
            self.assertTrue(self.new_sms.activity_ids)
            self.assertEqual(self.old_sms.state, "active")
            self.new_sms.with_user(self.manager).action_withdraw()
        self.assertEqual(self.new_sms.state, "withdrawn")
        self.assertEqual(self.old_sms.state, "active")

    def test_a_client_admin_reads_his_own_objections_only(self):
        self.announce()
        with freeze_time("2026-03-05"):
            mine = self.new_sms.with_user(self.admin_a)._calendoc_object("A dit non")
            theirs = self.new_sms.with_user(self.admin_b)._calendoc_object("B dit non")
        Objection = self.env["calendoc.gdpr.subprocessor.objection"]
        self.assertEqual(Objection.with_user(self.admin_a).search([]), mine)
        self.assertEqual(
            self.new_sms.with_user(self.admin_a)._calendoc_own_objection(), mine
        )
        self.new_sms.invalidate_recordset(["objection_ids"])
        self.assertEqual(self.new_sms.with_user(self.admin_a).objection_ids, mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.admin_a).read(["reason"])
        with self.assertRaises(AccessError):
            mine.with_user(self.admin_a).write({"reason": "changé"})
        # a proposal is not shown to the clients yet
        proposal = self.env["calendoc.gdpr.subprocessor"].create(
            {"name": "Projet", "purpose": "x", "country_id": self.env.ref("base.fr").id}
        )
        listed = self.env["calendoc.gdpr.subprocessor"].with_user(self.admin_a)
        self.assertNotIn(proposal, listed._calendoc_portal_list())
        self.assertIn(self.new_sms, listed._calendoc_portal_list())


@tagged("post_install", "-at_install")
class TestIncidents(RegistersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.incident = cls.env["calendoc.gdpr.incident"].create(
            {
                "name": "Ordinateur portable volé",
                "date_detected": datetime(2026, 5, 4, 8, 30),
                "nature": "Vol d'un ordinateur non chiffré",
                "data_categories": "Noms et téléphones des demandeurs",
                "data_count": 120,
                "subject_count": 80,
                "consequences": "Démarchage possible",
                "measures": "Mots de passe changés",
                "account_ids": [(6, 0, cls.account.ids)],
            }
        )

    def test_the_deadline_is_detection_plus_72_hours(self):
        self.assertEqual(self.incident.date_deadline, datetime(2026, 5, 7, 8, 30))
        self.incident.date_detected = datetime(2026, 5, 6, 23, 0)
        self.assertEqual(self.incident.date_deadline, datetime(2026, 5, 9, 23, 0))

    def test_the_deadline_status_warns_when_close_and_passed(self):
        for now, status in (
            ("2026-05-04 09:00:00", "ok"),
            ("2026-05-06 08:29:00", "ok"),
            ("2026-05-06 12:00:00", "close"),
            ("2026-05-07 08:31:00", "passed"),
        ):
            with self.subTest(now=now), freeze_time(now):
                self.incident.invalidate_recordset(["deadline_status"])
                self.assertEqual(self.incident.deadline_status, status)

    def test_notify_emails_the_affected_accounts_only_in_french(self):
        with freeze_time("2026-05-04 10:00:00"):
            self.incident.with_user(self.manager).action_notify()
        notices = self.incident.notice_ids
        self.assertEqual(notices.account_id, self.account)
        self.assertEqual(notices.date_sent, datetime(2026, 5, 4, 10, 0))
        self.assertEqual(self.incident.date_notified, datetime(2026, 5, 4, 10, 0))
        mails = self.mails_of(notices)
        self.assertEqual(len(mails), 1)
        self.assertEqual(
            set(mails.recipient_ids.ids), {self.account.id, self.admin_a.partner_id.id}
        )
        self.assertNotIn(self.other_account, mails.recipient_ids)
        self.assertIn("violation de données", mails.subject)
        # the deadline in the account's time (Paris, summer: UTC+2)
        self.assertIn("07/05/2026 10:30", mails.body_html)
        self.assertIn("CNIL", mails.body_html)

    def test_only_a_manager_notifies_and_accounts_are_needed(self):
        with self.assertRaises(AccessError):
            self.incident.with_user(self.secretary).action_notify()
        self.assertFalse(self.incident.notice_ids)
        empty = self.incident.copy({"account_ids": [(5,)]})
        with self.assertRaises(UserError):
            empty.with_user(self.manager).action_notify()

    def test_a_client_admin_reads_his_own_incidents_only(self):
        self.incident.with_user(self.manager).action_notify()
        other = self.incident.copy(
            {"name": "Fuite chez B", "account_ids": [(6, 0, self.other_account.ids)]}
        )
        other.with_user(self.manager).action_notify()
        Notice = self.env["calendoc.gdpr.notice"].with_user(self.admin_a)
        seen = Notice._calendoc_portal_incidents()
        self.assertEqual(seen.incident_name, "Ordinateur portable volé")
        self.assertEqual(seen.account_id, self.account)
        with self.assertRaises(AccessError):
            self.incident.with_user(self.admin_a).read(["account_ids"])
        with self.assertRaises(AccessError):
            other.notice_ids.with_user(self.admin_a).read(["incident_name"])
