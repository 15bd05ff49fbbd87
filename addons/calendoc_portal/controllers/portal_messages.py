"""The client portal's messages with the secretariat about the requesters
(patients) the user may see: the conversations, a new one, one of them."""

from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.calendoc_agenda.tools.tz import tz_name
from odoo.addons.portal.controllers.portal import pager

from ..models.calendoc_requester_thread import MAX_MESSAGE_LENGTH
from ..models.res_users import PRACTITIONER_GROUP
from .portal import CalendocCustomerPortal, _page

PAGE_SIZE = 40
# attachments of a portal message: how many, how big each
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class CalendocMessagesPortal(CalendocCustomerPortal):
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
        found = request.env["calendoc.requester.thread"]._calendoc_portal_threads(
            _page(page), PAGE_SIZE
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "calendoc_messages",
                "threads": found["threads"],
                "unread": found["unread"],
                "unread_text": request.env._(
                    "%(count)s conversation(s) with an unread reply.",
                    count=len(found["unread"]),
                ),
                "pager": pager(
                    url="/my/calendoc/messages",
                    total=found["total"],
                    page=found["page"],
                    step=PAGE_SIZE,
                ),
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
        Thread = request.env["calendoc.requester.thread"]
        requester, thread = Thread._calendoc_portal_find(params.parse_id(requester_id))
        if not requester:
            return self._not_found(request.env._("No such patient among yours."))
        if thread:
            return request.redirect(thread.access_url)
        if request.httprequest.method != "POST":
            return self._render_thread(Thread, requester)
        try:
            attachments = self._uploaded_files()
            thread = Thread._calendoc_portal_start(
                requester, kw.get("body"), attachments
            )
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
                "messages": thread._calendoc_portal_message_rows() if thread else [],
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
