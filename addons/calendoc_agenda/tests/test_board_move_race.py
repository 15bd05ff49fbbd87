"""Two secretaries move the same card from their boards, in two real database
transactions: one wins, the other is refused with a clear message."""

from datetime import datetime

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import BaseCase, new_test_user, tagged
from odoo.tests.common import get_db_name

from .common import always_open_practice

DAY = datetime(2030, 1, 7)  # a Monday; the practice is open all day


@tagged("post_install", "-at_install")
class TestBoardMoveRace(BaseCase):
    """Runs on committed data (the other transaction must see it) and removes
    it: tests that commit, hence the pylint exceptions."""

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            account, practice, doctor, apt_type = always_open_practice(env)
            secretaries = [
                new_test_user(
                    env,
                    login=f"race_board_{n}",
                    groups="calendoc_agenda.group_calendoc_secretary",
                    tz="UTC",
                )
                for n in (1, 2)
            ]
            account.calendoc_secretary_ids = [Command.set([s.id for s in secretaries])]
            event = env["calendar.event"].create(
                {
                    "calendoc_practitioner_id": doctor.id,
                    "calendoc_practice_id": practice.id,
                    "calendoc_type_id": apt_type.id,
                    "start": DAY.replace(hour=9),
                    "stop": DAY.replace(hour=9, minute=30),
                }
            )
            self.ids = {
                "account": account.id,
                "practice": practice.id,
                "doctor": doctor.id,
                "type": apt_type.id,
                "calendar": doctor.schedule_ids.calendar_id.id,
                "event": event.id,
                "users": [s.id for s in secretaries],
            }
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["calendar.event"].with_context(active_test=False).search(
                [("calendoc_practitioner_id", "=", self.ids["doctor"])]
            ).unlink()
            env["calendoc.appointment.type"].browse(self.ids["type"]).unlink()
            env["calendoc.practice"].browse(self.ids["practice"]).unlink()
            doctor = env["calendoc.practitioner"].browse(self.ids["doctor"])
            resource, partner = doctor.resource_id, doctor.partner_id
            doctor.unlink()
            resource.unlink()
            env["resource.calendar"].browse(self.ids["calendar"]).unlink()
            users = env["res.users"].browse(self.ids["users"])
            partners = users.partner_id
            users.write({"active": False})
            (partner | partners | env["res.partner"].browse(self.ids["account"])).write(
                {"active": False}
            )
            cr.commit()  # pylint: disable=invalid-commit

    def seen(self, env):
        """The card of the appointment on the user's board of the day."""
        board = env["calendoc.board"].get_board(day=DAY.date().isoformat())
        for column in board["columns"]:
            for card in column["appointments"]:
                if card["id"] == self.ids["event"]:
                    return {
                        "version": card["version"],
                        "start": card["start"],
                        "stop": card["stop"],
                        "practitioner_id": column["practitioner_id"],
                    }
        raise AssertionError("the card is not on the board")

    def move(self, env, seen, hour):
        env["calendar.event"].browse(self.ids["event"]).with_context(
            calendoc_board_move=True, calendoc_board_seen=seen
        ).write(
            {"start": DAY.replace(hour=hour), "stop": DAY.replace(hour=hour, minute=30)}
        )
        env.flush_all()

    def test_two_secretaries_move_the_same_card_one_wins_the_other_is_refused(self):
        first, second = self.ids["users"]
        with self.db.cursor() as cr_a, self.db.cursor() as cr_b:
            env_a = api.Environment(cr_a, first, {"tz": "UTC"})
            env_b = api.Environment(cr_b, second, {"tz": "UTC"})
            # both boards show the card at 9:00, in two open transactions
            seen_a, seen_b = self.seen(env_a), self.seen(env_b)
            self.assertEqual(seen_a, seen_b)
            self.move(env_a, seen_a, 10)
            cr_a.commit()  # pylint: disable=invalid-commit
            # her colleague's move, in a transaction begun before that commit,
            # cannot serialise: PostgreSQL refuses it, no silent overwrite
            with self.assertRaises(SerializationFailure):
                self.move(env_b, seen_b, 11)
            cr_b.rollback()
            # the request loop retries it in a new transaction, which sees
            # the first move: a clear refusal, not a 500
            with self.assertRaisesRegex(UserError, "changed meanwhile"):
                retrying(lambda: self.move(env_b, seen_b, 11), env_b)
            cr_b.rollback()
        with self.db.cursor() as cr:
            cr.execute(
                "SELECT start, write_uid FROM calendar_event WHERE id = %s",
                (self.ids["event"],),
            )
            self.assertEqual(cr.fetchone(), (DAY.replace(hour=10), first))
