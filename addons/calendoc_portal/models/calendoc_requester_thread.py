from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import format_datetime, html2plaintext

from odoo.addons.calendoc_agenda.tools.tz import tz_name

from ..tools.paging import page_offset

# The longest message a portal user may post (characters of text).
MAX_MESSAGE_LENGTH = 4000


class CalendocRequesterThread(models.Model):
    """The conversation between a client account's users and the secretariat
    about one requester (patient).

    A model of its own rather than the chatter of the appointment or of the
    requester's partner: the requester follows his appointments and is his own
    partner, so any message posted there could reach him. Here he is never a
    follower nor a recipient (see ``_message_subscribe`` and
    ``_notify_get_recipients``), and the record rules are those of the client
    account's 'messages' scope (ARCHITECTURE invariant 3)."""

    _name = "calendoc.requester.thread"
    _description = "Messages about a requester"
    _inherit = ["portal.mixin", "mail.thread"]
    _order = "last_message_date desc, id desc"
    _calendoc_account_link = "account_id"
    _calendoc_rule_fields = ("requester_id",)
    # the client's users may write about a patient whose appointments they see
    # but whose contact they do not read: create checks that itself
    _calendoc_unchecked_references = ("requester_id",)
    # the account's portal users may read the thread: they may post on it
    _mail_post_access = "read"
    # The requester's personal data the thread holds (invariant 4): who it is
    # about, his name, and what is written about him (messages and their
    # attachments). Export and erasure: _calendoc_personal_data() and
    # _calendoc_erase_personal_data().
    _calendoc_personal_fields = ("requester_id", "name", "message_ids")
    _calendoc_requester_link = "requester_id"
    _calendoc_erasure = "delete"
    _calendoc_retention = "messages"
    # retention: counted from the last message of the thread
    _calendoc_retention_date = "last_message_date"

    name = fields.Char(
        compute="_compute_name", store=True, help="The requester's name."
    )
    requester_id = fields.Many2one(
        "res.partner",
        string="Requester",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        domain=[("is_calendoc_requester", "=", True)],
    )
    account_id = fields.Many2one(
        related="requester_id.calendoc_account_id",
        string="Client account",
        store=True,
        index=True,
    )
    last_message_date = fields.Datetime(
        string="Last message", readonly=True, copy=False
    )
    needs_reply = fields.Boolean(
        string="To answer",
        readonly=True,
        copy=False,
        help="The client wrote last: the secretariat has not answered yet.",
    )
    seen_partner_ids = fields.Many2many(
        "res.partner",
        "calendoc_requester_thread_seen_rel",
        "thread_id",
        "partner_id",
        string="Read by",
        readonly=True,
        copy=False,
        help="Technical: the client's users who read the secretariat's last reply.",
    )

    _sql_constraints = [
        (
            "requester_uniq",
            "unique (requester_id)",
            "There is already a conversation about this requester.",
        ),
    ]

    def _compute_access_url(self):
        for thread in self:
            thread.access_url = f"/my/calendoc/messages/{thread.id}"

    @api.depends("requester_id.name")
    def _compute_name(self):
        for thread in self:
            thread.name = thread.requester_id.name

    @api.constrains("requester_id")
    def _check_requester(self):
        for thread in self:
            if not (
                thread.requester_id.is_calendoc_requester
                and thread.requester_id.calendoc_account_id
            ):
                raise ValidationError(
                    self.env._(
                        "Messages to the secretariat are about a requester of a "
                        "client account."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # one may open a conversation only about a requester one may see
            self._calendoc_check_requesters(
                self.env["res.partner"].browse(
                    [
                        vals["requester_id"]
                        for vals in vals_list
                        if vals.get("requester_id")
                    ]
                )
            )
        threads = super().create(vals_list)
        # sudo: the secretaries of the account are not readable by its portal
        # users; they follow the conversation to be told of the client's messages
        for thread in threads.sudo():
            thread._message_subscribe(
                partner_ids=thread.account_id.calendoc_secretary_ids.partner_id.ids
            )
        return threads

    @api.model
    def _get_mail_message_access(self, res_ids, operation, model_name=None):
        # the account's portal users post on the threads they read; the firm's
        # staff where they may write (an auditor reads all and writes nothing)
        if operation == "create" and not self.env.user.share:
            return "write"
        return super()._get_mail_message_access(res_ids, operation, model_name)

    # --- mail.thread: the requester never receives nor follows ----------------
    def _message_subscribe(self, partner_ids=None, subtype_ids=None, customer_ids=None):
        if partner_ids:
            requesters = set(self.requester_id.ids)
            partner_ids = [pid for pid in partner_ids if pid not in requesters]
        return super()._message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids, customer_ids=customer_ids
        )

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        requesters = set(self.requester_id.ids)
        return [r for r in recipients if r["id"] not in requesters]

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=None):
        groups = super()._notify_get_recipients_groups(
            message, model_description, msg_vals=msg_vals
        )
        if len(self) != 1:
            return groups
        # the client's users get a button to the conversation's portal page
        # (they sign in: no access token, the record rules decide)
        for group_name, _matches, group_data in groups:
            if group_name == "portal":
                group_data.update(
                    {
                        "active": True,
                        "has_button_access": True,
                        "button_access": {
                            "url": self.get_base_url() + self.access_url,
                            "title": self.env._("Open the conversation"),
                        },
                    }
                )
        return groups

    def _message_get_suggested_recipients(self):
        # the chatter suggests no recipient: above all not the patient
        return []

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        if msg_vals.get("message_type") in (
            "comment",
            "email",
        ) and not self._is_internal_note(msg_vals):
            author = self.env["res.partner"].browse(msg_vals.get("author_id"))
            from_client = author.partner_share
            if from_client:
                # sudo: the secretaries of the account, not readable by its
                # portal users, follow it to be told of this message (assigned
                # now, even since the conversation began)
                self.sudo()._message_subscribe(
                    partner_ids=self.sudo().account_id.calendoc_secretary_ids.partner_id.ids
                )
            # sudo: the client's users may post but not write the thread; these
            # markers follow each message, whoever wrote it
            self.sudo().write(
                {
                    "last_message_date": fields.Datetime.now(),
                    "needs_reply": from_client,
                    # a secretariat's reply is unread by every client's user
                    "seen_partner_ids": [(6, 0, author.ids if from_client else [])],
                }
            )
        return result

    # --- business methods -------------------------------------------------------
    @api.model
    def _calendoc_thread_for(self, requester):
        """The conversation about ``requester`` (a res.partner the current user
        may read), created if there is none yet."""
        requester.ensure_one()
        # the current user's rights, whatever environment ``requester`` comes in
        requester = requester.with_env(self.env)
        self._calendoc_check_requesters(requester)
        thread = self.search([("requester_id", "=", requester.id)], limit=1)
        return thread or self.create({"requester_id": requester.id})

    @api.model
    def _calendoc_check_text(self, text):
        """``text`` stripped, or a ValidationError if it is empty, too long or
        not text (a NUL byte, which PostgreSQL refuses)."""
        if not isinstance(text, str | None) or "\x00" in (text or ""):
            raise ValidationError(
                self.env._("This message holds characters that cannot be read.")
            )
        text = (text or "").strip()
        if not text:
            raise ValidationError(self.env._("Write a message before sending it."))
        if len(text) > MAX_MESSAGE_LENGTH:
            raise ValidationError(
                self.env._(
                    "A message has at most %(max)s characters; this one has "
                    "%(length)s.",
                    max=MAX_MESSAGE_LENGTH,
                    length=len(text),
                )
            )
        return text

    def _calendoc_post_from_client(self, text, attachments=None):
        """Post ``text`` (plain text, escaped here) from the current user, with
        ``attachments`` [(name, bytes)]. Raises ValidationError on an empty or
        too long text, AccessError if the user may not read the thread."""
        self.ensure_one()
        self.check_access("read")
        text = self._calendoc_check_text(text)
        body = Markup("<br/>").join(text.splitlines())
        return self.message_post(
            body=Markup("<p>%s</p>") % body,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=attachments or None,
        )

    def _calendoc_public_messages(self):
        """The conversation as the client sees it: messages, not the
        secretariat's internal notes nor tracking, oldest first."""
        self.ensure_one()
        self.check_access("read")
        comment = self.env.ref("mail.mt_comment")
        # sudo: the thread is readable (checked above); its messages are read
        # as a whole, the internal ones filtered out here
        return (
            self.sudo()
            .message_ids.filtered(
                lambda m: (
                    m.message_type in ("comment", "email") and m.subtype_id == comment
                )
            )
            .sorted(lambda m: (m.date, m.id))
        )

    @api.model
    def _calendoc_check_requesters(self, requesters):
        """Raise AccessError unless the current user may see each requester:
        read him (secretaries), or read one of his appointments (the client's
        portal users, who read no contact outside their company)."""
        Event = self.env["calendar.event"]
        for requester in requesters:
            if requester.has_access("read") or Event.search_count(
                [("calendoc_requester_id", "=", requester.id)], limit=1
            ):
                continue
            raise AccessError(
                self.env._("This requester is not one you may write about.")
            )

    def _calendoc_unread_for(self, partner):
        """Threads among ``self`` where ``partner`` has a secretariat's reply to
        read."""
        return self.filtered(
            lambda t: (
                t.last_message_date
                and not t.needs_reply
                and partner not in t.seen_partner_ids
            )
        )

    def _calendoc_mark_seen(self):
        self.ensure_one()
        self.check_access("read")
        partner = self.env.user.partner_id
        if partner not in self.seen_partner_ids:
            # sudo: the read marker of the user's own partner on a thread he
            # may read (checked above); he may not write the thread itself
            self.sudo().seen_partner_ids = [(4, partner.id)]

    # --- the client portal ------------------------------------------------------
    @api.model
    def _calendoc_portal_threads(self, page, step):
        """Page ``page`` (of ``step``) of the conversations the current user may
        read (his account's, or his own patients'), with those holding a reply
        he has not read: {'total', 'page', 'threads', 'unread'}."""
        total = self.search_count([])
        page, offset = page_offset(total, page, step)
        threads = self.search([], limit=step, offset=offset)
        return {
            "total": total,
            "page": page,
            "threads": threads,
            "unread": threads._calendoc_unread_for(self.env.user.partner_id),
        }

    @api.model
    def _calendoc_portal_find(self, requester_id):
        """(requester, conversation) to write about the requester
        ``requester_id``: the requester if the current user may see him (one of
        his appointments is in the user's agenda), else an empty recordset (a
        foreign or tampered id); the conversation about him, if there is one."""
        Partner = self.env["res.partner"]
        try:
            requester = Partner.browse(requester_id or [])
            self._calendoc_check_requesters(requester.exists())
        except AccessError:
            return Partner, self.browse()
        # sudo: the requester of an appointment the user may read (checked
        # above); portal users read no contact outside their own company
        requester = requester.sudo().exists()
        if not requester.is_calendoc_requester:
            return Partner, self.browse()
        return requester, self.search([("requester_id", "=", requester.id)], limit=1)

    @api.model
    def _calendoc_portal_start(self, requester, text, attachments=None):
        """Write ``text`` (with ``attachments`` [(name, bytes)]) to the
        secretariat about ``requester``: in the conversation about him,
        started if there is none. Returns the conversation; ``ValidationError``
        on an empty or too long text, starting nothing."""
        self._calendoc_check_text(text)
        with self.env.cr.savepoint():
            thread = self._calendoc_thread_for(requester)
            thread._calendoc_post_from_client(text, attachments)
        return thread

    def _calendoc_portal_message_rows(self):
        """The conversation as the client's portal shows it: [{'message',
        'author', 'from_secretariat', 'date' (in the user's time zone),
        'attachments': [{'name', 'url'}]}], oldest first."""
        rows = []
        for message in self._calendoc_public_messages():
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
                        self.env,
                        message.date,
                        tz=tz_name(self.env.user.tz),
                        dt_format="short",
                    ),
                    "attachments": attachments,
                }
            )
        return rows

    # --- personal data (calendoc_gdpr) -----------------------------------------
    @api.model
    def _calendoc_personal_data(self, requesters):
        """What the conversations hold about ``requesters``, for an access
        request: [{'requester', 'account', 'messages': [{'date', 'author',
        'text', 'attachments'}]}]."""
        threads = self.search([("requester_id", "in", requesters.ids)])
        return [
            {
                "requester": thread.requester_id.name,
                "account": thread.account_id.name,
                "messages": [
                    {
                        "date": message.date,
                        "author": message.author_id.name,
                        "text": html2plaintext(message.body or ""),
                        "attachments": message.attachment_ids.mapped("name"),
                    }
                    for message in thread.sudo().message_ids.sorted("id")
                ],
            }
            for thread in threads
        ]

    @api.model
    def _calendoc_erase_personal_data(self, requesters):
        """Erase the conversations about ``requesters`` with their messages and
        attachments (erasure request, end of retention)."""
        threads = self.search([("requester_id", "in", requesters.ids)])
        if not threads:
            return 0
        threads.check_access("unlink")
        count = len(threads)
        # sudo: the unlink right was checked above; messages, notifications
        # and attachments go with the thread and are not the user's to delete
        threads.sudo().unlink()
        return count

    def _is_internal_note(self, msg_vals):
        subtype = self.env["mail.message.subtype"].browse(msg_vals.get("subtype_id"))
        return bool(subtype.internal) or not subtype
