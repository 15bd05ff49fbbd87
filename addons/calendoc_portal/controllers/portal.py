"""The client portal (``/my/calendoc/...``): a client's portal users follow
their practitioners' agenda, their consumption and their packs.

Everything is read through the portal user's own environment: CalenDoc's
record rules (portal practitioner: his own agenda; portal client: his whole
account) decide what each page holds. The few ``sudo()`` are commented."""

from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup

from odoo import Command, fields, http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request
from odoo.tools import format_date, format_datetime

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.calendoc_agenda.tools.tz import timezone, tz_name
from odoo.addons.portal.controllers.portal import CustomerPortal, pager

from ..models.calendoc_requester_thread import MAX_MESSAGE_LENGTH

PRACTITIONER_GROUP = "calendoc_agenda.group_calendoc_portal_practitioner"
CLIENT_GROUP = "calendoc_agenda.group_calendoc_portal_client"
PAGE_SIZE = 40
# the week grid shows the whole week on one page
GRID_PAGE_SIZE = 500
DELEGATION_SCOPES = (
    "scope_agenda_read",
    "scope_agenda_write",
    "scope_requesters",
    "scope_messages",
    "scope_calls",
    "scope_statements",
)
UPCOMING_STATES = ("booked", "confirmed")
# attachments of a portal message: how many, how big each
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# pages a list may be asked for (a pager link beyond the last shows the last)
MAX_PAGE = 100_000
# what a GDPR request says of its subject and of what is asked (the form's
# own limits)
MAX_GDPR_PERSON = 200
MAX_GDPR_DETAILS = 4000


def _date(value, default):
    return params.parse_date(value) or default


def _page(value):
    return params.parse_int(value, 1, MAX_PAGE, 1)


class CalendocCustomerPortal(CustomerPortal):
    # --- /my home counters -----------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        user = request.env.user
        if "calendoc_appointment_count" in counters:
            values["calendoc_appointment_count"] = (
                request.env["calendar.event"].search_count(
                    self._upcoming_domain(), limit=1000
                )
                if user.has_group(PRACTITIONER_GROUP)
                else 0
            )
        if "calendoc_pack_count" in counters:
            values["calendoc_pack_count"] = (
                request.env["calendoc.pack"].search_count(
                    [("account_id", "=", self._account().id)]
                )
                if user.has_group(CLIENT_GROUP)
                else 0
            )
        if "calendoc_message_count" in counters:
            values["calendoc_message_count"] = (
                request.env["calendoc.requester.thread"].search_count([])
                if user.has_group(PRACTITIONER_GROUP)
                else 0
            )
        return values

    # --- agenda ----------------------------------------------------------------
    @http.route(
        ["/my/calendoc/appointments", "/my/calendoc/appointments/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def calendoc_appointments(self, page=1, scope="list", day=None, **kw):
        """The agenda of the practitioners the user may read: upcoming
        appointments (list), or one day, or one week (as a list or a grid of
        days)."""
        if not request.env.user.has_group(PRACTITIONER_GROUP):
            return self._forbidden()
        Event = request.env["calendar.event"]
        practitioners = request.env["calendoc.practitioner"].search([])
        practitioner = practitioners.filtered(
            lambda p: str(p.id) == str(kw.get("practitioner_id") or "")
        )
        tz = timezone(request.env.user.tz)
        today = datetime.now(tz).date()
        first = _date(day, today)
        if scope not in ("list", "day", "week", "grid"):
            scope = "list"
        weekly = scope in ("week", "grid")
        domain = [("calendoc_practitioner_id", "!=", False)]
        if practitioner:
            domain.append(("calendoc_practitioner_id", "=", practitioner.id))
        url_args = {"scope": scope, "practitioner_id": practitioner.id or ""}
        if scope == "list":
            domain = domain + self._upcoming_domain()
        else:
            if weekly:
                first -= timedelta(days=first.weekday())
            span = timedelta(days=7 if weekly else 1)
            bounds = [
                tz.localize(datetime.combine(d, time()))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
                for d in (first, first + span)
            ]
            domain += [("start", ">=", bounds[0]), ("start", "<", bounds[1])]
            url_args["day"] = first.isoformat()
        total = Event.search_count(domain)
        step = GRID_PAGE_SIZE if scope == "grid" else PAGE_SIZE
        page_pager = pager(
            url="/my/calendoc/appointments",
            url_args=url_args,
            total=total,
            page=_page(page),
            step=step,
        )
        events = Event.search(
            domain, order="start, id", limit=step, offset=page_pager["offset"]
        )
        # sudo: these appointments were just found under the user's own rules;
        # their practitioner's name lives on resource.resource, which portal
        # users may not read.
        rows = [
            {
                "event": event.sudo(),
                "when": format_datetime(
                    request.env,
                    event.start,
                    tz=event.calendoc_practice_id.tz or tz.zone,
                    dt_format="short",
                ),
                "local": pytz.utc.localize(event.start).astimezone(
                    pytz.timezone(event.calendoc_practice_id.tz or tz.zone)
                ),
            }
            for event in events
        ]
        values = self._prepare_portal_layout_values()
        names = {p.id: p.name for p in practitioners.sudo()}
        span_days = 7 if weekly else 1
        values.update(
            {
                "page_name": "calendoc_appointments",
                "rows": rows,
                "pager": page_pager,
                "scope": scope,
                "day": first,
                "day_label": format_date(request.env, first, date_format="full"),
                "previous_day": (first - timedelta(days=span_days)).isoformat(),
                "next_day": (first + timedelta(days=span_days)).isoformat(),
                "practitioners": practitioners,
                "practitioner": practitioner,
                "names": names,
                "total": total,
                "grid_days": self._grid_days(first, rows, today)
                if scope == "grid"
                else [],
            }
        )
        return request.render("calendoc_portal.calendoc_portal_appointments", values)

    @http.route(
        "/my/calendoc/appointments/<int:event_id>",
        type="http",
        auth="user",
        website=True,
    )
    def calendoc_appointment(self, event_id, **kw):
        if not request.env.user.has_group(PRACTITIONER_GROUP):
            return self._forbidden()
        event = request.env["calendar.event"].browse(params.parse_id(event_id) or [])
        try:
            event.check_access("read")
            if not event.exists() or not event.calendoc_practitioner_id:
                raise MissingError(request.env._("No such appointment."))
        except (AccessError, MissingError):
            return self._not_found()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_appointment",
                # sudo: read access to this appointment was checked just above
                "event": event.sudo(),
                "when": format_datetime(
                    request.env,
                    event.start,
                    tz=tz_name(event.calendoc_practice_id.tz),
                    dt_format="full",
                ),
            }
        )
        return request.render("calendoc_portal.calendoc_portal_appointment", values)

    # --- consumption statement -------------------------------------------------
    @http.route("/my/calendoc/statement", type="http", auth="user", website=True)
    def calendoc_statement(self, date_from=None, date_to=None, output=None, **kw):
        """The account's consumption statement (packs' statement logic): on
        screen, as CSV or as PDF."""
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        today = fields.Date.context_today(account)
        start = _date(date_from, today.replace(day=1))
        stop = _date(date_to, today)
        if stop < start:
            start, stop = stop, start
        # new(): the statement is computed in memory under the portal user's
        # own rights (credit moves of his account only); nothing is stored.
        wizard = request.env["calendoc.statement.wizard"].new(
            {"account_id": account.id, "date_from": start, "date_to": stop}
        )
        if output == "csv":
            return request.make_response(
                wizard._csv_content(),
                headers=[
                    ("Content-Type", "text/csv; charset=utf-8"),
                    (
                        "Content-Disposition",
                        f'attachment; filename="{wizard._csv_filename()}"',
                    ),
                ],
            )
        if output == "pdf":
            # sudo: a report renders stored records; this one holds only the
            # user's own account and dates, whose moves he may read (checked
            # just above through his rights: the wizard's rows).
            wizard._rows()
            stored = (
                request.env["calendoc.statement.wizard"]
                .sudo()
                .create({"account_id": account.id, "date_from": start, "date_to": stop})
            )
            pdf, _type = (
                request.env["ir.actions.report"]
                .sudo()
                ._render_qweb_pdf(
                    "calendoc_packs.calendoc_statement_report", stored.ids
                )
            )
            return request.make_response(
                pdf,
                headers=[
                    ("Content-Type", "application/pdf"),
                    (
                        "Content-Disposition",
                        f'attachment; filename="{wizard._csv_filename()[:-4]}.pdf"',
                    ),
                ],
            )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_statement",
                "wizard": wizard,
                "rows": wizard._rows(),
                "date_from": start.isoformat(),
                "date_to": stop.isoformat(),
            }
        )
        return request.render("calendoc_portal.calendoc_portal_statement", values)

    # --- packs -------------------------------------------------------------------
    @http.route("/my/calendoc/packs", type="http", auth="user", website=True)
    def calendoc_packs(self, **kw):
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_packs",
                "account": account,
                "packs": request.env["calendoc.pack"].search(
                    [("account_id", "=", account.id)]
                ),
                "balances": account._calendoc_balances(),
                "offers": self._pack_products(),
                "error": kw.get("error") and request.env._("Choose a pack to buy."),
                # sudo: the permanence code of the user's own account, shown
                # once to the client who just signed up
                "permanence_code": kw.get("welcome")
                and account.sudo().calendoc_permanence_code,
            }
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
        template = self._pack_products().filtered(
            lambda t: str(t.id) == str(product_id or "")
        )
        if not template:
            return request.redirect("/my/calendoc/packs?error=1")
        # sudo: a portal user creates no sale order himself; this one sells the
        # chosen catalogue pack to his own account, at the catalogue price.
        order = (
            request.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": request.env.user.partner_id.id,
                    "partner_invoice_id": account.id,
                    "require_signature": False,
                    "require_payment": True,
                    "prepayment_percent": 1.0,
                    "order_line": [
                        Command.create({"product_id": template.product_variant_id.id})
                    ],
                }
            )
        )
        return request.redirect(order.get_portal_url())

    # --- delegations ------------------------------------------------------------
    @http.route("/my/calendoc/delegations", type="http", auth="user", website=True)
    def calendoc_delegations(self, **kw):
        """The delegations the account grants or receives (read only: they are
        granted and revoked with the secretariat, which logs each change)."""
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_delegations",
                # the user's own rights: delegations of his account only
                "delegations": request.env["calendoc.delegation"].search(
                    [], order="date_start desc, id desc"
                ),
                "scopes": DELEGATION_SCOPES,
            }
        )
        return request.render("calendoc_portal.calendoc_portal_delegations", values)

    # --- GDPR requests -------------------------------------------------------------
    @http.route(
        "/my/calendoc/gdpr",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def calendoc_gdpr(self, **kw):
        """A data subject's request (access, rectification, erasure) that the
        client forwards to the firm, its processor: recorded on the account as
        a message and a to-do for a secretariat manager."""
        account = self._account()
        if not (request.env.user.has_group(CLIENT_GROUP) and account):
            return self._forbidden()
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "calendoc_gdpr", "kinds": self._gdpr_kinds()})
        if request.httprequest.method != "POST":
            values["sent"] = bool(kw.get("sent"))
            return request.render("calendoc_portal.calendoc_portal_gdpr", values)
        env = request.env
        kind = self._gdpr_kinds().get(params.parse_text(kw.get("kind")))
        try:
            person = params.check_text(
                env, kw.get("person"), env._("The person concerned"), MAX_GDPR_PERSON
            )
            details = params.check_text(
                env, kw.get("details"), env._("The request"), MAX_GDPR_DETAILS
            )
            if not (kind and person and details):
                raise params.InvalidInput(
                    env._(
                        "Choose the kind of request, and say whom it is about and "
                        "what is asked."
                    )
                )
        except params.InvalidInput as error:
            values.update({"error": error.args[0], "form": kw})
            return request.render(
                "calendoc_portal.calendoc_portal_gdpr", values, status=400
            )
        summary = request.env._(
            "GDPR request (%(kind)s) from %(account)s", kind=kind, account=account.name
        )
        note = Markup("<p>%s</p><p>%s</p><p>%s</p>") % (
            request.env._(
                "About: %(person)s. Sent by %(user)s.",
                person=person,
                user=request.env.user.name,
            ),
            details,
            kind,
        )
        # sudo: a portal user may neither post on his account's internal
        # chatter nor give a task to the firm's staff; the request is his own
        # account's, checked above
        account_sudo = account.sudo()
        account_sudo.message_post(
            body=Markup("<p><strong>%s</strong></p>") % summary + note,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=request.env.user.partner_id.id,
        )
        managers = request.env.ref("calendoc_agenda.group_calendoc_manager").sudo()
        manager = managers.users.filtered(lambda u: not u.share)[:1]
        account_sudo.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=note,
            user_id=(manager or request.env.ref("base.user_admin")).id,
        )
        return request.redirect("/my/calendoc/gdpr?sent=1")

    # --- messages with the secretariat about a requester --------------------------
    @http.route(
        ["/my/calendoc/messages", "/my/calendoc/messages/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def calendoc_messages(self, page=1, **kw):
        """The conversations with the secretariat about the requesters the
        user may see (record rules: his account's, or his own patients')."""
        if not request.env.user.has_group(PRACTITIONER_GROUP):
            return self._forbidden()
        Thread = request.env["calendoc.requester.thread"]
        total = Thread.search_count([])
        page_pager = pager(
            url="/my/calendoc/messages", total=total, page=_page(page), step=PAGE_SIZE
        )
        threads = Thread.search([], limit=PAGE_SIZE, offset=page_pager["offset"])
        unread = threads._calendoc_unread_for(request.env.user.partner_id)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_messages",
                "threads": threads,
                "unread": unread,
                "unread_text": request.env._(
                    "%(count)s conversation(s) with an unread reply.",
                    count=len(unread),
                ),
                "pager": page_pager,
                "tz": tz_name(request.env.user.tz),
            }
        )
        return request.render("calendoc_portal.calendoc_portal_threads", values)

    @http.route(
        "/my/calendoc/messages/new",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def calendoc_message_new(self, requester_id=None, **kw):
        """Write to the secretariat about a requester the user may see: the
        conversation about him if there is one, else a new one."""
        if not request.env.user.has_group(PRACTITIONER_GROUP):
            return self._forbidden()
        requester = self._requester(requester_id)
        if not requester:
            return self._not_found(request.env._("No such patient among yours."))
        Thread = request.env["calendoc.requester.thread"]
        thread = Thread.search([("requester_id", "=", requester.id)], limit=1)
        if thread:
            return request.redirect(thread.access_url)
        if request.httprequest.method != "POST":
            return self._render_thread(Thread, requester)
        try:
            attachments = self._uploaded_files()
            Thread._calendoc_check_text(kw.get("body"))
            with request.env.cr.savepoint():
                thread = Thread._calendoc_thread_for(requester)
                thread._calendoc_post_from_client(kw.get("body"), attachments)
        except ValidationError as error:
            return self._render_thread(
                Thread, requester, error=error.args[0], body=kw.get("body")
            )
        return request.redirect(f"{thread.access_url}?sent=1")

    @http.route(
        "/my/calendoc/messages/<int:thread_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def calendoc_message_thread(self, thread_id, **kw):
        """One conversation: the messages, a form to answer."""
        if not request.env.user.has_group(PRACTITIONER_GROUP):
            return self._forbidden()
        thread = request.env["calendoc.requester.thread"].browse(
            params.parse_id(thread_id) or []
        )
        try:
            if not thread.exists():
                raise MissingError(request.env._("No such conversation."))
            thread.check_access("read")
        except (AccessError, MissingError):
            return self._not_found(
                request.env._("This conversation does not exist or is not yours.")
            )
        if request.httprequest.method == "POST":
            try:
                attachments = self._uploaded_files()
                thread._calendoc_post_from_client(kw.get("body"), attachments)
            except ValidationError as error:
                return self._render_thread(
                    thread,
                    thread.requester_id,
                    error=error.args[0],
                    body=kw.get("body"),
                )
            return request.redirect(f"{thread.access_url}?sent=1")
        thread._calendoc_mark_seen()
        return self._render_thread(thread, thread.requester_id, sent=kw.get("sent"))

    # --- helpers ------------------------------------------------------------------
    def _account(self):
        """The client account of the portal user, if he has one."""
        account = request.env.user.partner_id.commercial_partner_id
        return account if account.is_calendoc_client else account.browse()

    def _requester(self, requester_id):
        """The requester ``requester_id`` if the user may see him (one of his
        appointments is in the user's agenda), else an empty recordset (a
        tampered or foreign id)."""
        Partner = request.env["res.partner"]
        try:
            requester = Partner.browse(params.parse_id(requester_id) or [])
            request.env["calendoc.requester.thread"]._calendoc_check_requesters(
                requester.exists()
            )
        except AccessError:
            return Partner
        # sudo: the requester of an appointment the user may read (checked
        # above); portal users read no contact outside their own company
        requester = requester.sudo().exists()
        return requester if requester.is_calendoc_requester else Partner

    def _uploaded_files(self):
        """The files attached to the posted message, [(name, bytes)], or a
        ValidationError if there are too many or one is too big."""
        files = [
            file
            for file in request.httprequest.files.getlist("attachments")
            if file.filename
        ]
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                request.env._(
                    "Attach at most %(count)s files to a message.",
                    count=MAX_ATTACHMENTS,
                )
            )
        attachments = []
        for file in files:
            if not params.parse_text(file.filename):
                raise ValidationError(
                    request.env._(
                        "A file name holds characters that cannot be read, or is "
                        "too long: rename the file."
                    )
                )
            content = file.read(MAX_ATTACHMENT_BYTES + 1)
            if len(content) > MAX_ATTACHMENT_BYTES:
                raise ValidationError(
                    request.env._(
                        "%(name)s is too big: a file has at most %(size)s MB.",
                        name=file.filename,
                        size=MAX_ATTACHMENT_BYTES // (1024 * 1024),
                    )
                )
            attachments.append((file.filename, content))
        return attachments

    def _render_thread(self, thread, requester, error=None, body=None, sent=False):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_message",
                "thread": thread,
                "requester_name": thread.name if thread else requester.name,
                "requester_id": requester.id,
                "messages": self._message_rows(thread) if thread else [],
                "error": error,
                "body": body or "",
                "sent": bool(sent),
                "max_length": MAX_MESSAGE_LENGTH,
                "length_help": request.env._(
                    "At most %(count)s characters.", count=MAX_MESSAGE_LENGTH
                ),
                "attachments_help": request.env._(
                    "At most %(count)s files of %(size)s MB each.",
                    count=MAX_ATTACHMENTS,
                    size=MAX_ATTACHMENT_BYTES // (1024 * 1024),
                ),
                "tz": tz_name(request.env.user.tz),
            }
        )
        return request.render(
            "calendoc_portal.calendoc_portal_thread",
            values,
            status=400 if error else 200,
        )

    def _message_rows(self, thread):
        rows = []
        for message in thread._calendoc_public_messages():
            attachments = []
            # sudo (the messages are): a portal user downloads an attachment
            # through its access token only, given for the messages of a
            # thread he may read (checked by _calendoc_public_messages)
            for attachment in message.attachment_ids:
                token = attachment.generate_access_token()[0]
                attachments.append(
                    {
                        "name": attachment.name,
                        "url": f"/web/content/{attachment.id}?download=true"
                        f"&access_token={token}",
                    }
                )
            rows.append(
                {
                    "message": message,
                    "author": message.author_id.name,
                    "from_secretariat": not message.author_id.partner_share,
                    "date": format_datetime(
                        request.env,
                        message.date,
                        tz=tz_name(request.env.user.tz),
                        dt_format="short",
                    ),
                    "attachments": attachments,
                }
            )
        return rows

    def _grid_days(self, monday, rows, today):
        """The seven days from ``monday``, each with its appointments (in their
        practice's time zone), for the week grid."""
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            days.append(
                {
                    "iso": day.isoformat(),
                    "label": format_date(request.env, day, date_format="EEEE d MMM"),
                    "today": day == today,
                    "rows": [
                        dict(row, time=row["local"].strftime("%H:%M"))
                        for row in rows
                        if row["local"].date() == day
                    ],
                }
            )
        return days

    def _gdpr_kinds(self):
        return {
            "access": request.env._("access to the data"),
            "rectification": request.env._("rectification"),
            "erasure": request.env._("erasure"),
        }

    def _upcoming_domain(self):
        return [
            ("calendoc_practitioner_id", "!=", False),
            ("calendoc_state", "in", UPCOMING_STATES),
            ("start", ">=", fields.Datetime.now()),
        ]

    def _pack_products(self):
        # sudo: the firm's pack catalogue is public to its clients
        return (
            request.env["product.template"]
            .sudo()
            .search(
                [("is_calendoc_pack", "=", True), ("sale_ok", "=", True)],
                order="list_price, id",
            )
        )

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
