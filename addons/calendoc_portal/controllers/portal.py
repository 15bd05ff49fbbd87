"""The client portal (``/my/calendoc/...``): a client's portal users follow
their practitioners' agenda, their consumption and their packs, their
delegations and their messages with the secretariat. One file per feature
(``portal_*.py``); this one holds the home counters and what they share.

Everything is read through the portal user's own environment: CalenDoc's
record rules (portal practitioner: his own agenda; portal client: his whole
account) decide what each page holds. The routes parse what they receive
(``calendoc_agenda/tools/params.py``), fetch their record, call one model
method and render."""

from odoo.http import request

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.portal.controllers.portal import CustomerPortal

# pages a list may be asked for (a pager link beyond the last shows the last)
MAX_PAGE = 100_000


def _page(value):
    return params.parse_int(value, 1, MAX_PAGE, 1)


class CalendocCustomerPortal(CustomerPortal):
    # --- /my home counters -----------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        values.update(request.env["res.users"]._calendoc_portal_counters(counters))
        return values

    # --- helpers ------------------------------------------------------------------
    def _account(self):
        """The client account of the portal user, if he has one."""
        return request.env["res.users"]._calendoc_portal_account()

    def _forbidden(self):
        return request.render(
            "calendoc_portal.calendoc_portal_message",
            {
                "title": request.env._("Access refused"),
                "message": request.env._(
                    "Your account does not give access to this page."
                ),
            },
            status=403,
        )

    def _not_found(self, message=None):
        return request.render(
            "calendoc_portal.calendoc_portal_message",
            {
                "title": request.env._("Not found"),
                "message": message
                or request.env._(
                    "This appointment does not exist or is not yours to see."
                ),
            },
            status=404,
        )
