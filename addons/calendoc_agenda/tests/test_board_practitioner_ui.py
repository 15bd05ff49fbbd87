from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import always_open_practice


@tagged("post_install", "-at_install")
class TestBoardPractitionerUi(HttpCase):
    def test_an_internal_practitioner_lands_on_his_own_column(self):
        """Signed in, an internal practitioner is on the day board, in his
        own column; his colleague's shows once the practice lets him see it."""
        env = self.env(context={"tracking_disable": True})
        account, practice, doctor, apt_type = always_open_practice(env)
        colleague = env["calendoc.practitioner"].create(
            {"name": "Dr Collègue", "account_id": account.id}
        )
        env["calendoc.schedule"].create(
            {
                "practitioner_id": colleague.id,
                "practice_id": practice.id,
                "calendar_id": doctor.schedule_ids.calendar_id.id,
            }
        )
        apt_type.practitioner_ids = [Command.link(colleague.id)]
        user = new_test_user(
            env,
            login="board_doctor",
            password="board_doctor",
            groups="calendoc_agenda.group_calendoc_practitioner",
            tz="Europe/Paris",
        )
        doctor.user_id = user
        self.assertEqual(
            user.action_id.id, env.ref("calendoc_agenda.calendoc_board_action").id
        )
        self.start_tour(
            "/odoo", "calendoc_board_practitioner_tour", login="board_doctor"
        )
        doctor.see_colleagues = True
        self.start_tour("/odoo", "calendoc_board_colleagues_tour", login="board_doctor")
