"""The firm's sub-processors (GDPR article 28.2 and 28.4; terms, articles 12
and 18). A new or replacing sub-processor is announced by e-mail to every
active client account; each account's administrator may object from the
portal for ``OBJECTION_DAYS`` days; the change takes effect only once that
window has closed (nightly cron), and only without objection: objections
are left to a secretariat manager, who activates or withdraws."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.calendoc_agenda.tools.tz import tz_name

MANAGER = "calendoc_agenda.group_calendoc_manager"
OBJECTION_DAYS = 15
# the European Economic Area: the GDPR applies there, no transfer safeguard
EEA_EXTRA = ("is", "li", "no")


class CalendocGdprSubprocessor(models.Model):
    _name = "calendoc.gdpr.subprocessor"
    _description = "Sub-processor"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state, name, id"

    name = fields.Char(required=True, tracking=True)
    address = fields.Text()
    purpose = fields.Text(required=True)
    country_id = fields.Many2one("res.country", required=True, tracking=True)
    outside_eu = fields.Boolean(
        string="Transfer outside the EU",
        compute="_compute_outside_eu",
        store=True,
    )
    safeguard = fields.Selection(
        [
            ("none", "None needed (EU/EEA)"),
            ("adequacy", "Adequacy decision"),
            ("scc", "Standard contractual clauses"),
            ("bcr", "Binding corporate rules"),
        ],
        string="Transfer safeguard",
        default="none",
        required=True,
        tracking=True,
    )
    safeguard_note = fields.Char(string="Safeguard details")
    state = fields.Selection(
        [
            ("proposed", "Proposed"),
            ("announced", "Announced"),
            ("active", "Active"),
            ("withdrawn", "Withdrawn"),
        ],
        default="proposed",
        required=True,
        readonly=True,
        tracking=True,
    )
    replaced_id = fields.Many2one(
        "calendoc.gdpr.subprocessor",
        string="Replaces",
        domain=[("state", "=", "active")],
        help="The sub-processor this one replaces: withdrawn when this one "
        "takes effect.",
    )
    date_announced = fields.Date(readonly=True)
    date_objection_end = fields.Date(
        string="Objections until",
        compute="_compute_dates",
        store=True,
    )
    date_effective = fields.Date(
        string="Effective date",
        compute="_compute_dates",
        store=True,
        readonly=False,
        help="Set when the change is announced: the day after the objection "
        "window closes; the date an active sub-processor has been in force since.",
    )
    objection_ids = fields.One2many(
        "calendoc.gdpr.subprocessor.objection", "subprocessor_id", string="Objections"
    )
    objection_count = fields.Integer(compute="_compute_objection_count")

    @api.depends("country_id")
    def _compute_outside_eu(self):
        eea = self.env.ref("base.europe").country_ids.mapped("code")
        eea += [code.upper() for code in EEA_EXTRA]
        for sub in self:
            sub.outside_eu = bool(sub.country_id) and sub.country_id.code not in eea

    @api.depends("date_announced")
    def _compute_dates(self):
        for sub in self:
            if sub.date_announced:
                sub.date_objection_end = sub.date_announced + timedelta(
                    days=OBJECTION_DAYS
                )
                sub.date_effective = sub.date_objection_end + timedelta(days=1)
            else:
                sub.date_objection_end = False
                sub.date_effective = sub.date_effective or False

    def _compute_objection_count(self):
        for sub in self:
            sub.objection_count = len(sub.objection_ids)

    @api.constrains("outside_eu", "safeguard")
    def _check_safeguard(self):
        for sub in self:
            if sub.outside_eu and sub.safeguard == "none":
                raise UserError(
                    self.env._(
                        "%(name)s is outside the European Economic Area: say which "
                        "safeguard covers the transfer (adequacy decision, standard "
                        "contractual clauses or binding corporate rules).",
                        name=sub.name,
                    )
                )

    @api.model
    def _today(self):
        """Today in the firm's time: the 15 days run on the firm's calendar,
        whoever acts (a client abroad, the nightly cron)."""
        # sudo: the firm's own time zone, which a client's user may not read
        firm_tz = self.env.company.sudo().partner_id.tz
        return fields.Date.context_today(self.with_context(tz=tz_name(firm_tz)))

    def _check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager changes the sub-processors.")
            )

    # --- the change: announce, activate, withdraw ----------------------------------
    def action_announce(self):
        """Announce these proposed sub-processors to every active client
        account (one e-mail each, in its language) and open the objection
        window."""
        self._check_manager()
        if self.filtered(lambda sub: sub.state != "proposed"):
            raise UserError(self.env._("Only a proposed sub-processor is announced."))
        today = self._today()
        self.write({"state": "announced", "date_announced": today})
        accounts = self.env["res.partner"].search(
            [("is_calendoc_client", "=", True), ("is_company", "=", True)]
        )
        Notice = self.env["calendoc.gdpr.notice"]
        for sub in self:
            notices = Notice.create(
                [
                    {
                        "kind": "subprocessor",
                        "subprocessor_id": sub.id,
                        "account_id": a.id,
                    }
                    for a in accounts
                ]
            )
            notices._send()
            sub.message_post(
                body=self.env._(
                    "Announced to %(count)s client accounts; objections until "
                    "%(date)s.",
                    count=len(notices),
                    date=sub.date_objection_end,
                )
            )
        return True

    def action_activate(self):
        """Put these announced sub-processors in force once their objection
        window has closed (the manager's decision when accounts objected)."""
        self._check_manager()
        self._activate()
        return True

    def _activate(self):
        today = self._today()
        for sub in self:
            if sub.state != "announced":
                raise UserError(
                    self.env._(
                        "%(name)s has not been announced to the client accounts.",
                        name=sub.name,
                    )
                )
            if today <= sub.date_objection_end:
                raise UserError(
                    self.env._(
                        "The client accounts may object to %(name)s until "
                        "%(date)s: the change takes effect after that.",
                        name=sub.name,
                        date=sub.date_objection_end,
                    )
                )
        self.write({"state": "active", "date_effective": today})
        replaced = self.replaced_id.filtered(lambda sub: sub.state == "active")
        replaced.write({"state": "withdrawn"})

    def action_withdraw(self):
        """Withdraw these sub-processors (a proposal given up after
        objections, or one the firm no longer uses)."""
        self._check_manager()
        self.write({"state": "withdrawn"})
        return True

    @api.model
    def _cron_activate(self):
        """Nightly: the announced sub-processors whose objection window has
        closed take effect; those objected to wait for a manager, who is
        given an activity."""
        today = self._today()
        due = self.search(
            [("state", "=", "announced"), ("date_objection_end", "<", today)]
        )
        objected = due.filtered("objection_ids")
        (due - objected)._activate()
        manager = self.env.ref(MANAGER)
        for sub in objected:
            if sub.activity_ids:
                continue
            sub.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Objections to decide"),
                note=self.env._(
                    "%(count)s client accounts objected to this sub-processor: "
                    "activate it or withdraw it.",
                    count=len(sub.objection_ids),
                ),
                user_id=(manager.users[:1] or self.env.user).id,
            )

    # --- the portal ----------------------------------------------------------------
    @api.model
    def _calendoc_portal_list(self):
        """The sub-processors shown to a client account: those announced, in
        force or withdrawn (a proposal is not public yet)."""
        return self.search([("state", "!=", "proposed")])

    def _calendoc_own_objection(self):
        """The objection to this sub-processor the current user may read:
        on the portal, his own account's (the record rules), searched rather
        than read from ``objection_ids``, whose cache may hold others'."""
        self.ensure_one()
        return self.env["calendoc.gdpr.subprocessor.objection"].search(
            [("subprocessor_id", "=", self.id)], limit=1
        )

    def _calendoc_object(self, reason):
        """Record the objection of the current user's client account to this
        announced sub-processor (portal). The account's administrators only,
        within the window; the record rules keep the objection to his own
        account."""
        self.ensure_one()
        user = self.env.user
        account = user.partner_id.commercial_partner_id
        if not (
            user.has_group("calendoc_agenda.group_calendoc_portal_client")
            and account.is_calendoc_client
        ):
            raise AccessError(
                self.env._("Only a client account's administrator may object.")
            )
        return self.env["calendoc.gdpr.subprocessor.objection"].create(
            {"subprocessor_id": self.id, "account_id": account.id, "reason": reason}
        )


class CalendocGdprSubprocessorObjection(models.Model):
    _name = "calendoc.gdpr.subprocessor.objection"
    _description = "Objection to a sub-processor"
    _order = "date desc, id desc"
    _calendoc_account_link = "account_id"

    subprocessor_id = fields.Many2one(
        "calendoc.gdpr.subprocessor", required=True, ondelete="cascade", index=True
    )
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        required=True,
        index=True,
        domain=[("is_calendoc_client", "=", True)],
    )
    date = fields.Date(
        required=True,
        default=lambda self: self.env["calendoc.gdpr.subprocessor"]._today(),
    )
    reason = fields.Text(required=True)
    user_id = fields.Many2one(
        "res.users", string="By", default=lambda self: self.env.user, readonly=True
    )

    _sql_constraints = [
        (
            "account_unique",
            "unique (subprocessor_id, account_id)",
            "This client account has already objected to this sub-processor.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        """Checked before anything is written: the reason given, the window
        open (the objection's date within the 15 days), one objection per
        account."""
        Subprocessor = self.env["calendoc.gdpr.subprocessor"]
        today = Subprocessor._today()
        for vals in vals_list:
            if not self.env.su:
                # an objection is dated when it is made, by whoever
                vals.update({"date": today, "user_id": self.env.uid})
                own = self.env.user.partner_id.commercial_partner_id
                if not self.env.user.has_group(MANAGER) and (
                    vals.get("account_id") != own.id
                ):
                    raise AccessError(self.env._("An account objects for itself only."))
            if not (vals.get("reason") or "").strip():
                raise UserError(self.env._("Say why the account objects."))
            # sudo: the window is the sub-processor's, whoever objects
            sub = Subprocessor.sudo().browse(vals.get("subprocessor_id")).exists()
            date = fields.Date.to_date(vals.get("date")) or today
            if (
                not sub
                or sub.state != "announced"
                or not (sub.date_announced <= date <= sub.date_objection_end)
            ):
                raise UserError(
                    self.env._(
                        "Objections to %(name)s were accepted until %(date)s.",
                        name=sub.name or "—",
                        date=sub.date_objection_end or "—",
                    )
                    if sub.date_objection_end
                    else self.env._(
                        "%(name)s is not open to objections.", name=sub.name or "—"
                    )
                )
            if self.sudo().search_count(
                [
                    ("subprocessor_id", "=", sub.id),
                    ("account_id", "=", vals.get("account_id")),
                ]
            ):
                raise UserError(
                    self.env._(
                        "This client account has already objected to %(name)s.",
                        name=sub.name,
                    )
                )
        objections = super().create(vals_list)
        for objection in objections:
            # sudo: the objection goes in the sub-processor's chatter, which
            # only the firm reads
            objection.subprocessor_id.sudo().message_post(
                body=self.env._(
                    "Objection of %(account)s: %(reason)s",
                    account=objection.account_id.name,
                    reason=objection.reason,
                )
            )
        return objections
