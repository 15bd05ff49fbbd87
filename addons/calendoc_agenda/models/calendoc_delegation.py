from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools.local_time import format_local, local_tz

# What a delegation may open; assignment as a secretary opens all of them.
SCOPES = [
    ("agenda_read", "Read the agenda"),
    ("agenda_write", "Book and change appointments"),
    ("requesters", "Requesters"),
    ("messages", "Messages about requesters"),
    ("calls", "Calls"),
    ("statements", "Consumption statements"),
]
SCOPE_NAMES = [name for name, _label in SCOPES]
# 'config' (practices, types, practitioners' list) comes with any scope.
ACCESS_SCOPES = ["config", *SCOPE_NAMES]


def scope_of(operator, value):
    """The scope a record rule asks: ``('calendoc_access_scope', 'like',
    ',agenda_read,')``. Rules use 'like' on a comma-framed list so that Odoo's
    in-memory check (filtered_domain) and SQL search agree."""
    scope = (value or "").strip(",")
    if operator not in ("=", "like") or scope not in ACCESS_SCOPES:
        return None
    return scope


def compute_access_scopes(records):
    """Set ``calendoc_access_scope`` of ``records`` to the comma-framed list of
    the scopes the current user has on each, by the same SQL as the search."""
    granted = {record.id: [] for record in records}
    ids = [record.id for record in records if isinstance(record.id, int)]
    for scope in ACCESS_SCOPES:
        # sudo: only to skip the record rules of this very check; the search
        # method reads the real user (sudo keeps the uid)
        # active_test off: an archived account's records stay readable to those
        # who may reach them
        for record_id in (
            records.sudo()
            .with_context(active_test=False)
            ._search(
                [("id", "in", ids), ("calendoc_access_scope", "like", f",{scope},")]
            )
        ):
            granted[record_id].append(scope)
    for record in records:
        scopes = granted.get(record.id) or []
        record.calendoc_access_scope = f",{','.join(scopes)}," if scopes else False


AGENDA_SCOPES = {"agenda_read", "agenda_write"}


class CalendocDelegation(models.Model):
    """Rights a client account (or a user, for his own agenda) lends to a user or
    to all the users of another account or firm (subcontracting), for a period.

    Delegations work by their dates alone: record rules compare them with the
    current time in SQL, so an expired delegation stops at once, without a cron.
    Every grant, change, revocation and use is logged."""

    _name = "calendoc.delegation"
    _description = "Delegation of rights"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    # A delegation is the grantor account's (or, lent by a user, that user's);
    # the grantee is any firm or account: the grantor need not read it.
    _calendoc_account_link = "grantor_account_id"
    _calendoc_rule_fields = (
        "grantor_account_id",
        "grantor_user_id",
        "grantee_user_id",
        "grantee_account_id",
    )
    _calendoc_unchecked_references = ("grantee_user_id", "grantee_account_id")

    name = fields.Char(compute="_compute_name", store=True)
    grantor_account_id = fields.Many2one(
        "res.partner",
        string="Granted by (account)",
        domain=[("is_calendoc_client", "=", True)],
        index="btree_not_null",
        tracking=True,
    )
    grantor_user_id = fields.Many2one(
        "res.users",
        string="Granted by (user)",
        index="btree_not_null",
        tracking=True,
        help="A practitioner lending his own agenda.",
    )
    grantee_user_id = fields.Many2one(
        "res.users", string="Granted to (user)", index="btree_not_null", tracking=True
    )
    grantee_account_id = fields.Many2one(
        "res.partner",
        string="Granted to (all users of)",
        index="btree_not_null",
        tracking=True,
        help="Every user of this firm or client account (a subcontractor).",
    )
    scope_agenda_read = fields.Boolean(string="Read the agenda", tracking=True)
    scope_agenda_write = fields.Boolean(
        string="Book and change appointments", tracking=True
    )
    scope_requesters = fields.Boolean(string="Requesters", tracking=True)
    scope_messages = fields.Boolean(string="Messages about requesters", tracking=True)
    scope_calls = fields.Boolean(string="Calls", tracking=True)
    scope_statements = fields.Boolean(string="Consumption statements", tracking=True)
    date_start = fields.Datetime(
        required=True, default=fields.Datetime.now, tracking=True
    )
    date_end = fields.Datetime(tracking=True, help="Empty: until revoked.")
    reason = fields.Text(required=True)
    revoked_date = fields.Datetime(readonly=True, tracking=True)
    revoked_by_id = fields.Many2one("res.users", readonly=True)
    state = fields.Selection(
        [
            ("scheduled", "Scheduled"),
            ("active", "Active"),
            ("expired", "Expired"),
            ("revoked", "Revoked"),
        ],
        compute="_compute_state",
    )
    log_ids = fields.One2many("calendoc.delegation.log", "delegation_id", string="Log")

    @api.depends(
        "grantor_account_id", "grantor_user_id", "grantee_user_id", "grantee_account_id"
    )
    def _compute_name(self):
        for delegation in self:
            delegation.name = self.env._(
                "%(grantor)s → %(grantee)s",
                grantor=(
                    delegation.grantor_account_id or delegation.grantor_user_id
                ).display_name,
                grantee=(
                    delegation.grantee_user_id or delegation.grantee_account_id
                ).display_name,
            )

    def _compute_state(self):
        now = fields.Datetime.now()
        for delegation in self:
            if delegation.revoked_date:
                delegation.state = "revoked"
            elif delegation.date_start > now:
                delegation.state = "scheduled"
            elif delegation.date_end and delegation.date_end <= now:
                delegation.state = "expired"
            else:
                delegation.state = "active"

    @api.constrains(
        "grantor_account_id",
        "grantor_user_id",
        "grantee_user_id",
        "grantee_account_id",
        "date_start",
        "date_end",
        *[f"scope_{name}" for name in SCOPE_NAMES],
    )
    def _check_delegation(self):
        for delegation in self:
            # sudo: the parties are read to refuse a self-delegation or a loop;
            # the grantor need not read the grantee (another firm, another account)
            delegation.sudo()._check_parties()
            if delegation.date_end and delegation.date_end <= delegation.date_start:
                raise ValidationError(
                    self.env._("A delegation must end after it starts.")
                )
            if not delegation._scopes():
                raise ValidationError(
                    self.env._("Choose what the delegation gives access to.")
                )

    def _check_parties(self):
        grantor_account, grantor_user = self.grantor_account_id, self.grantor_user_id
        grantee_user, grantee_account = self.grantee_user_id, self.grantee_account_id
        if bool(grantor_account) == bool(grantor_user):
            raise ValidationError(
                self.env._(
                    "A delegation is granted either by a client account or by a user."
                )
            )
        if bool(grantee_user) == bool(grantee_account):
            raise ValidationError(
                self.env._(
                    "A delegation is granted either to a user or to all users of an account."
                )
            )
        if grantee_account and not self._users_of(grantee_account):
            raise ValidationError(
                self.env._(
                    "%(account)s has no user: nobody would receive the delegation.",
                    account=grantee_account.name,
                )
            )
        own_account = grantee_user.partner_id.commercial_partner_id
        if (grantor_user and grantor_user == grantee_user) or (
            grantor_account and grantor_account in (grantee_account, own_account)
        ):
            raise ValidationError(self.env._("A delegation to oneself makes no sense."))
        # Delegations are not transitive; a pair lending each other the same
        # rights at the same time is still refused as a loop.
        if grantor_account and grantee_account:
            reverse = self.search(
                [
                    ("id", "!=", self.id),
                    ("grantor_account_id", "=", grantee_account.id),
                    ("grantee_account_id", "=", grantor_account.id),
                    ("revoked_date", "=", False),
                ]
            )
            if reverse.filtered(lambda other: other._overlaps(self)):
                raise ValidationError(
                    self.env._(
                        "%(other)s already delegates to %(account)s over this period: "
                        "delegations may not loop.",
                        other=grantee_account.name,
                        account=grantor_account.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        delegations = super().create(vals_list)
        for delegation in delegations:
            delegation._log("grant")
            delegation._notify_agenda_holders(self.env._("granted"))
        return delegations

    def write(self, vals):
        if any(d.revoked_date for d in self) and set(vals) - {"message_follower_ids"}:
            raise UserError(self.env._("A revoked delegation cannot be changed."))
        result = super().write(vals)
        if set(vals) - {"revoked_date", "revoked_by_id", "name"}:
            for delegation in self:
                delegation._log("change", ", ".join(sorted(vals)))
                delegation._notify_agenda_holders(self.env._("changed"))
        return result

    def unlink(self):
        if self:
            raise UserError(
                self.env._("Delegations are kept for the record: revoke them instead.")
            )
        return super().unlink()

    def action_revoke(self):
        """Revoke at once: the rights stop with the next request."""
        for delegation in self.filtered(lambda d: not d.revoked_date):
            delegation.write(
                {"revoked_date": fields.Datetime.now(), "revoked_by_id": self.env.uid}
            )
            delegation._log("revoke")
            delegation._notify_agenda_holders(self.env._("revoked"))
        return True

    # --- helpers ---------------------------------------------------------------
    def _scopes(self):
        return {name for name in SCOPE_NAMES if self[f"scope_{name}"]}

    def _overlaps(self, other):
        end = self.date_end or fields.Datetime.to_datetime("9999-12-31")
        other_end = other.date_end or fields.Datetime.to_datetime("9999-12-31")
        return (
            self.date_start < other_end
            and other.date_start < end
            and self._scopes() & other._scopes()
        )

    @api.model
    def _users_of(self, account):
        """Users whose company (commercial partner) is ``account``."""
        return (
            self.env["res.users"]
            .sudo()  # sudo: who belongs to an account is needed to check a grant
            .search([("partner_id.commercial_partner_id", "=", account.id)])
        )

    def _log(self, action, details=False, record=None):
        self.env[
            "calendoc.delegation.log"
        ].sudo().create(  # sudo: the log is append-only
            {
                "delegation_id": self.id,
                "action": action,
                "details": details,
                "res_model": record._name if record else False,
                "res_id": record.id if record else False,
            }
        )

    def _notify_agenda_holders(self, what):
        """Email the agenda holders when rights on their agenda change."""
        if not self._scopes() & AGENDA_SCOPES:
            return
        if self.grantor_user_id:
            holders = self.grantor_user_id.partner_id
        else:
            holders = (
                self.env["calendoc.practitioner"]
                .sudo()  # sudo: the holders are told even if the granter cannot read them
                .search([("account_id", "=", self.grantor_account_id.id)])
                .partner_id.filtered("email")
            )
        if holders:
            # the period as the agenda's holders read their agenda: in their
            # account's time zone, to the minute
            tz = local_tz(self.env, account=self.grantor_account_id)
            self.message_post(
                body=self.env._(
                    "Rights on your agenda were %(what)s: %(delegation)s, from %(start)s "
                    "to %(end)s.",
                    what=what,
                    delegation=self.name,
                    start=format_local(self.env, self.date_start, tz),
                    end=format_local(self.env, self.date_end, tz)
                    or self.env._("revocation"),
                ),
                partner_ids=holders.ids,
                subtype_xmlid="mail.mt_comment",
            )

    @api.model
    def _flush_access_sources(self):
        """The access SQL below reads these tables directly: write pending ORM
        changes first (nothing is sent when nothing is pending)."""
        self.env["calendoc.delegation"].flush_model()
        self.env["res.partner"].flush_model(
            ["calendoc_secretary_ids", "commercial_partner_id"]
        )
        self.env["res.users"].flush_model(["partner_id"])
        self.env["calendoc.practitioner"].flush_model(["see_colleagues", "account_id"])
        self.env["resource.resource"].flush_model(["user_id"])
        self.env["calendoc.schedule"].flush_model(["practitioner_id", "practice_id"])

    @api.model
    def _delegated_to_me_sql(self, grantor_column, scope):
        """SQL selecting ``grantor_column`` of the delegations given to the
        current user (or to her firm) for ``scope``, active now. Any delegation
        opens the grantor's configuration (scope 'config')."""
        user = self.env.user
        return SQL(
            """
            SELECT %(grantor)s FROM calendoc_delegation
             WHERE %(grantor)s IS NOT NULL
               AND revoked_date IS NULL
               AND date_start <= %(now)s AND (date_end IS NULL OR date_end > %(now)s)
               AND %(scope)s
               AND (grantee_user_id = %(uid)s OR grantee_account_id = %(company)s)
            """,
            grantor=SQL.identifier(grantor_column),
            now=fields.Datetime.now(),
            scope=SQL("TRUE")
            if scope == "config"
            else SQL.identifier(f"scope_{scope}"),
            uid=user.id,
            company=user.partner_id.commercial_partner_id.id,
        )

    @api.model
    def _accessible_accounts_sql(self, scope):
        """SQL selecting the ids of the client accounts whose ``scope`` data the
        current user may reach: assigned accounts (every scope), accounts
        delegated to her or to her firm and active now, and (portal) her own
        account."""
        self._flush_access_sources()
        user = self.env.user
        own = user.partner_id.commercial_partner_id.id
        return SQL(
            """(
            SELECT account_id FROM calendoc_account_secretary_rel WHERE user_id = %(uid)s
            UNION %(delegated)s
            UNION SELECT %(own)s WHERE %(own)s IS NOT NULL
            )""",
            uid=user.id,
            delegated=self._delegated_to_me_sql("grantor_account_id", scope),
            own=own
            if user.has_group("calendoc_agenda.group_calendoc_portal_client")
            else None,
        )

    @api.model
    def _config_accounts_sql(self):
        """SQL selecting the client accounts whose configuration the current
        user (neither manager nor auditor) reads: the accounts she serves or
        that delegated anything to her, now, and those of her own agendas."""
        return SQL(
            """(
            SELECT practitioner.account_id
              FROM calendoc_practitioner practitioner
              JOIN resource_resource resource ON resource.id = practitioner.resource_id
             WHERE resource.user_id = %(uid)s AND practitioner.account_id IS NOT NULL
            UNION %(accounts)s
            )""",
            uid=self.env.uid,
            accounts=self._accessible_accounts_sql("config"),
        )

    @api.model
    def _delegated_practitioner_users_sql(self, scope):
        """SQL selecting the users who lent their own agenda (``scope``) to the
        current user, now."""
        return SQL("(%s)", self._delegated_to_me_sql("grantor_user_id", scope))

    @api.model
    def _log_use(self, account, record):
        """Log that the current user acted on ``account`` through a delegation
        (not as an assigned secretary). Returns the delegation used, if any."""
        user = self.env.user
        if (
            user in account.sudo().calendoc_secretary_ids
            or user.calendoc_sees_all_accounts
        ):
            return self.browse()
        now = fields.Datetime.now()
        delegation = self.sudo().search(
            [
                ("grantor_account_id", "=", account.id),
                ("revoked_date", "=", False),
                ("date_start", "<=", now),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", now),
                "|",
                ("grantee_user_id", "=", user.id),
                ("grantee_account_id", "=", user.partner_id.commercial_partner_id.id),
            ],
            limit=1,
        )
        if delegation:
            delegation._log("use", record=record)
        return delegation


class CalendocDelegationLog(models.Model):
    _name = "calendoc.delegation.log"
    _description = "Delegation log"
    _order = "date desc, id desc"
    _calendoc_account_link = "delegation_id.grantor_account_id"

    delegation_id = fields.Many2one(
        "calendoc.delegation", required=True, ondelete="restrict", index=True
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    user_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user
    )
    action = fields.Selection(
        [
            ("grant", "Grant"),
            ("change", "Change"),
            ("revoke", "Revocation"),
            ("use", "Use"),
        ],
        required=True,
    )
    details = fields.Char()
    res_model = fields.Char(string="Record model")
    res_id = fields.Integer(string="Record id")

    def write(self, vals):
        if self:
            raise UserError(self.env._("The delegation log cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(self.env._("The delegation log cannot be deleted."))
        return super().unlink()
