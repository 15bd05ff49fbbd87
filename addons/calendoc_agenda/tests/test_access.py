from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.calendar.models.calendar_event import Meeting

from .common import CalendocCase


@tagged("post_install", "-at_install")
class TestAgendaAccess(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.event = cls.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.doctor.id,
                "calendoc_type_id": cls.consult.id,
                "calendoc_requester_id": cls.requester.id,
                "start": datetime(2030, 1, 7, 8, 0),
            }
        )
        cls.other_secretary = new_test_user(
            cls.env,
            login="calendoc_other_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        cls.employee = new_test_user(
            cls.env, login="calendoc_employee", groups="base.group_user"
        )
        cls.doctor_user = new_test_user(
            cls.env,
            login="calendoc_doctor",
            groups="calendoc_agenda.group_calendoc_practitioner",
        )
        cls.doctor.user_id = cls.doctor_user
        cls.manager = new_test_user(
            cls.env,
            login="calendoc_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )

    def visible(self, user, records):
        return records.with_user(user).search([("id", "in", records.ids)])

    def test_assigned_secretary_sees_and_books(self):
        self.assertEqual(self.visible(self.secretary, self.event), self.event)
        self.assertEqual(self.visible(self.secretary, self.requester), self.requester)
        event = (
            self.env["calendar.event"]
            .with_user(self.secretary)
            .create(
                {
                    "calendoc_practitioner_id": self.doctor.id,
                    "calendoc_type_id": self.consult.id,
                    "calendoc_requester_id": self.requester.id,
                    "start": datetime(2030, 1, 7, 9, 0),
                }
            )
        )
        self.assertEqual(event.create_uid, self.secretary)

    def test_other_secretary_and_plain_employee_see_nothing(self):
        for user in (self.other_secretary, self.employee):
            self.assertFalse(self.visible(user, self.event), user.login)
            self.assertFalse(self.visible(user, self.requester), user.login)
            with self.assertRaises(AccessError):
                self.event.with_user(user).read(["calendoc_remarks"])
        self.assertFalse(self.visible(self.other_secretary, self.practice))

    def test_practitioner_sees_his_agenda_only(self):
        other = self.event.copy(
            {
                "calendoc_practitioner_id": self.doctor2.id,
                "start": datetime(2030, 1, 7, 8, 0),
                "stop": datetime(2030, 1, 7, 8, 30),
            }
        )
        self.assertEqual(self.visible(self.doctor_user, self.event | other), self.event)
        self.assertEqual(self.visible(self.doctor_user, self.requester), self.requester)
        with self.assertRaises(AccessError):
            self.practice.with_user(self.doctor_user).write({"name": "Hacked"})

    def test_archived_account_data_stays_readable_to_those_serving_it(self):
        self.account.active = False
        self.assertEqual(self.visible(self.manager, self.event), self.event)
        self.event.with_user(self.secretary).check_access("read")
        with self.assertRaises(AccessError):
            self.event.with_user(self.other_secretary).check_access("read")

    def test_manager_sees_everything_and_configures(self):
        self.assertEqual(self.visible(self.manager, self.event), self.event)
        self.practice.with_user(self.manager).write({"greeting": "Bonjour"})
        with self.assertRaises(AccessError):
            self.practice.with_user(self.secretary).write({"greeting": "Bonjour"})


@tagged("post_install", "-at_install")
class TestPrivateEventsStayHidden(CalendocCase):
    """CalenDoc reads event privacy more cheaply than Odoo's calendar
    (``calendar.event._fetch_query``): the answers must stay Odoo's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_test_user(
            cls.env, login="calendoc_event_owner", groups="base.group_user"
        )
        Event = cls.env["calendar.event"].with_user(cls.owner)
        base = {
            "start": datetime(2030, 1, 8, 9, 0),
            "stop": datetime(2030, 1, 8, 10, 0),
        }
        owner_partner = [(6, 0, cls.owner.partner_id.ids)]
        cls.private = Event.create(
            dict(base, name="Bilan privé", privacy="private", partner_ids=owner_partner)
        )
        cls.public = Event.create(
            dict(
                base,
                name="Réunion ouverte",
                privacy="public",
                partner_ids=owner_partner,
            )
        )
        cls.shared = Event.create(
            dict(
                base,
                name="Point commun",
                privacy="private",
                partner_ids=[
                    (6, 0, (cls.owner.partner_id | cls.secretary.partner_id).ids)
                ],
            )
        )
        cls.owner.with_user(cls.owner).calendar_default_privacy = "private"
        cls.by_default = Event.create(
            dict(base, name="Défaut privé", privacy=False, partner_ids=owner_partner)
        )
        cls.appointment = cls.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.doctor.id,
                "calendoc_type_id": cls.consult.id,
                "calendoc_requester_id": cls.requester.id,
                "start": datetime(2030, 1, 7, 8, 0),
            }
        )

    def names(self, user):
        events = self.private | self.public | self.shared | self.by_default
        events |= self.appointment
        rows = (
            self.env["calendar.event"]
            .with_user(user)
            .search_read([("id", "in", events.ids)], ["name", "calendoc_type_id"])
        )
        return {row["id"]: row["name"] for row in rows}

    def test_others_private_events_read_as_busy(self):
        self.env.invalidate_all()
        names = self.names(self.secretary)
        busy = self.private.with_user(self.secretary).display_name  # Odoo's "Busy"
        self.assertNotEqual(busy, "Bilan privé")
        self.assertEqual(names[self.private.id], busy)
        self.assertEqual(names[self.public.id], "Réunion ouverte")
        # an attendee sees the private event
        self.assertEqual(names[self.shared.id], "Point commun")
        self.assertEqual(names[self.appointment.id], self.appointment.name)
        self.assertNotEqual(self.appointment.name, busy)
        # Every event is hidden exactly when Odoo's own check says so.
        for event in self.private | self.public | self.shared | self.by_default:
            as_secretary = event.with_user(self.secretary)
            hidden = Meeting._check_private_event_conditions(as_secretary)
            self.assertEqual(names[event.id] == busy, hidden, event.name)
        # the hidden events also hide their attendees
        hidden = self.private.with_user(self.secretary)
        hidden.invalidate_recordset()
        hidden.read(["name"])
        self.assertFalse(hidden.partner_ids)

    def test_owner_reads_his_private_events(self):
        self.env.invalidate_all()
        names = self.names(self.owner)
        self.assertEqual(names[self.private.id], "Bilan privé")
        self.assertEqual(names[self.by_default.id], "Défaut privé")
