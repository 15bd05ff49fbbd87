from datetime import timedelta

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.google_calendar.utils.google_event import GoogleEvent

from .common import PRIMARY, GoogleCase


@tagged("post_install", "-at_install")
class TestPull(GoogleCase):
    def test_first_sync_mirrors_busy_events_as_private_busy_time(self):
        day = self.monday()
        self.google.put_event(
            PRIMARY,
            {
                "id": "dentist",
                "summary": "Dentiste (privé)",
                "start": self.gtime(day, 9),
                "end": self.gtime(day, 10),
            },
        )
        self.google.put_event(
            PRIMARY,
            {
                "id": "holiday",
                "summary": "Congés",
                "start": {"date": str(day + timedelta(days=1))},
                "end": {"date": str(day + timedelta(days=3))},
            },
        )
        self.google.put_event(
            PRIMARY,
            {
                "id": "free",
                "summary": "Rappel",
                "transparency": "transparent",
                "start": self.gtime(day, 14),
                "end": self.gtime(day, 15),
            },
        )
        self.connection._google_pull()

        busy = self.busy_events()
        self.assertEqual(
            busy.mapped("calendoc_google_event_id"), ["dentist", "holiday"]
        )
        dentist, holiday = busy
        self.assertEqual(
            (dentist.start, dentist.stop), (self.paris(day, 9), self.paris(day, 10))
        )
        self.assertTrue(holiday.allday)
        self.assertEqual(
            (holiday.start_date, holiday.stop_date),
            (day + timedelta(days=1), day + timedelta(days=2)),
        )
        for event in busy:
            self.assertEqual(event.partner_ids, self.doctor.partner_id)
            self.assertEqual((event.privacy, event.show_as), ("private", "busy"))
            # the practitioner's private titles are not copied into Odoo
            self.assertEqual(event.name, "Busy (Google Calendar)")
            self.assertFalse(event.calendoc_practitioner_id)
        self.assertTrue(self.primary.sudo().sync_token)
        self.assertEqual(self.connection.state, "connected")
        self.assertTrue(self.connection.last_pull_date)
        # the 9:00 and 9:30 slots are gone, and the two days of leave
        self.assertNotIn(self.paris(day, 9), self.slot_starts(day))
        self.assertIn(self.paris(day, 10), self.slot_starts(day))
        self.assertEqual(self.slot_starts(day + timedelta(days=1)), [])
        self.assertEqual(self.slot_starts(day + timedelta(days=2)), [])
        self.assertTrue(self.slot_starts(day + timedelta(days=3)))

    def test_incremental_sync_reads_only_changes_with_the_sync_token(self):
        day = self.monday()
        for hour in (9, 11, 15):
            self.google.put_event(
                PRIMARY,
                {
                    "id": f"e{hour}",
                    "start": self.gtime(day, hour),
                    "end": self.gtime(day, hour, 30),
                },
            )
        self.connection._google_pull()
        first_token = self.primary.sudo().sync_token
        self.google.clear_log()

        moved = dict(self.google.calendars[PRIMARY]["events"]["e11"])
        moved.update(start=self.gtime(day, 16), end=self.gtime(day, 17))
        self.google.put_event(PRIMARY, moved)
        self.google.cancel_event(PRIMARY, "e15")
        self.google.put_event(
            PRIMARY,
            {"id": "new", "start": self.gtime(day, 8), "end": self.gtime(day, 9)},
        )
        self.assertEqual(self.connection._google_pull(), 3)

        listing = self.google.calls("GET", "/events")
        self.assertEqual(len(listing), 1)
        self.assertEqual(listing[0][2]["syncToken"], first_token)
        self.assertNotIn("timeMin", listing[0][2])
        self.assertEqual(
            [(e.calendoc_google_event_id, e.start) for e in self.busy_events()],
            [
                ("new", self.paris(day, 8)),
                ("e9", self.paris(day, 9)),
                ("e11", self.paris(day, 16)),
            ],
        )
        self.assertNotEqual(self.primary.sudo().sync_token, first_token)

    def test_recurring_busy_events_block_the_slots_of_each_occurrence(self):
        day = self.monday()
        self.google.put_event(
            PRIMARY,
            {
                "id": "staff",
                "summary": "Réunion de service",
                "start": self.gtime(day, 9),
                "end": self.gtime(day, 10),
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
            },
        )
        self.connection._google_pull()

        self.assertEqual(len(self.busy_events()), 3)
        for week in range(3):
            monday = day + timedelta(weeks=week)
            starts = self.slot_starts(monday)
            self.assertIn(self.paris(monday, 8, 30), starts)
            self.assertNotIn(self.paris(monday, 9), starts)
            self.assertNotIn(self.paris(monday, 9, 30), starts)
            self.assertIn(self.paris(monday, 10), starts)
        fourth = day + timedelta(weeks=3)
        self.assertIn(self.paris(fourth, 9), self.slot_starts(fourth))

    def test_a_deleted_google_event_frees_its_slot(self):
        day = self.monday()
        self.google.put_event(
            PRIMARY,
            {"id": "lunch", "start": self.gtime(day, 11), "end": self.gtime(day, 12)},
        )
        self.connection._google_pull()
        self.assertNotIn(self.paris(day, 11), self.slot_starts(day))

        self.google.cancel_event(PRIMARY, "lunch")
        self.connection._google_pull()
        self.assertFalse(self.busy_events())
        self.assertIn(self.paris(day, 11), self.slot_starts(day))

    def test_stale_sync_token_gets_a_full_resync(self):
        day = self.monday()
        for name in ("a", "b"):
            self.google.put_event(
                PRIMARY,
                {
                    "id": name,
                    "start": self.gtime(day, 9 if name == "a" else 14),
                    "end": self.gtime(day, 10 if name == "a" else 15),
                },
            )
        self.connection._google_pull()
        # Google forgets "b" altogether and expires our sync token
        del self.google.calendars[PRIMARY]["events"]["b"]
        self.google.expire_sync_tokens()
        self.google.clear_log()

        self.connection._google_pull()

        statuses = [
            "syncToken" in params for _m, _p, params, _b in self.google.calls("GET")
        ]
        self.assertEqual(statuses, [True, False])  # 410, then the full listing
        self.assertEqual(self.busy_events().mapped("calendoc_google_event_id"), ["a"])
        self.assertEqual(self.connection.state, "connected")

    def test_pages_are_followed_with_the_page_token(self):
        self.google.page_size = 2
        day = self.monday()
        for hour in range(8, 13):
            self.google.put_event(
                PRIMARY,
                {
                    "id": f"p{hour}",
                    "start": self.gtime(day, hour),
                    "end": self.gtime(day, hour, 15),
                },
            )
        self.google.clear_log()
        self.assertEqual(self.connection._google_pull(), 5)
        self.assertEqual(len(self.busy_events()), 5)
        pages = self.google.calls("GET", "/events")
        self.assertEqual(len(pages), 3)
        self.assertTrue(all("pageToken" in params for _m, _p, params, _b in pages[1:]))

    def test_only_calendars_chosen_for_busy_time_are_read(self):
        day = self.monday()
        self.google.put_event(
            "family@group.calendar.google.com",
            {"id": "kids", "start": self.gtime(day, 9), "end": self.gtime(day, 10)},
        )
        self.connection._google_pull()
        self.assertFalse(self.busy_events())

        family = self.connection.calendar_ids.filtered(lambda c: not c.is_primary)
        family.read_busy = True
        self.connection._google_pull()
        self.assertEqual(self.busy_events().calendoc_google_calendar_id, family)
        # unticked: its events no longer block the agenda
        family.read_busy = False
        self.assertFalse(self.busy_events())
        self.assertFalse(family.sudo().sync_token)

    def test_declined_invitations_are_not_busy_time(self):
        day = self.monday()
        self.google.put_event(
            PRIMARY,
            {
                "id": "invite",
                "start": self.gtime(day, 9),
                "end": self.gtime(day, 10),
                "attendees": [
                    {"email": PRIMARY, "self": True, "responseStatus": "declined"}
                ],
            },
        )
        self.connection._google_pull()
        self.assertFalse(self.busy_events())


@tagged("post_install", "-at_install")
class TestConflictRule(GoogleCase):
    def test_appointment_moved_in_google_is_put_back_by_calendoc(self):
        day = self.monday()
        appointment = self.book(self.paris(day, 9))
        self.Push._process_queue()
        copy = self.google_copy(appointment)
        self.google.put_event(
            PRIMARY, dict(copy, start=self.gtime(day, 15), end=self.gtime(day, 15, 30))
        )

        self.connection._google_pull()
        # the Google copy of our appointment is never imported as busy time
        self.assertFalse(self.busy_events())
        self.assertEqual(appointment.start, self.paris(day, 9))
        self.assertIn("moved or deleted in Google", appointment.message_ids[0].body)
        self.Push._process_queue()
        self.assertEqual(
            self.google_copy(appointment)["start"]["dateTime"],
            "%sZ" % self.paris(day, 9).isoformat(),
        )

    def test_appointment_deleted_in_google_is_restored(self):
        day = self.monday()
        appointment = self.book(self.paris(day, 10))
        self.Push._process_queue()
        self.google.cancel_event(PRIMARY, self.google_copy(appointment)["id"])

        self.connection._google_pull()
        self.Push._process_queue()
        self.assertEqual(self.google_copy(appointment)["status"], "confirmed")
        self.assertEqual(len(self.google.live_events(PRIMARY)), 1)

    def test_own_pushes_read_back_change_nothing(self):
        appointment = self.book(self.paris(self.monday(), 11))
        self.Push._process_queue()
        self.connection._google_pull()
        self.assertFalse(self.Push.search([("state", "=", "pending")]))
        self.assertNotIn(
            "moved or deleted in Google",
            " ".join(appointment.message_ids.mapped("body")),
        )


@tagged("post_install", "-at_install")
class TestCoexistence(GoogleCase):
    """Odoo's own google_calendar sync leaves alone what CalenDoc synchronises."""

    def test_odoo_sync_does_not_push_appointments_nor_imported_busy_time(self):
        user = new_test_user(
            self.env,
            "g_doctor",
            password="g_doctor-password",
            groups="calendoc_agenda.group_calendoc_practitioner",
        )
        self.doctor.write({"user_id": user.id, "partner_id": user.partner_id.id})
        day = self.monday()
        self.google.put_event(
            PRIMARY,
            {"id": "busy", "start": self.gtime(day, 9), "end": self.gtime(day, 10)},
        )
        self.connection._google_pull()
        appointment = self.book(
            self.paris(day, 14), partner_ids=[Command.set(user.partner_id.ids)]
        )
        own = self.env["calendar.event"].create(
            {
                "name": "Dîner",
                "start": self.paris(day, 19),
                "stop": self.paris(day, 21),
                "partner_ids": [Command.set(user.partner_id.ids)],
            }
        )
        to_sync = (
            self.env["calendar.event"]
            .with_user(user)
            .sudo()
            ._get_records_to_sync(full_sync=True)
        )
        self.assertIn(own, to_sync)
        self.assertNotIn(appointment, to_sync)
        self.assertFalse(to_sync & self.busy_events())
        self.assertFalse(appointment.need_sync)
        self.assertFalse(self.busy_events().need_sync)

    def test_calendoc_does_not_import_what_odoo_sync_already_holds(self):
        day = self.monday()
        # imported earlier by Odoo's own sync for the practitioner's user
        self.env["calendar.event"].create(
            {
                "name": "Réunion",
                "start": self.paris(day, 9),
                "stop": self.paris(day, 10),
                "google_id": "shared",
                "need_sync": False,
                "partner_ids": [Command.set(self.doctor.partner_id.ids)],
            }
        )
        for google_id, hour in (("shared", 9), ("mine", 14)):
            self.google.put_event(
                PRIMARY,
                {
                    "id": google_id,
                    "start": self.gtime(day, hour),
                    "end": self.gtime(day, hour + 1),
                },
            )
        self.connection._google_pull()
        self.assertEqual(
            self.busy_events().mapped("calendoc_google_event_id"), ["mine"]
        )
        # the time is blocked once, by Odoo's copy
        self.assertNotIn(self.paris(day, 9), self.slot_starts(day))

    def test_odoo_sync_does_not_import_what_calendoc_pushed_or_pulled(self):
        day = self.monday()
        self.google.put_event(
            PRIMARY,
            {"id": "busy", "start": self.gtime(day, 9), "end": self.gtime(day, 10)},
        )
        self.connection._google_pull()
        appointment = self.book(self.paris(day, 14))
        self.Push._process_queue()
        Event = self.env["calendar.event"]
        before = Event.search_count([])
        stranger = {
            "id": "stranger",
            "summary": "Rendez-vous externe",
            "status": "confirmed",
            "start": self.gtime(day, 16),
            "end": self.gtime(day, 17),
            "reminders": {"useDefault": True},
        }
        google_events = GoogleEvent(
            [
                self.google._public(self.google_copy(appointment)),
                self.google._public(self.google.calendars[PRIMARY]["events"]["busy"]),
                stranger,
            ]
        )
        Event._sync_google2odoo(google_events)
        # only the event CalenDoc knows nothing about came in
        self.assertEqual(Event.search_count([]), before + 1)
        self.assertTrue(Event.search([("google_id", "=", "stranger")]))
