import json
from datetime import datetime, time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged

from .common import CalendocCase, always_open_practice

FORM = "calendoc_agenda.calendar_event_view_form_calendoc"
AGENDA = "calendoc_agenda.calendoc_appointment_action"
MANAGER = "calendoc_agenda.group_calendoc_manager"
# (hour of today, URL): the appointment's own URL (the agenda action's path),
# the model's URL Odoo's calendar view used to push, and the URL of Odoo's
# Calendar action
RELOADED_URLS = (
    (8, "/odoo/calendoc-agenda/%d"),
    (9, "/odoo/calendar.event/%d"),
    (10, "/odoo/calendar/%d"),
)


@tagged("post_install", "-at_install")
@freeze_time("2026-03-23 05:00:00")
class TestOneAppointmentForm(CalendocCase):
    """Whatever opens an appointment opens CalenDoc's form, through CalenDoc's
    agenda action (so that its URL reloads the same form); a meeting keeps
    Odoo's."""

    def setUp(self):
        super().setUp()
        self.appointment = self.book(datetime(2026, 3, 23, 8))
        self.meeting = self.env["calendar.event"].create(
            {
                "name": "Réunion d'équipe",
                "start": datetime(2026, 3, 23, 12),
                "stop": datetime(2026, 3, 23, 13),
            }
        )

    def test_an_appointment_asks_for_calendocs_form(self):
        form = self.env.ref(FORM)
        appointment = self.appointment.with_user(self.secretary)
        self.assertEqual(appointment.get_formview_id(), form.id)
        self.assertFalse(self.meeting.get_formview_id())
        # two records that are not all appointments: Odoo's choice
        self.assertFalse((self.appointment | self.meeting).get_formview_id())

    def test_an_appointment_opens_in_the_agenda_action(self):
        action = self.appointment.with_user(self.secretary).get_formview_action()
        self.assertEqual(action["id"], self.env.ref(AGENDA).id)
        self.assertEqual(action["path"], "calendoc-agenda")
        self.assertEqual(action["res_id"], self.appointment.id)
        self.assertEqual(action["views"], [(self.env.ref(FORM).id, "form")])
        meeting_action = self.meeting.get_formview_action()
        self.assertNotIn("id", meeting_action)
        self.assertEqual(meeting_action["views"], [(False, "form")])

    def test_the_slot_finder_opens_the_booked_appointment_in_the_agenda_action(self):
        finder = (
            self.env["calendoc.slot.finder"]
            .with_user(self.secretary)
            .create(
                {
                    "practice_id": self.practice.id,
                    "type_id": self.consult.id,
                    "requester_id": self.requester.id,
                    "date_from": datetime(2026, 3, 24),
                }
            )
        )
        finder.action_search()
        action = finder.line_ids[0].action_book()
        self.assertEqual(action["id"], self.env.ref(AGENDA).id)
        self.assertEqual(action["views"], [(self.env.ref(FORM).id, "form")])


@tagged("post_install", "-at_install")
class TestNoSilentDeletion(CalendocCase):
    """Appointments are cancelled with a reason; only a secretariat manager
    deletes one, and only once it is cancelled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, login="deletion_manager", groups=MANAGER)

    def setUp(self):
        super().setUp()
        self.appointment = self.book(datetime(2026, 3, 23, 8))

    def test_a_secretary_cannot_delete_an_appointment(self):
        for appointment in (self.appointment, self.book(datetime(2026, 3, 23, 9))):
            if appointment != self.appointment:
                appointment.calendoc_cancel("Patient empêché")
            with self.assertRaisesRegex(AccessError, "cancel it instead"):
                appointment.with_user(self.secretary).unlink()
            self.assertTrue(appointment.exists())
            with self.assertRaises(AccessError):
                appointment.with_user(self.secretary).check_access("unlink")

    def test_a_manager_deletes_a_cancelled_appointment_only(self):
        with self.assertRaises(UserError) as caught:
            self.appointment.with_user(self.manager).unlink()
        self.assertNotIsInstance(caught.exception, AccessError)
        self.assertIn("Only a cancelled appointment", str(caught.exception))
        self.assertEqual(self.appointment.calendoc_state, "booked")
        with self.assertRaises(AccessError):
            self.appointment.with_user(self.manager).check_access("unlink")

        self.appointment.with_user(self.secretary).calendoc_cancel("Patient empêché")
        self.appointment.with_user(self.manager).check_access("unlink")
        self.appointment.with_user(self.manager).unlink()
        self.assertFalse(self.appointment.exists())

    def test_a_secretary_still_deletes_her_own_meetings(self):
        meeting = (
            self.env["calendar.event"]
            .with_user(self.secretary)
            .create(
                {
                    "name": "Réunion d'équipe",
                    "start": datetime(2026, 3, 23, 12),
                    "stop": datetime(2026, 3, 23, 13),
                }
            )
        )
        meeting.unlink()
        self.assertFalse(meeting.exists())

    def test_only_managers_see_delete_in_the_appointment_views(self):
        Event = self.env["calendar.event"]
        for view_type in ("calendar", "list", "form"):
            view = self.env.ref(
                f"calendoc_agenda.calendar_event_view_{view_type}_calendoc"
            )
            for user, refused in ((self.secretary, True), (self.manager, False)):
                arch = Event.with_user(user).get_views([(view.id, view_type)])["views"][
                    view_type
                ]["arch"]
                self.assertEqual('delete="0"' in arch, refused, (view_type, user.login))


@tagged("post_install", "-at_install")
class TestAppointmentFormInTheBrowser(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context={"tracking_disable": True})
        account, practice, cls.doctor, cls.apt_type = always_open_practice(env)
        cls.requester = env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": account.id,
                "calendoc_last_name": "Tournesol",
                "calendoc_first_name": "Tryphon",
                "mobile": "06 11 22 33 44",
            }
        )
        cls.secretary = new_test_user(
            env,
            login="form_secretary",
            password="form_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
            lang="fr_FR",
        )
        account.calendoc_secretary_ids = [fields.Command.link(cls.secretary.id)]

    def book_today(self, hour):
        today = fields.Date.context_today(self.env["res.users"])
        return self.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": self.doctor.id,
                "calendoc_type_id": self.apt_type.id,
                "calendoc_requester_id": self.requester.id,
                "start": datetime.combine(today, time(hour)),
            }
        )

    def test_the_appointments_url_resolves_to_the_agenda_action_and_its_form(self):
        appointment = self.book_today(7)
        self.authenticate("form_secretary", "form_secretary")
        action = appointment.with_user(self.secretary).get_formview_action()
        # what a reload of /odoo/<path>/<id> asks the server
        loaded = self.make_jsonrpc_request(
            "/web/action/load", {"action_id": action["path"]}
        )
        self.assertEqual(loaded["id"], self.env.ref(AGENDA).id)
        self.assertIn([self.env.ref(FORM).id, "form"], loaded["views"])

    def test_reloading_an_appointments_url_opens_calendocs_form(self):
        for hour, url in RELOADED_URLS:
            with self.subTest(url=url):
                appointment = self.book_today(hour)
                self.start_tour(
                    url % appointment.id,
                    "calendoc_appointment_reload_tour",
                    login="form_secretary",
                )
                self.assertEqual(appointment.calendoc_state, "confirmed")

    def test_a_secretary_cancels_from_the_agenda_with_a_reason(self):
        appointment = self.book_today(11)
        self.start_tour(
            "/odoo/calendoc-agenda",
            "calendoc_cancel_from_agenda_tour",
            login="form_secretary",
        )
        self.assertTrue(appointment.exists())
        self.assertEqual(appointment.calendoc_state, "cancelled")
        self.assertEqual(appointment.calendoc_cancel_reason, "Le patient est souffrant")
        self.assertEqual(appointment.calendoc_cancelled_by_id, self.secretary)

    def test_a_secretarys_delete_over_json_rpc_is_refused_in_her_language(self):
        appointment = self.book_today(12)
        self.authenticate("form_secretary", "form_secretary")
        response = self.url_open(
            "/web/dataset/call_kw/calendar.event/unlink",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": "calendar.event",
                        "method": "unlink",
                        "args": [[appointment.id]],
                        # the web client sends the user's context with each call
                        "kwargs": {"context": {"lang": "fr_FR"}},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        error = response.json()["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.AccessError")
        self.assertIn("annulez-le", error["message"])
        self.assertTrue(appointment.exists())
        self.assertEqual(appointment.calendoc_state, "booked")
