"""Landing (issue 19): the secretaries and practitioners of an existing
database land on the day board, as new ones do."""

from odoo import SUPERUSER_ID, api

from odoo.addons.calendoc_agenda.hooks import set_board_home_action


def migrate(cr, version):
    set_board_home_action(api.Environment(cr, SUPERUSER_ID, {}))
