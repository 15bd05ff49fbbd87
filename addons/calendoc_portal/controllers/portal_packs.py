"""The client portal's consumption statement and packs: the account's
statement on screen, in CSV and in PDF; its packs, and a pack to buy."""

from odoo import http
from odoo.http import request

from odoo.addons.calendoc_agenda.tools import params

from ..models.res_users import CLIENT_GROUP
from .portal import CalendocCustomerPortal


class CalendocPacksPortal(CalendocCustomerPortal):
    @http.route("/my/calendoc/statement", type="http", auth="user", website=True)
    def calendoc_statement(self, date_from=None, date_to=None, output=None, **kw):
        """The account's consumption statement (packs' statement logic): on
        screen, as CSV or as PDF."""
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        start, stop = params.parse_date(date_from), params.parse_date(date_to)
        if output == "pdf":
            pdf, filename = account._calendoc_portal_statement_pdf(start, stop)
            return request.make_response(
                pdf,
                headers=[
                    ("Content-Type", "application/pdf"),
                    ("Content-Disposition", f'attachment; filename="{filename}"'),
                ],
            )
        statement = account._calendoc_portal_statement(start, stop)
        if output == "csv":
            return request.make_response(
                statement._csv_content(),
                headers=[
                    ("Content-Type", "text/csv; charset=utf-8"),
                    (
                        "Content-Disposition",
                        f'attachment; filename="{statement._csv_filename()}"',
                    ),
                ],
            )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_statement",
                "wizard": statement,
                "rows": statement._rows(),
                "date_from": statement.date_from.isoformat(),
                "date_to": statement.date_to.isoformat(),
            }
        )
        return request.render("calendoc_portal.calendoc_portal_statement", values)

    @http.route("/my/calendoc/packs", type="http", auth="user", website=True)
    def calendoc_packs(self, **kw):
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        values = self._prepare_portal_layout_values()
        values.update(
            account._calendoc_portal_packs(welcome=bool(kw.get("welcome"))),
            page_name="calendoc_packs",
            error=kw.get("error") and request.env._("Choose a pack to buy."),
        )
        return request.render("calendoc_portal.calendoc_portal_packs", values)

    @http.route(
        "/my/calendoc/packs/buy",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def calendoc_pack_buy(self, product_id=None, **kw):
        """Order a pack: a quotation of the firm, paid online through Odoo's
        payment providers on the order's portal page. The credits are granted
        when the invoice is paid, not before."""
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        order = account._calendoc_portal_order_pack(params.parse_id(product_id))
        if not order:
            return request.redirect("/my/calendoc/packs?error=1")
        return request.redirect(order.get_portal_url())
