"""The seven ways a user of one client account could take over another
(issue 17), each replayed as the attacker did it: all refused, nothing of the
other account read or changed. The registry-built suites (test_isolation,
test_self_escalation) generalise them; these say them plainly."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.calendoc_agenda.tests.common import CalendocCase


def user(env, login, group):
    return new_test_user(
        env,
        login=login,
        password=f"{login}-Pass-2026",
        groups=f"calendoc_agenda.{group}",
    )


@tagged("post_install", "-at_install")
class TestIsolationRegressions(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # account B: the other account, with a practice, a practitioner, a
        # patient, an appointment, an absence and a patient's GDPR request
        cls.b_practice = env["calendoc.practice"].create(
            {
                "name": "Cabinet B",
                "account_id": cls.other_account.id,
                "greeting": "Cabinet B, bonjour",
                "instructions": "<p>Code porte B 1234</p>",
            }
        )
        cls.b_doctor = env["calendoc.practitioner"].create(
            {"name": "Dr B", "account_id": cls.other_account.id}
        )
        env["calendoc.schedule"].create(
            {
                "practitioner_id": cls.b_doctor.id,
                "practice_id": cls.b_practice.id,
                "calendar_id": cls.calendar.id,
            }
        )
        cls.b_type = env["calendoc.appointment.type"].create(
            {
                "name": "Consultation B",
                "practice_id": cls.b_practice.id,
                "min_notice_hours": 0,
                "practitioner_ids": [Command.set(cls.b_doctor.ids)],
            }
        )
        cls.b_patient = env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.other_account.id,
                "calendoc_last_name": "Secret",
                "mobile": "06 98 76 54 32",
                "calendoc_remarks": "Allergie à la pénicilline",
            }
        )
        start = fields.Datetime.now().replace(microsecond=0) + timedelta(days=2)
        cls.b_event = env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.b_doctor.id,
                "calendoc_type_id": cls.b_type.id,
                "calendoc_requester_id": cls.b_patient.id,
                "start": start,
            }
        )
        cls.b_leave = env["resource.calendar.leaves"].create(
            {
                "name": "Congés Dr B",
                "resource_id": cls.b_doctor.resource_id.id,
                "date_from": start - timedelta(hours=1),
                "date_to": start + timedelta(days=1),
            }
        )
        cls.b_request = cls.other_account.message_post(
            body="Demande d'effacement de Mme Secret",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        cls.b_activity = cls.other_account.activity_schedule(
            "mail.mail_activity_data_todo",
            summary="Effacer Mme Secret",
            user_id=env.ref("base.user_admin").id,
        )
        cls.b_user = new_test_user(
            env,
            login="b_admin",
            password="b_admin-Pass-2026",
            groups="calendoc_agenda.group_calendoc_portal_client",
        )
        cls.b_user.partner_id.parent_id = cls.other_account
        # the attackers of account A
        cls.a_doctor_user = user(env, "a_doctor", "group_calendoc_practitioner")
        cls.doctor.user_id = cls.a_doctor_user
        cls.a_admin = user(env, "a_admin", "group_calendoc_portal_client")
        cls.a_admin.partner_id.parent_id = cls.account

    def test_1_a_secretary_cannot_assign_herself_to_another_account(self):
        other = self.other_account.with_user(self.secretary)
        with self.assertRaises(AccessError):
            other.write({"calendoc_secretary_ids": [Command.link(self.secretary.id)]})
        with self.assertRaises(AccessError):
            other.read(["calendoc_permanence_code"])
        with self.assertRaises(AccessError):
            self.b_patient.with_user(self.secretary).read(["mobile"])
        self.assertFalse(
            self.env["calendar.event"]
            .with_user(self.secretary)
            .search([("id", "=", self.b_event.id)])
        )
        # not even on her own account: who serves an account is the managers'
        with self.assertRaises(AccessError):
            self.account.with_user(self.secretary).write(
                {"calendoc_secretary_ids": [Command.link(self.secretary.id)]}
            )
        self.assertNotIn(self.secretary, self.other_account.calendoc_secretary_ids)

    def test_2_nobody_grants_himself_another_accounts_rights(self):
        Delegation = self.env["calendoc.delegation"]
        everything = {
            "scope_agenda_read": True,
            "scope_agenda_write": True,
            "scope_requesters": True,
            "reason": "Prise de contrôle",
        }
        for attacker in (self.a_admin, self.a_doctor_user):
            with self.subTest(attacker=attacker.login):
                for grantor in (
                    {"grantor_account_id": self.other_account.id},
                    {"grantor_user_id": self.b_user.id},
                ):
                    with self.assertRaises(AccessError):
                        Delegation.with_user(attacker).create(
                            {**grantor, "grantee_user_id": attacker.id, **everything}
                        )
        self.assertFalse(
            Delegation.search([("grantor_account_id", "=", self.other_account.id)])
        )
        # what they may grant: their own account's, their own agenda
        granted = Delegation.with_user(self.a_admin).create(
            {
                "grantor_account_id": self.account.id,
                "grantee_user_id": self.secretary.id,
                "scope_agenda_read": True,
                "reason": "Remplacement",
            }
        )
        lent = Delegation.with_user(self.a_doctor_user).create(
            {
                "grantor_user_id": self.a_doctor_user.id,
                "grantee_user_id": self.secretary.id,
                "scope_agenda_read": True,
                "reason": "Mon agenda",
            }
        )
        # lent to another account's administrator, who may write delegations
        to_b = Delegation.with_user(self.a_admin).create(
            {
                "grantor_account_id": self.account.id,
                "grantee_user_id": self.b_user.id,
                "scope_agenda_read": True,
                "reason": "Entraide entre cabinets",
            }
        )
        # the grantee widens none
        for delegation, grantee in (
            (granted, self.secretary),
            (lent, self.secretary),
            (to_b, self.b_user),
        ):
            with self.assertRaises(AccessError):
                delegation.with_user(grantee).write(
                    {"scope_agenda_write": True, "scope_requesters": True}
                )
            with self.assertRaises(AccessError):
                delegation.with_user(grantee).write({"date_end": False})
        self.assertFalse(to_b.scope_requesters)
        # nor does the grantor move his grant onto another account
        with self.assertRaises(AccessError):
            granted.with_user(self.a_admin).write(
                {"grantor_account_id": self.other_account.id}
            )
        self.assertEqual(granted.grantor_account_id, self.account)
        self.assertFalse(granted.scope_agenda_write)

    def test_3_another_accounts_messages_and_to_dos_stay_hidden(self):
        Message = self.env["mail.message"]
        self.assertFalse(
            Message.with_user(self.a_doctor_user).search(
                [("id", "=", self.b_request.id)]
            )
        )
        with self.assertRaises(AccessError):
            self.b_request.with_user(self.a_doctor_user).read(["body"])
        for operation in (
            lambda m: m.write({"body": "effacé"}),
            lambda m: m.unlink(),
        ):
            with self.assertRaises(AccessError):
                operation(self.b_request.with_user(self.secretary))
        self.assertIn("Mme Secret", self.b_request.body)
        with self.assertRaises(AccessError):
            self.b_activity.with_user(self.secretary).read(["summary"])
        self.assertFalse(
            self.env["mail.activity"]
            .with_user(self.secretary)
            .search([("id", "=", self.b_activity.id)])
        )
        self.assertFalse(
            self.env["mail.followers"]
            .with_user(self.secretary)
            .search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.b_patient.id)]
            )
        )

    def test_4_another_accounts_attendees_stay_hidden(self):
        for attacker in (self.secretary, self.a_doctor_user):
            attendees = (
                self.env["calendar.attendee"]
                .with_user(attacker)
                .search_read([], ["partner_id", "event_id"])
            )
            seen = {a["event_id"][0] for a in attendees} | {
                a["partner_id"][0] for a in attendees
            }
            self.assertNotIn(self.b_event.id, seen)
            self.assertNotIn(self.b_patient.id, seen)

    def test_5_another_accounts_absences_are_neither_read_nor_changed(self):
        leave = self.b_leave.with_user(self.secretary)
        with self.assertRaises(AccessError):
            leave.read(["name"])
        with self.assertRaises(AccessError):
            leave.write({"date_to": self.b_leave.date_from + timedelta(minutes=1)})
        with self.assertRaises(AccessError):
            leave.unlink()
        self.assertTrue(self.b_leave.exists())
        self.assertFalse(
            self.env["resource.calendar.leaves"]
            .with_user(self.secretary)
            .search([("resource_id", "=", self.b_doctor.resource_id.id)])
        )

    def test_6_wizards_refuse_another_accounts_records(self):
        Finder = self.env["calendoc.slot.finder"].with_user(self.secretary)
        with self.assertRaises(AccessError):
            Finder.create(
                {"practice_id": self.b_practice.id, "type_id": self.b_type.id}
            )
        # what the form would show while the practice is picked
        try:
            shown = Finder.onchange(
                {"practice_id": self.b_practice.id, "type_id": False},
                ["practice_id"],
                {"greeting": {}, "instructions": {}, "practice_id": {}},
            )
        except AccessError:
            shown = {}
        self.assertNotIn("Cabinet B, bonjour", repr(shown))
        self.assertNotIn("1234", repr(shown))
        Statement = self.env["calendoc.statement.wizard"].with_user(self.secretary)
        with self.assertRaises(AccessError):
            Statement.create({"account_id": self.other_account.id})
        # his own account's finder still shows the greeting
        self.practice.greeting = "Cabinet Test, bonjour"
        finder = Finder.create(
            {"practice_id": self.practice.id, "type_id": self.consult.id}
        )
        self.assertEqual(finder.greeting, "Cabinet Test, bonjour")

    def test_7_the_client_accounts_list_shows_ones_own_only(self):
        # Configuration > Client accounts: the action's own domain
        action = self.env.ref("calendoc_agenda.calendoc_client_action")
        domain = safe_eval(action.domain or "[]")
        for attacker in (self.a_doctor_user, self.secretary):
            shown = (
                self.env["res.partner"]
                .with_user(attacker)
                .search_read(domain, ["name", "calendoc_permanence_code"])
            )
            self.assertEqual(
                [row["id"] for row in shown if row["id"] != self.account.id],
                [],
                attacker.login,
            )
            self.assertNotIn("OTHER01", repr(shown))

    def test_8_no_appointment_moves_into_or_points_at_another_account(self):
        event = self.book(self.utc(2030, 1, 7, 9, 0)).with_user(self.secretary)
        with self.assertRaises(AccessError):
            event.write({"calendoc_requester_id": self.b_patient.id})
        with self.assertRaises(UserError):  # AccessError is one too
            event.write(
                {
                    "calendoc_practitioner_id": self.b_doctor.id,
                    "calendoc_practice_id": self.b_practice.id,
                }
            )
        self.assertEqual(event.sudo().calendoc_practitioner_id, self.doctor)
        with self.assertRaises(AccessError):
            self.env["calendar.event"].with_user(self.secretary).create(
                {
                    "calendoc_practitioner_id": self.b_doctor.id,
                    "calendoc_type_id": self.b_type.id,
                    "start": self.utc(2030, 1, 8, 9, 0),
                }
            )
