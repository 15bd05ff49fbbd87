from datetime import datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from ..exceptions import SlotTakenError
from ..hooks import set_board_home_action
from .common import CalendocCase, weekly

MONDAY = datetime(2026, 3, 23)  # Paris is UTC+1 until Sunday 29 March
DAY = "2026-03-23"


@tagged("post_install", "-at_install")
@freeze_time("2026-03-23 05:00:00")
class TestDayBoard(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # another client account, with its practice and practitioner: never
        # on the board of the first account's secretary
        cls.other_practice = cls.env["calendoc.practice"].create(
            {"name": "Cabinet Autre", "account_id": cls.other_account.id}
        )
        cls.stranger = cls.env["calendoc.practitioner"].create(
            {"name": "Dr Étranger", "account_id": cls.other_account.id}
        )
        cls.env["calendoc.schedule"].create(
            {
                "practitioner_id": cls.stranger.id,
                "practice_id": cls.other_practice.id,
                "calendar_id": cls.calendar.id,
            }
        )
        cls.stranger_type = cls.env["calendoc.appointment.type"].create(
            {"name": "Visite", "practice_id": cls.other_practice.id}
        )

    def board(self, user=None, **kwargs):
        kwargs.setdefault("day", DAY)
        Board = self.env["calendoc.board"].with_user(user or self.secretary)
        return Board.get_board(**kwargs)

    def column(self, board, practitioner, date=DAY):
        return next(
            c
            for c in board["columns"]
            if c["practitioner_id"] == practitioner.id and c["date"] == date
        )

    # --- columns ---------------------------------------------------------------
    def test_secretary_sees_one_column_per_practitioner_of_her_account(self):
        board = self.board()
        self.assertEqual(
            [(c["practitioner"], c["practice"]) for c in board["columns"]],
            [("Dr Alice Test", "Cabinet Test"), ("Dr Bruno Test", "Cabinet Test")],
        )
        self.assertNotIn(self.other_practice.id, [p["id"] for p in board["practices"]])
        # the opening hours of her practices, in Paris time
        column = self.column(board, self.doctor)
        self.assertEqual(column["hours"], [[510, 720], [840, 1080]])
        self.assertEqual(column["off"], [[0, 510], [720, 840], [1080, 1440]])
        self.assertEqual(column["closed"], [])
        self.assertEqual(column["utc_offset"], 60)
        self.assertEqual(board["range"], [480, 1080])
        self.assertEqual(board["step"], 30)

    def test_practice_opening_hours_are_shaded(self):
        self.practice.opening_calendar_id = self.env["resource.calendar"].create(
            weekly("Ouverture", [(9.0, 17.0)])
        )
        column = self.column(self.board(), self.doctor)
        self.assertEqual(column["closed"], [[0, 540], [1020, 1440]])

    def test_practitioner_sees_his_own_column_and_colleagues_when_allowed(self):
        user = new_test_user(
            self.env,
            login="board_doctor_user",
            groups="calendoc_agenda.group_calendoc_practitioner",
        )
        self.doctor.user_id = user
        board = self.board(user)
        self.assertEqual(
            [c["practitioner"] for c in board["columns"]], ["Dr Alice Test"]
        )
        self.doctor.see_colleagues = True
        board = self.board(user)
        self.assertEqual(
            [c["practitioner"] for c in board["columns"]],
            ["Dr Alice Test", "Dr Bruno Test"],
        )

    def test_week_mode_shows_seven_days_of_one_practitioner(self):
        board = self.board(day="2026-03-25", mode="week")
        self.assertEqual(
            [c["date"] for c in board["columns"]],
            [f"2026-03-{day}" for day in range(23, 30)],
        )
        self.assertEqual(
            {c["practitioner"] for c in board["columns"]}, {"Dr Alice Test"}
        )
        saturday = board["columns"][5]
        self.assertEqual((saturday["hours"], saturday["slots"]), ([], []))
        board = self.board(mode="week", practitioner_ids=[self.doctor2.id])
        self.assertEqual(
            {c["practitioner"] for c in board["columns"]}, {"Dr Bruno Test"}
        )
        # Sunday 29 March: Paris moves to summer time
        self.assertEqual(board["columns"][-1]["utc_offset"], 120)

    def test_a_delegated_agenda_without_requesters_shows_no_patient(self):
        """An agenda lent without its requesters: the cards keep their times
        and states, never the patient's name (res.partner's rule, tested by
        the board once per account before it reads the names)."""
        delegate = new_test_user(
            self.env,
            login="board_delegate",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        self.book(MONDAY.replace(hour=8))
        delegation = self.env["calendoc.delegation"].create(
            {
                "grantor_account_id": self.account.id,
                "grantee_user_id": delegate.id,
                "scope_agenda_read": True,
                "reason": "Congés",
                "date_start": MONDAY - timedelta(days=1),
                "date_end": MONDAY + timedelta(days=7),
            }
        )
        card = self.column(self.board(delegate), self.doctor)["appointments"][0]
        self.assertEqual(card["start_label"], "09:00")
        self.assertIs(card["patient"], False)
        self.assertNotIn(self.requester.name, repr(card))
        # nor in the agenda's calendar and list views (the event's title)
        event = self.env["calendar.event"].with_user(delegate).browse(card["id"])
        self.assertEqual(event.display_name, "Consultation")
        self.assertNotIn(
            self.requester.name,
            repr(event.web_read({"name": {}, "display_name": {}})),
        )
        delegation.scope_requesters = True
        card = self.column(self.board(delegate), self.doctor)["appointments"][0]
        self.assertEqual(card["patient"], self.requester.name)
        event.invalidate_recordset(["display_name"])
        self.assertEqual(event.display_name, f"Consultation — {self.requester.name}")

    # --- cards, absences, free slots ----------------------------------------------
    def test_cards_show_local_time_patient_type_state_and_remarks(self):
        event = self.book(MONDAY.replace(hour=8), calendoc_remarks="Douleur au dos")
        card = self.column(self.board(), self.doctor)["appointments"][0]
        self.assertEqual(card["id"], event.id)
        self.assertEqual((card["start_label"], card["stop_label"]), ("09:00", "09:30"))
        self.assertEqual((card["minute"], card["length"]), (540, 30))
        self.assertEqual(card["start"], "2026-03-23 08:00:00")
        self.assertEqual(card["patient"], self.requester.name)
        self.assertEqual(card["type"], "Consultation")
        self.assertEqual((card["state"], card["state_label"]), ("booked", "Booked"))
        self.assertIs(card["remarks"], True)
        self.assertNotIn("Douleur", repr(card))
        self.assertEqual(
            [b["state"] for b in card["buttons"]],
            ["confirmed", "arrived", "no_show", "cancelled"],
        )
        event.calendoc_cancel("Patient excusé")
        self.assertEqual(self.column(self.board(), self.doctor)["appointments"], [])

    def test_free_slots_are_the_slot_engines(self):
        self.book(MONDAY.replace(hour=8))
        column = self.column(self.board(), self.doctor)
        engine = self.consult.find_free_slots(
            MONDAY.replace(hour=0), MONDAY.replace(hour=23), practitioners=self.doctor
        )
        self.assertEqual(
            [slot["start"] for slot in column["slots"]],
            [slot["start"].strftime("%Y-%m-%d %H:%M:%S") for slot in engine],
        )
        labels = [slot["label"] for slot in column["slots"]]
        self.assertEqual(labels[:3], ["08:30", "09:30", "10:00"])
        self.assertNotIn("09:00", labels)
        self.assertEqual(column["type_id"], self.consult.id)

    def test_absences_are_shaded_without_their_reason_and_have_no_slots(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Chirurgie du genou",
                "resource_id": self.doctor.resource_id.id,
                "date_from": MONDAY.replace(hour=13),
                "date_to": MONDAY.replace(hour=15),
            }
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Jour férié",
                "calendar_id": self.holidays.id,
                "date_from": MONDAY.replace(hour=23),
                "date_to": MONDAY.replace(hour=23) + timedelta(days=1),
            }
        )
        column = self.column(self.board(), self.doctor)
        self.assertEqual(
            column["absences"], [{"from": 840, "to": 960, "name": "Absent"}]
        )
        self.assertEqual(column["hours"], [[510, 720], [960, 1080]])
        labels = [slot["label"] for slot in column["slots"]]
        self.assertIn("16:00", labels)
        self.assertFalse([label for label in labels if "14:00" <= label < "16:00"])
        tuesday = self.column(self.board(day="2026-03-24"), self.doctor, "2026-03-24")
        self.assertEqual(
            tuesday["absences"], [{"from": 0, "to": 1440, "name": "Jour férié"}]
        )
        self.assertEqual((tuesday["hours"], tuesday["slots"]), ([], []))

    # --- bad input -----------------------------------------------------------------
    def test_bad_or_foreign_input_is_refused_and_shows_nothing(self):
        for kwargs in (
            {"mode": "month"},
            {"day": "2026-13-45"},
            {"day": ["2026-03-23"]},
            {"practice_ids": "Cabinet"},
            {"practitioner_ids": [True]},
            {"practitioner_ids": [2**40]},
            {"practitioner_ids": [999999999]},
            {"practitioner_ids": [self.stranger.id]},
            {"practice_ids": [self.other_practice.id]},
            {"type_id": self.stranger_type.id},
        ):
            with self.subTest(kwargs=kwargs), self.assertRaises(UserError) as caught:
                self.board(**kwargs)
            message = str(caught.exception)
            self.assertNotIn("Étranger", message)
            self.assertNotIn("Autre", message)
        staff = new_test_user(
            self.env, login="board_staff_user", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            self.board(staff)

    def test_queries_do_not_grow_with_the_practitioners(self):
        def queries():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.board()
            return self.env.cr.sql_log_count - before

        self.book(MONDAY.replace(hour=8))
        self.book(MONDAY.replace(hour=8), practitioner=self.doctor2)
        queries()
        few = queries()
        for n in range(6):
            practitioner = self.env["calendoc.practitioner"].create(
                {"name": f"Dr Renfort {n}", "account_id": self.account.id}
            )
            self.env["calendoc.schedule"].create(
                {
                    "practitioner_id": practitioner.id,
                    "practice_id": self.practice.id,
                    "calendar_id": self.calendar.id,
                }
            )
            self.consult.practitioner_ids = [Command.link(practitioner.id)]
            self.book(MONDAY.replace(hour=9), practitioner=practitioner)
        queries()
        self.assertEqual(len(self.board()["columns"]), 8)
        self.assertEqual(queries(), few)

    # --- moves from the board --------------------------------------------------------
    def seen(self, event, user=None):
        """What a move from the card of ``event`` is made from, as the board
        of ``user`` shows it now."""
        for column in self.board(user)["columns"]:
            for card in column["appointments"]:
                if card["id"] == event.id:
                    return {
                        "version": card["version"],
                        "start": card["start"],
                        "stop": card["stop"],
                        "practitioner_id": column["practitioner_id"],
                    }
        raise AssertionError("no card for %s" % event)

    def move(self, event, seen=None, user=None, **values):
        event.with_user(user or self.secretary).with_context(
            calendoc_board_move=True,
            calendoc_board_seen=seen or self.seen(event, user),
        ).write(values)

    def test_a_card_changed_meanwhile_is_not_moved_from_a_stale_board(self):
        event = self.book(MONDAY.replace(hour=8))
        colleague = new_test_user(
            self.env,
            login="board_colleague",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        self.account.calendoc_secretary_ids = [Command.link(colleague.id)]
        stale = self.seen(event)
        # her colleague moves it first, from her own board
        self.move(
            event,
            user=colleague,
            start=MONDAY.replace(hour=9),
            stop=MONDAY.replace(hour=9, minute=30),
        )
        with self.assertRaisesRegex(UserError, "changed meanwhile"):
            self.move(
                event,
                seen=stale,
                start=MONDAY.replace(hour=10),
                stop=MONDAY.replace(hour=10, minute=30),
            )
        self.assertEqual(event.start, MONDAY.replace(hour=9))
        # a move without what the board showed is refused as well
        with self.assertRaisesRegex(UserError, "changed meanwhile"):
            self.move(
                event,
                seen={"bogus": 1},
                start=MONDAY.replace(hour=10),
                stop=MONDAY.replace(hour=10, minute=30),
            )
        # from the refreshed board, it moves
        self.move(
            event,
            start=MONDAY.replace(hour=10),
            stop=MONDAY.replace(hour=10, minute=30),
        )
        self.assertEqual(event.start, MONDAY.replace(hour=10))

    def test_a_card_moves_within_the_practitioners_hours(self):
        event = self.book(MONDAY.replace(hour=8))
        self.move(
            event, start=MONDAY.replace(hour=9), stop=MONDAY.replace(hour=9, minute=30)
        )
        self.assertEqual(event.start, MONDAY.replace(hour=9))
        self.move(event, calendoc_practitioner_id=self.doctor2.id)
        self.assertEqual(event.calendoc_practitioner_id, self.doctor2)

    def test_a_card_moved_onto_a_closed_or_taken_slot_stays_where_it_was(self):
        event = self.book(MONDAY.replace(hour=8))
        self.book(MONDAY.replace(hour=9))
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Congé",
                "resource_id": self.doctor.resource_id.id,
                "date_from": MONDAY.replace(hour=14),
                "date_to": MONDAY.replace(hour=16),
            }
        )
        for start, error in (
            (MONDAY.replace(hour=11, minute=30), ValidationError),  # lunch break
            (MONDAY.replace(hour=14), ValidationError),  # absent
            (MONDAY.replace(hour=9), SlotTakenError),
        ):
            with self.subTest(start=start), self.assertRaises(error):
                self.move(event, start=start, stop=start + timedelta(minutes=30))
            self.assertEqual(event.start, MONDAY.replace(hour=8))
        with self.assertRaises(UserError):
            self.move(event, calendoc_practitioner_id=self.stranger.id)
        self.assertEqual(event.calendoc_practitioner_id, self.doctor)

    # --- live refresh ----------------------------------------------------------------
    def bus_messages(self, channel):
        self.env.cr.precommit.run()
        return (
            self.env["bus.bus"]
            .sudo()
            .search(
                [
                    (
                        "channel",
                        "=",
                        json_dump(channel_with_db(self.env.cr.dbname, channel)),
                    )
                ]
            )
            .mapped("message")
        )

    def test_changes_are_told_to_the_boards_of_the_account(self):
        channel = (self.account, "calendoc_agenda")
        self.assertEqual(
            self.env["calendoc.board"].with_user(self.secretary)._bus_channels(),
            [channel],
        )
        event = self.book(MONDAY.replace(hour=8))
        messages = self.bus_messages(channel)
        self.assertTrue(messages)
        self.assertIn("calendoc_agenda/board_changed", messages[0])
        self.assertIn(f'"practitioner_ids":[{self.doctor.id}]', messages[0])
        event.with_user(self.secretary).write(
            {"start": MONDAY.replace(hour=9), "stop": MONDAY.replace(hour=9, minute=30)}
        )
        self.assertGreater(len(self.bus_messages(channel)), len(messages))
        # nothing reaches the other account's channel
        self.assertFalse(self.bus_messages((self.other_account, "calendoc_agenda")))

    # --- landing -------------------------------------------------------------------
    def test_secretaries_and_practitioners_land_on_the_board(self):
        action = self.env.ref("calendoc_agenda.calendoc_board_action").id
        self.assertEqual(self.secretary.action_id.id, action)
        doctor = new_test_user(
            self.env,
            login="board_landing_user",
            groups="calendoc_agenda.group_calendoc_practitioner",
        )
        self.assertEqual(doctor.action_id.id, action)
        staff = new_test_user(
            self.env, login="board_other_user", groups="base.group_user"
        )
        self.assertFalse(staff.action_id)
        staff.groups_id = [
            Command.link(self.env.ref("calendoc_agenda.group_calendoc_secretary").id)
        ]
        self.assertEqual(staff.action_id.id, action)
        # a home action chosen before is kept; a user made before is given it
        other = self.env.ref("calendoc_agenda.calendoc_appointment_action").id
        staff.action_id = other
        self.secretary.action_id = False
        set_board_home_action(self.env)
        self.assertEqual(
            (staff.action_id.id, self.secretary.action_id.id), (other, action)
        )
