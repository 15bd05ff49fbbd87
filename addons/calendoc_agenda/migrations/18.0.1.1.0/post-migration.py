from odoo import SUPERUSER_ID, api

from odoo.addons.calendoc_agenda.hooks import set_sign_in_defaults


def migrate(cr, version):
    """Databases installed before two-factor sign-in get the same defaults as
    new ones (post_init_hook runs at installation only)."""
    set_sign_in_defaults(api.Environment(cr, SUPERUSER_ID, {}))
