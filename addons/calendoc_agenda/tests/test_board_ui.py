from datetime import datetime, time, timedelta

import pytz

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import always_open_practice, weekly

PARIS = pytz.timezone("Europe/Paris")


@tagged("post_install", "-at_install")
class TestDayBoardUi(HttpCase):
    def test_secretary_books_and_moves_cards_on_the_day_board(self):
        env = self.env(context={"tracking_disable": True})
        account, _practice, doctor, apt_type = always_open_practice(
            env, type_values={"duration_minutes": 30}
        )
        # mornings only, every day: the board shows 8:00-12:00
        doctor.schedule_ids.calendar_id = env["resource.calendar"].create(
            weekly("Matins", [(8.0, 12.0)], days=range(7))
        )
        Partner = env["res.partner"]
        requesters = {
            name: Partner.create(
                {
                    "is_calendoc_requester": True,
                    "calendoc_account_id": account.id,
                    "calendoc_last_name": name,
                    "calendoc_first_name": first_name,
                }
            )
            for name, first_name in (
                ("Tournesol", "Tryphon"),
                ("Haddock", "Archibald"),
                ("Castafiore", "Bianca"),
            )
        }
        tomorrow = datetime.now(PARIS).date() + timedelta(days=1)

        def at(hour):
            local = PARIS.localize(datetime.combine(tomorrow, time(hour)))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        Event = env["calendar.event"]
        haddock, castafiore = (
            Event.create(
                {
                    "calendoc_practitioner_id": doctor.id,
                    "calendoc_type_id": apt_type.id,
                    "calendoc_requester_id": requesters[name].id,
                    "start": at(hour),
                }
            )
            for name, hour in (("Haddock", 9), ("Castafiore", 10))
        )
        secretary = new_test_user(
            env,
            login="board_secretary",
            password="board_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
            tz="Europe/Paris",
        )
        account.calendoc_secretary_ids = [Command.link(secretary.id)]
        self.assertEqual(
            secretary.action_id.id, env.ref("calendoc_agenda.calendoc_board_action").id
        )
        self.start_tour("/odoo", "calendoc_board_tour", login="board_secretary")
        booked = Event.search(
            [("calendoc_requester_id", "=", requesters["Tournesol"].id)]
        )
        self.assertEqual(
            (booked.calendoc_practitioner_id, booked.start, booked.create_uid),
            (doctor, at(8), secretary),
        )
        self.assertEqual(
            (haddock.start, haddock.stop), (at(11), at(11) + timedelta(minutes=30))
        )
        self.assertEqual(castafiore.start, at(10))

    def test_a_board_of_fifty_practitioners_shows_pages_of_columns(self):
        env = self.env(context={"tracking_disable": True})
        account, practice, doctor, _apt_type = always_open_practice(env)
        doctor.name = "Dr Page 01"
        calendar = doctor.schedule_ids.calendar_id
        for n in range(2, 51):
            colleague = env["calendoc.practitioner"].create(
                {"name": f"Dr Page {n:02d}", "account_id": account.id}
            )
            env["calendoc.schedule"].create(
                {
                    "practitioner_id": colleague.id,
                    "practice_id": practice.id,
                    "calendar_id": calendar.id,
                }
            )
        secretary = new_test_user(
            env,
            login="pager_secretary",
            password="pager_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
            tz="Europe/Paris",
        )
        account.calendoc_secretary_ids = [Command.link(secretary.id)]
        board = env["calendoc.board"].with_user(secretary).get_board()
        self.assertEqual(len(board["columns"]), 50)
        self.start_tour("/odoo", "calendoc_board_pager_tour", login="pager_secretary")
