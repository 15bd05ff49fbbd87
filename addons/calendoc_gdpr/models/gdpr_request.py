from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize

MANAGER = "calendoc_agenda.group_calendoc_manager"
SECRETARY = "calendoc_agenda.group_calendoc_secretary"
CLIENT = "calendoc_agenda.group_calendoc_portal_client"

REQUEST_TYPES = [
    ("access", "Access (art. 15)"),
    ("rectification", "Rectification (art. 16)"),
    ("erasure", "Erasure (art. 17)"),
    ("restriction", "Restriction (art. 18)"),
    ("portability", "Portability (art. 20)"),
    ("objection", "Objection (art. 21)"),
]
STATES = [
    ("received", "Received"),
    ("forwarded", "Forwarded to the controller"),
    ("approved", "Approved"),
    ("refused", "Refused"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
CHANNELS = [
    ("backoffice", "Back office"),
    ("portal", "Portal"),
    ("email", "E-mail"),
]
OPEN_STATES = ("received", "forwarded", "approved")
# set by the workflow's methods only (secretaries write the rest)
WORKFLOW_FIELDS = {
    "state",
    "refusal_reason",
    "extension_months",
    "extension_reason",
    "decided_by_id",
    "decided_on",
    "answer",
    "answer_attachment_ids",
    "reminder_sent",
}
# GDPR article 12.3: one month, extensible by two further months
MAX_EXTENSION_MONTHS = 2
# days before the deadline the reminder e-mail goes (config parameter)
REMINDER_DAYS_PARAM = "calendoc_gdpr.request_reminder_days"


class CalendocGdprRequest(models.Model):
    """A data subject's request (GDPR articles 15 to 21) about a requester of
    a client account. The account is the controller: it approves or refuses;
    the firm, its processor, executes and answers."""

    _name = "calendoc.gdpr.request"
    _description = "Data subject request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "deadline, id"

    _calendoc_account_link = "account_id"
    # the name carries the requester's name (type - requester - date)
    _calendoc_personal_fields = (
        "requester_id",
        "name",
        "email_from",
        "message",
        "answer",
    )
    _calendoc_requester_link = "requester_id"
    _calendoc_erasure = "keep"
    _calendoc_erasure_reason = (
        "Proof that the request was answered (GDPR articles 5.2 and 12): "
        "kept for the controller's accountability."
    )
    _calendoc_retention = "requesters"

    name = fields.Char(compute="_compute_name", store=True)
    request_type = fields.Selection(
        REQUEST_TYPES, string="Type", required=True, tracking=True
    )
    requester_id = fields.Many2one(
        "res.partner",
        string="Requester",
        domain="[('is_calendoc_requester', '=', True)]",
        index=True,
        tracking=True,
        ondelete="set null",
    )
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        domain="[('is_calendoc_client', '=', True)]",
        index=True,
        tracking=True,
        ondelete="restrict",
    )
    received_on = fields.Datetime(
        required=True, default=fields.Datetime.now, tracking=True
    )
    channel = fields.Selection(CHANNELS, required=True, default="backoffice")
    email_from = fields.Char("Sender's e-mail")
    message = fields.Text("Requester's message")
    state = fields.Selection(
        STATES, required=True, default="received", tracking=True, readonly=True
    )
    refusal_reason = fields.Text(readonly=True, tracking=True)
    extension_months = fields.Integer(readonly=True)
    extension_reason = fields.Text(readonly=True, tracking=True)
    deadline = fields.Datetime(compute="_compute_deadline", store=True, index=True)
    overdue = fields.Boolean(compute="_compute_overdue", search="_search_overdue")
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain=lambda self: [("groups_id", "in", self.env.ref(MANAGER).id)],
    )
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decided_on = fields.Datetime(readonly=True)
    answer = fields.Html("Answer letter", readonly=True)
    answer_attachment_ids = fields.Many2many(
        "ir.attachment", string="Answer files", readonly=True
    )
    reminder_sent = fields.Boolean(readonly=True, copy=False)

    @api.depends("request_type", "requester_id", "received_on")
    def _compute_name(self):
        types = dict(self._fields["request_type"]._description_selection(self.env))
        for request in self:
            request.name = " - ".join(
                filter(
                    None,
                    [
                        types.get(request.request_type),
                        request.requester_id.name,
                        request.received_on
                        and fields.Date.to_string(request.received_on),
                    ],
                )
            )

    @api.depends("received_on", "extension_months")
    def _compute_deadline(self):
        for request in self:
            request.deadline = request.received_on and (
                request.received_on
                + relativedelta(months=1 + (request.extension_months or 0))
            )

    def _compute_overdue(self):
        now = fields.Datetime.now()
        for request in self:
            request.overdue = bool(
                request.state in OPEN_STATES
                and request.deadline
                and request.deadline < now
            )

    def _search_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue requests."))
        domain = [
            ("state", "in", OPEN_STATES),
            ("deadline", "<", fields.Datetime.now()),
        ]
        return domain if (operator == "=") == value else ["!", *domain]

    # --- intake ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_values(vals)
            requester = self.env["res.partner"].browse(vals.get("requester_id"))
            if requester and not vals.get("account_id"):
                vals["account_id"] = requester.calendoc_account_id.id
        requests = super().create(vals_list)
        requests._check_requester_account()
        return requests

    def write(self, vals):
        self._check_values(vals)
        if (
            WORKFLOW_FIELDS & vals.keys()
            and not self.env.su
            and not self.env.user.has_group(MANAGER)
        ):
            raise AccessError(
                self.env._("Only a secretariat manager changes a request's state.")
            )
        result = super().write(vals)
        if {"requester_id", "account_id"} & vals.keys():
            self._check_requester_account()
        return result

    @api.model
    def _check_values(self, vals):
        """Refuse unknown types, channels and states with a clear message
        (Odoo's own check raises a bare ValueError)."""
        for fname in ("request_type", "channel", "state"):
            value = vals.get(fname)
            if value and value not in dict(self._fields[fname].selection):
                raise UserError(
                    self.env._(
                        "Unknown value %(value)r for %(field)s.",
                        value=value,
                        field=self._fields[fname].string,
                    )
                )

    def _check_requester_account(self):
        for request in self:
            requester = request.requester_id
            if not requester:
                continue
            if not requester.is_calendoc_requester:
                raise UserError(
                    self.env._("%(name)s is not a requester.", name=requester.name)
                )
            if request.account_id and requester.calendoc_account_id != (
                request.account_id
            ):
                raise UserError(
                    self.env._(
                        "The requester %(name)s does not belong to the account "
                        "%(account)s.",
                        name=requester.name,
                        account=request.account_id.name,
                    )
                )

    @api.model
    def _calendoc_portal_file(self, requester, request_type, message):
        """A request filed on the portal by a client's manager for a requester
        of his account (the portal's one model call)."""
        user = self.env.user
        account = user.partner_id.commercial_partner_id
        if not user.has_group(CLIENT) or not account.is_calendoc_client:
            raise AccessError(self.env._("Only a client's manager files requests."))
        requester = requester.exists()
        if not requester or requester.calendoc_account_id != account:
            raise UserError(self.env._("This requester is not one of your account."))
        self._check_values({"request_type": request_type})
        # sudo: portal users have no create right on the model; the account
        # and the requester were checked just above
        request = self.sudo().create(
            {
                "request_type": request_type,
                "requester_id": requester.id,
                "account_id": account.id,
                "channel": "portal",
                "message": message,
                "user_id": False,
            }
        )
        request.message_post(
            body=self.env._("Request filed on the portal by %(user)s.", user=user.name)
        )
        # filed by the controller itself: nothing to forward, it is approved
        request._set_decision("approved", user)
        return request.with_env(self.env)

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A request e-mailed to the firm's alias: the sender is matched with a
        requester (e-mail, else phone in the subject) and his account; what
        cannot be matched is left for the secretariat to qualify."""
        if not isinstance(msg_dict, dict) or not isinstance(custom_values or {}, dict):
            raise UserError(self.env._("This is not an e-mail message."))
        values = dict(custom_values or {})
        email = email_normalize(msg_dict.get("email_from") or "") or ""
        Partner = self.env["res.partner"].with_context(active_test=False)
        requester = Partner.browse()
        if email:
            requester = Partner.search(
                [("is_calendoc_requester", "=", True), ("email", "=ilike", email)],
                limit=2,
            )
            if len(requester) != 1:
                requester = Partner.browse()
        values.update(
            {
                "request_type": values.get("request_type") or "access",
                "channel": "email",
                "email_from": email,
                "message": msg_dict.get("subject") or "",
                "requester_id": requester.id,
                "account_id": requester.calendoc_account_id.id,
                "user_id": False,
            }
        )
        request = super().message_new(msg_dict, custom_values=values)
        template = self.env.ref(
            "calendoc_gdpr.mail_template_gdpr_request_received",
            raise_if_not_found=False,
        )
        if template and email:
            template.send_mail(
                request.id, email_values={"email_to": email}, force_send=False
            )
        return request

    # --- workflow ----------------------------------------------------------------
    def _check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager handles this step.")
            )

    def _check_state(self, states, action):
        for request in self:
            if request.state not in states:
                raise UserError(
                    self.env._(
                        "%(action)s: the request %(name)s is %(state)s.",
                        action=action,
                        name=request.name,
                        state=dict(
                            request._fields["state"]._description_selection(self.env)
                        )[request.state],
                    )
                )

    def _controller_managers(self):
        """The client account's managers (portal client administrators)."""
        self.ensure_one()
        return (
            self.env["res.users"]
            .sudo()  # sudo: the firm's staff cannot read portal users' groups
            .search(
                [
                    ("partner_id.commercial_partner_id", "=", self.account_id.id),
                    ("groups_id", "in", self.env.ref(CLIENT).id),
                ]
            )
        )

    def action_forward(self):
        """Forward the request to the controller's managers."""
        self._check_state(("received",), self.env._("Forward"))
        template = self.env.ref("calendoc_gdpr.mail_template_gdpr_request_forward")
        for request in self:
            if not request.requester_id or not request.account_id:
                raise UserError(
                    self.env._("Qualify the request first: its requester and account.")
                )
            managers = request._controller_managers()
            if not managers:
                raise UserError(
                    self.env._(
                        "The account %(account)s has no manager to decide.",
                        account=request.account_id.name,
                    )
                )
            request.message_post_with_source(
                template,
                partner_ids=managers.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
            request.state = "forwarded"
            if request.user_id:
                request.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=fields.Date.to_date(request.deadline)
                    - timedelta(days=7),
                    summary=self.env._("Answer the GDPR request"),
                    user_id=request.user_id.id,
                )

    def _check_decider(self):
        user = self.env.user
        if user.has_group(MANAGER):
            return
        for request in self:
            if not (
                user.has_group(CLIENT)
                and request.account_id == user.partner_id.commercial_partner_id
            ):
                raise AccessError(
                    self.env._(
                        "Only the account's manager or a secretariat manager "
                        "decides this request."
                    )
                )

    def _set_decision(self, state, user, reason=False):
        # sudo: a client's manager (portal) decides without write access to
        # the model; _check_decider checked his account
        self.sudo().write(
            {
                "state": state,
                "decided_by_id": user.id,
                "decided_on": fields.Datetime.now(),
                "refusal_reason": reason,
            }
        )

    def action_approve(self):
        self.check_access("read")
        self._check_decider()
        self._check_state(("received", "forwarded"), self.env._("Approve"))
        self._set_decision("approved", self.env.user)
        for request in self:
            request.sudo().message_post(
                body=self.env._("Approved by %(user)s.", user=self.env.user.name)
            )

    def action_refuse(self, reason):
        self.check_access("read")
        self._check_decider()
        self._check_state(("received", "forwarded"), self.env._("Refuse"))
        reason = (reason or "").strip() if isinstance(reason, str | None) else ""
        if not reason:
            raise UserError(self.env._("Say why the request is refused."))
        self._set_decision("refused", self.env.user, reason)
        for request in self:
            request.sudo().message_post(
                body=self.env._(
                    "Refused by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                )
            )

    def action_extend(self, months=MAX_EXTENSION_MONTHS, reason=None):
        """Extend the deadline (article 12.3): once, by two months at most,
        with a reason."""
        self._check_manager()
        self._check_state(OPEN_STATES, self.env._("Extend"))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the deadline is extended."))
        if not isinstance(months, int) or not 1 <= months <= MAX_EXTENSION_MONTHS:
            raise UserError(self.env._("The deadline is extended by 1 or 2 months."))
        if any(request.extension_months for request in self):
            raise UserError(self.env._("The deadline was already extended once."))
        self.write({"extension_months": months, "extension_reason": reason})
        for request in self:
            request.message_post(
                body=self.env._(
                    "Deadline extended by %(months)s month(s): %(reason)s",
                    months=months,
                    reason=reason,
                )
            )

    def action_cancel(self):
        self._check_manager()
        self._check_state(OPEN_STATES, self.env._("Cancel"))
        self.write({"state": "cancelled"})
        self.activity_unlink(["mail.mail_activity_data_todo"])
