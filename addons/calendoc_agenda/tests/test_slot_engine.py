from datetime import date, datetime, timedelta

from odoo import Command
from odoo.tests import freeze_time, tagged

from .common import CalendocCase, weekly

MONDAY = datetime(2026, 3, 23)  # Paris is UTC+1 until Sunday 29 March, 2:00


@tagged("post_install", "-at_install")
@freeze_time("2026-03-23 05:00:00")
class TestSlotEngine(CalendocCase):
    def starts(self, slots, practitioner=None):
        return [
            slot["start"]
            for slot in slots
            if not practitioner or slot["practitioner_id"] == practitioner.id
        ]

    def day_slots(self, day=MONDAY, practitioners=None, apt_type=None, online=False):
        apt_type = apt_type or self.consult
        return apt_type.find_free_slots(
            day, day + timedelta(days=1), practitioners=practitioners, online=online
        )

    def test_slots_follow_working_hours_and_breaks(self):
        starts = self.starts(self.day_slots(practitioners=self.doctor))
        # 8:30-12:00 and 14:00-18:00 in Paris are 7:30-11:00 and 13:00-17:00 UTC.
        expected = [
            MONDAY.replace(hour=7, minute=30) + timedelta(minutes=30 * i)
            for i in range(7)
        ]
        expected += [
            MONDAY.replace(hour=13) + timedelta(minutes=30 * i) for i in range(8)
        ]
        self.assertEqual(starts, expected)

    def test_booked_slot_is_not_offered_and_cancelled_one_is_again(self):
        event = self.book(MONDAY.replace(hour=8))
        starts = self.starts(self.day_slots(practitioners=self.doctor))
        self.assertNotIn(MONDAY.replace(hour=8), starts)
        self.assertIn(MONDAY.replace(hour=7, minute=30), starts)
        self.assertIn(MONDAY.replace(hour=8, minute=30), starts)
        event.calendoc_cancel("Patient unwell")
        starts = self.starts(self.day_slots(practitioners=self.doctor))
        self.assertIn(MONDAY.replace(hour=8), starts)

    def test_exact_fit_between_two_appointments_is_offered(self):
        # 9:00 and 10:00 in Paris: the 30-minute slot at 9:30 fits exactly.
        self.book(MONDAY.replace(hour=8))
        self.book(MONDAY.replace(hour=9))
        starts = self.starts(self.day_slots(practitioners=self.doctor))
        self.assertIn(MONDAY.replace(hour=8, minute=30), starts)
        self.assertNotIn(MONDAY.replace(hour=8), starts)
        self.assertNotIn(MONDAY.replace(hour=9), starts)

    def test_buffers_keep_room_around_appointments(self):
        self.book(MONDAY.replace(hour=8))
        padded = self.env["calendoc.appointment.type"].create(
            {
                "name": "Soins",
                "practice_id": self.practice.id,
                "duration_minutes": 30,
                "buffer_before_minutes": 10,
                "buffer_after_minutes": 10,
                "min_notice_hours": 0,
                "practitioner_ids": [Command.set(self.doctor.ids)],
            }
        )
        starts = self.starts(self.day_slots(practitioners=self.doctor, apt_type=padded))
        morning = [s for s in starts if s.hour < 12]
        self.assertEqual(
            morning,
            [
                MONDAY.replace(hour=9),
                MONDAY.replace(hour=9, minute=30),
                MONDAY.replace(hour=10),
                MONDAY.replace(hour=10, minute=30),
            ],
        )

    def test_absence_removes_only_that_practitioners_slots(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Congrès",
                "resource_id": self.doctor.resource_id.id,
                "date_from": MONDAY.replace(hour=6),
                "date_to": MONDAY.replace(hour=11),
            }
        )
        slots = self.day_slots()
        self.assertTrue(all(s.hour >= 13 for s in self.starts(slots, self.doctor)))
        self.assertEqual(len(self.starts(slots, self.doctor)), 8)
        self.assertEqual(len(self.starts(slots, self.doctor2)), 15)

    def test_public_holiday_closes_the_practice(self):
        self.holidays._calendoc_add_french_holidays([2026])
        easter_monday = datetime(2026, 4, 6)
        self.assertEqual(self.day_slots(day=easter_monday), [])
        self.assertTrue(self.day_slots(day=easter_monday + timedelta(days=1)))

    def test_any_practitioner_offers_whoever_is_free(self):
        self.book(MONDAY.replace(hour=7, minute=30))
        slots = [
            s
            for s in self.day_slots()
            if s["start"] == MONDAY.replace(hour=7, minute=30)
        ]
        self.assertEqual([s["practitioner_id"] for s in slots], [self.doctor2.id])

    def test_archived_practitioner_offers_no_slot(self):
        self.assertIn(self.doctor2.id, {s["practitioner_id"] for s in self.day_slots()})
        self.doctor2.action_archive()
        practitioners = {s["practitioner_id"] for s in self.day_slots()}
        self.assertEqual(practitioners, {self.doctor.id})
        self.assertEqual(self.day_slots(practitioners=self.doctor2), [])

    def test_private_event_of_the_practitioner_blocks_his_agenda(self):
        self.env["calendar.event"].create(
            {
                "name": "Réunion privée",
                "start": MONDAY.replace(hour=9),
                "stop": MONDAY.replace(hour=10),
                "partner_ids": [Command.set(self.doctor.partner_id.ids)],
            }
        )
        starts = self.starts(self.day_slots(practitioners=self.doctor))
        self.assertIn(MONDAY.replace(hour=8, minute=30), starts)
        self.assertNotIn(MONDAY.replace(hour=9), starts)
        self.assertNotIn(MONDAY.replace(hour=9, minute=30), starts)
        self.assertIn(MONDAY.replace(hour=10), starts)

    def test_all_day_event_blocks_the_whole_local_day(self):
        self.env["calendar.event"].create(
            {
                "name": "Formation",
                "allday": True,
                "start": MONDAY,
                "stop": MONDAY,
                "partner_ids": [Command.set(self.doctor.partner_id.ids)],
            }
        )
        self.assertEqual(self.starts(self.day_slots(), self.doctor), [])
        self.assertEqual(len(self.starts(self.day_slots(), self.doctor2)), 15)

    def test_notice_and_horizon(self):
        self.consult.min_notice_hours = 3  # now is 5:00 UTC: nothing before 8:00
        starts = self.starts(self.day_slots(practitioners=self.doctor))
        self.assertEqual(starts[0], MONDAY.replace(hour=8))
        self.consult.max_horizon_days = 1
        wednesday = MONDAY + timedelta(days=2)
        self.assertEqual(self.day_slots(day=wednesday), [])

    def test_online_rules(self):
        self.practice.opening_calendar_id = self.env["resource.calendar"].create(
            weekly("Ouverture", [(9.0, 17.0)])
        )
        online = self.starts(self.day_slots(practitioners=self.doctor, online=True))
        self.assertEqual(online[0], MONDAY.replace(hour=8))  # 9:00 in Paris
        self.assertEqual(online[-1], MONDAY.replace(hour=15, minute=30))
        self.consult.online_bookable = False
        self.assertEqual(self.day_slots(online=True), [])
        # Secretaries are not bound by the online rules.
        self.assertEqual(len(self.starts(self.day_slots(), self.doctor)), 15)

    @freeze_time("2026-03-01 05:00:00")
    def test_daylight_saving_days_keep_local_hours(self):
        sundays = self.env["resource.calendar"].create(
            weekly("Dimanche", [(9.0, 11.0)], days=[6])
        )
        self.practice.schedule_ids.filtered(
            lambda s: s.practitioner_id == self.doctor
        ).calendar_id = sundays
        spring = self.starts(
            self.day_slots(day=datetime(2026, 3, 29), practitioners=self.doctor)
        )
        self.assertEqual(spring[0], datetime(2026, 3, 29, 7, 0))  # 9:00 CEST
        self.assertEqual(len(spring), 4)
        before = self.starts(
            self.day_slots(day=datetime(2026, 3, 22), practitioners=self.doctor)
        )
        self.assertEqual(before[0], datetime(2026, 3, 22, 8, 0))  # 9:00 CET
        autumn = self.starts(
            self.day_slots(day=datetime(2026, 10, 25), practitioners=self.doctor)
        )
        self.assertEqual(autumn[0], datetime(2026, 10, 25, 8, 0))  # back to CET
        self.assertEqual(autumn[-1], datetime(2026, 10, 25, 9, 30))

    def test_query_count_does_not_grow_with_practitioners(self):
        def count_queries(practitioners):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.consult.find_free_slots(
                MONDAY, MONDAY + timedelta(weeks=4), practitioners
            )
            return self.env.cr.sql_log_count - before

        few = count_queries(self.doctor | self.doctor2)
        more = self.env["calendoc.practitioner"].create(
            [
                {"name": f"Dr {i}", "account_id": self.account.id, "tz": "Europe/Paris"}
                for i in range(10)
            ]
        )
        self.env["calendoc.schedule"].create(
            [
                {
                    "practitioner_id": p.id,
                    "practice_id": self.practice.id,
                    "calendar_id": self.calendar.id,
                }
                for p in more
            ]
        )
        self.consult.practitioner_ids = [Command.link(p.id) for p in more]
        for practitioner in more:
            self.book(MONDAY.replace(hour=8), practitioner=practitioner)
        many = count_queries(self.doctor | self.doctor2 | more)
        self.assertEqual(few, many)
        slots = self.consult.find_free_slots(MONDAY, MONDAY + timedelta(days=1))
        self.assertEqual(len(slots), 12 * 15 - 10)

    def test_is_within_hours(self):
        engine = self.env["calendoc.slot.engine"]
        self.assertTrue(
            engine._is_within_hours(
                self.doctor,
                self.practice,
                MONDAY.replace(hour=8),
                MONDAY.replace(hour=9),
            )
        )
        self.assertFalse(
            engine._is_within_hours(
                self.doctor,
                self.practice,
                MONDAY.replace(hour=11),
                MONDAY.replace(hour=12),
            )
        )
        self.assertEqual(date(2026, 3, 23).weekday(), 0)
