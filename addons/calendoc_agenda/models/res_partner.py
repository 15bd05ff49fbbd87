import re
import secrets

from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools.phone import to_e164
from .calendoc_delegation import compute_access_scopes, scope_of

# Fields that decide who reaches a client account: managers only.
CALENDOC_MANAGER_FIELDS = frozenset(
    {"is_calendoc_client", "calendoc_permanence_code", "calendoc_secretary_ids"}
)

OFFERS = [
    ("standard", "Standard"),
    ("avantage", "Avantage"),
    ("premium", "Premium"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"
    # A requester's personal data (ARCHITECTURE invariant 4): what access
    # export, rectification, erasure and retention cover for him.
    _calendoc_personal_fields = (
        "name",
        "calendoc_last_name",
        "calendoc_first_name",
        "calendoc_birthdate",
        "calendoc_category_id",
        "calendoc_remarks",
        "phone",
        "mobile",
        "calendoc_phone_e164",
        "calendoc_mobile_e164",
        "email",
        "street",
        "street2",
        "zip",
        "city",
        "country_id",
        "comment",
        "function",
        "website",
        "ref",
        "vat",
        "company_name",
        "barcode",
    )
    _calendoc_requester_link = "id"
    # Erasure anonymises the requester: the appointments' ledger rows and the
    # client's invoices keep pointing to a contact (res_partner_gdpr.py).
    _calendoc_erasure = "anonymise"
    _calendoc_erasure_reason = (
        "The record stays, emptied of the person, for the client account's "
        "accounting records that point to it (Code de commerce, article L123-22)."
    )
    # retention (calendoc_gdpr): a requester file without appointment
    _calendoc_retention = "requesters"
    # Tenant isolation: a requester is his account's, a client account and its
    # contacts (its users, its practitioners) are the account's own.
    _calendoc_account_link = "calendoc_owner_account_id"
    _calendoc_rule_fields = (
        "parent_id",
        "is_calendoc_client",
        "is_calendoc_requester",
        "calendoc_account_id",
    )

    # --- client account (a company partner) ---------------------------------
    is_calendoc_client = fields.Boolean(
        string="CalenDoc client account",
        index=True,
        help="A professional (practice group, clinic, doctor) whose agendas and "
        "telephone the secretariat runs.",
    )
    calendoc_permanence_code = fields.Char(
        string="Permanence code",
        copy=False,
        index="btree_not_null",
        help="Short code the client's users type at login beside their user id.",
    )
    calendoc_siret = fields.Char(string="Client SIRET", copy=False)
    calendoc_offer = fields.Selection(OFFERS, string="Offer", default="standard")
    calendoc_practice_ids = fields.One2many(
        "calendoc.practice", "account_id", string="Practices"
    )
    calendoc_secretary_ids = fields.Many2many(
        "res.users",
        "calendoc_account_secretary_rel",
        "account_id",
        "user_id",
        string="Assigned secretaries",
        domain=[("share", "=", False)],
    )
    calendoc_access_scope = fields.Char(
        compute="_compute_calendoc_access_scope",
        search="_search_calendoc_access_scope",
        help="Technical: record rules filter client accounts with "
        "('calendoc_access_scope', '=', scope) to keep those the current user "
        "may reach for that scope now.",
    )
    calendoc_owner_account_id = fields.Many2one(
        "res.partner",
        string="Owner account",
        compute="_compute_calendoc_owner_account_id",
        search="_search_calendoc_owner_account_id",
        help="Technical: the client account this contact's data belongs to (a "
        "requester's account, or the account a contact works for).",
    )
    calendoc_requester_category_ids = fields.One2many(
        "calendoc.requester.category", "account_id", string="Requester categories"
    )

    # --- requester (a person booking appointments) ---------------------------
    is_calendoc_requester = fields.Boolean(string="Requester", index=True)
    calendoc_account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        domain=[("is_calendoc_client", "=", True)],
        index="btree_not_null",
        ondelete="restrict",
        help="The client account this requester's data belongs to.",
    )
    calendoc_last_name = fields.Char(string="Last name")
    calendoc_first_name = fields.Char(string="First name")
    calendoc_birthdate = fields.Date(string="Birth date")
    calendoc_category_id = fields.Many2one(
        "calendoc.requester.category",
        string="Requester category",
        domain="[('account_id', '=', calendoc_account_id)]",
    )
    calendoc_remarks = fields.Text(string="Remarks")
    # GDPR article 18, set by calendoc_gdpr: a restricted requester's data is
    # kept but no longer processed (no booking, no SMS, no sync); the addons
    # that process it check this flag.
    calendoc_restricted = fields.Boolean(
        string="Processing restricted",
        readonly=True,
        copy=False,
        help="A restriction request (GDPR article 18) freezes this requester: "
        "his data is kept, but no appointment, SMS or synchronisation uses it.",
    )
    calendoc_phone_e164 = fields.Char(
        string="Phone (E.164)",
        compute="_compute_calendoc_e164",
        store=True,
        index="btree_not_null",
    )
    calendoc_mobile_e164 = fields.Char(
        string="Mobile (E.164)",
        compute="_compute_calendoc_e164",
        store=True,
        index="btree_not_null",
    )
    calendoc_sms_opt_out = fields.Boolean(
        string="No SMS", help="This requester receives no SMS confirmation or reminder."
    )
    calendoc_appointment_ids = fields.One2many(
        "calendar.event", "calendoc_requester_id", string="Appointments"
    )
    calendoc_upcoming_count = fields.Integer(
        string="Upcoming appointments", compute="_compute_calendoc_appointment_counts"
    )
    calendoc_past_count = fields.Integer(
        string="Past appointments", compute="_compute_calendoc_appointment_counts"
    )

    _sql_constraints = [
        (
            "calendoc_permanence_code_uniq",
            "unique (calendoc_permanence_code)",
            "This permanence code is already used by another client account.",
        ),
    ]

    @api.depends("phone", "mobile", "country_id", "calendoc_account_id.country_id")
    def _compute_calendoc_e164(self):
        for partner in self:
            region = partner._calendoc_phone_region()
            partner.calendoc_phone_e164 = to_e164(partner.phone, region)
            partner.calendoc_mobile_e164 = to_e164(partner.mobile, region)

    @api.depends(
        "is_calendoc_requester",
        "calendoc_account_id",
        "commercial_partner_id.is_calendoc_client",
    )
    def _compute_calendoc_owner_account_id(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.calendoc_owner_account_id = (
                partner.calendoc_account_id
                if partner.is_calendoc_requester
                else commercial.is_calendoc_client and commercial
            )

    def _search_calendoc_owner_account_id(self, operator, value):
        if operator not in ("=", "in") or not value:
            raise UserError(self.env._("Unsupported search on the owner account."))
        return [
            "|",
            "&",
            ("is_calendoc_requester", "=", True),
            ("calendoc_account_id", operator, value),
            "&",
            ("is_calendoc_requester", "=", False),
            "&",
            ("commercial_partner_id.is_calendoc_client", "=", True),
            ("commercial_partner_id", operator, value),
        ]

    @api.depends_context("uid")
    def _compute_calendoc_access_scope(self):
        compute_access_scopes(self)

    def _search_calendoc_access_scope(self, operator, value):
        """Client accounts the current user may reach for the scope ``value``
        (see calendoc.delegation). Evaluated at each query, so delegations
        start and end on time without any cron."""
        value = scope_of(operator, value)
        if not value:
            raise UserError(self.env._("Unsupported search on account access."))
        if value != "config":
            accounts = self._calendoc_reached_accounts_sql(value)
            return [(1, "=", 1)] if accounts is None else [("id", "in", accounts)]
        if self._calendoc_reaches_all_accounts(value):
            return [(1, "=", 1)]
        # One IN over one UNION, not an OR of two IN: a rule reaching it
        # through a many2one (account_id.calendoc_access_scope) becomes a
        # semi-join on the few accounts instead of a filter walking every
        # contact's id (250 ms per query with a million contacts).
        return [("id", "in", self.env["calendoc.delegation"]._config_accounts_sql())]

    def _calendoc_reaches_all_accounts(self, scope):
        """Whether the current user reaches every account for ``scope``:
        auditors read everything and change nothing."""
        user = self.env.user
        if not user.calendoc_sees_all_accounts:
            return False
        return scope != "agenda_write" or user.calendoc_changes_all_accounts

    @api.model
    def _calendoc_reached_accounts_sql(self, scope):
        """SQL selecting the client accounts the current user reaches for
        ``scope`` (any scope but "config"), None when she reaches them all.
        The search on ``calendoc_access_scope`` (hence the record rules) is
        made of it; routing code tests it for several users in one query."""
        if self._calendoc_reaches_all_accounts(scope):
            return None
        return self.env["calendoc.delegation"]._accessible_accounts_sql(scope)

    def _compute_calendoc_appointment_counts(self):
        now = fields.Datetime.now()
        upcoming = dict.fromkeys(self.ids, 0)
        past = dict.fromkeys(self.ids, 0)
        groups = self.env["calendar.event"]._read_group(
            [
                ("calendoc_requester_id", "in", self.ids),
                ("calendoc_state", "!=", "cancelled"),
            ],
            ["calendoc_requester_id", "start:day"],
            ["__count"],
        )
        for requester, day, count in groups:
            if day and day >= now.replace(hour=0, minute=0, second=0, microsecond=0):
                upcoming[requester.id] += count
            else:
                past[requester.id] += count
        for partner in self:
            partner.calendoc_upcoming_count = upcoming.get(partner.id, 0)
            partner.calendoc_past_count = past.get(partner.id, 0)

    @api.constrains("calendoc_siret", "is_calendoc_client")
    def _check_calendoc_siret(self):
        for partner in self.filtered("calendoc_siret"):
            if not stdnum_siret.is_valid(partner.calendoc_siret):
                raise ValidationError(
                    self.env._(
                        "%(siret)s is not a valid SIRET number (14 digits with a "
                        "valid check digit).",
                        siret=partner.calendoc_siret,
                    )
                )

    @api.constrains("calendoc_permanence_code")
    def _check_calendoc_permanence_code(self):
        for partner in self.filtered("calendoc_permanence_code"):
            if not re.fullmatch(r"[A-Za-z0-9]{3,16}", partner.calendoc_permanence_code):
                raise ValidationError(
                    self.env._(
                        "A permanence code has 3 to 16 letters or digits, "
                        "without spaces: %(code)s is not valid.",
                        code=partner.calendoc_permanence_code,
                    )
                )

    @api.constrains("phone", "mobile", "is_calendoc_requester")
    def _check_calendoc_phones(self):
        for partner in self.filtered("is_calendoc_requester"):
            for number, e164 in (
                (partner.phone, partner.calendoc_phone_e164),
                (partner.mobile, partner.calendoc_mobile_e164),
            ):
                if number and not e164:
                    raise ValidationError(
                        self.env._(
                            "%(number)s is not a valid phone number for "
                            "%(requester)s. Type it as 06 12 34 56 78 or with "
                            "its country code (+33 6 12 34 56 78).",
                            number=number,
                            requester=partner.name,
                        )
                    )

    @api.constrains("is_calendoc_requester", "calendoc_account_id")
    def _check_calendoc_requester_account(self):
        for partner in self.filtered("is_calendoc_requester"):
            if not partner.calendoc_account_id:
                raise ValidationError(
                    self.env._(
                        "The requester %(requester)s must belong to a client account.",
                        requester=partner.name,
                    )
                )

    @api.onchange("calendoc_last_name", "calendoc_first_name")
    def _onchange_calendoc_names(self):
        name = self._calendoc_full_name(
            self.calendoc_last_name, self.calendoc_first_name
        )
        if name:
            self.name = name

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._calendoc_check_account_fields(vals)
            if not vals.get("name"):
                name = self._calendoc_full_name(
                    vals.get("calendoc_last_name"), vals.get("calendoc_first_name")
                )
                if name:
                    vals["name"] = name
            if vals.get("is_calendoc_client") and not vals.get(
                "calendoc_permanence_code"
            ):
                vals["calendoc_permanence_code"] = self._calendoc_new_permanence_code()
        return super().create(vals_list)

    def write(self, vals):
        self._calendoc_check_account_fields(vals)
        if "name" in vals or not {"calendoc_last_name", "calendoc_first_name"} & set(
            vals
        ):
            return super().write(vals)
        for partner in self:
            name = self._calendoc_full_name(
                vals.get("calendoc_last_name", partner.calendoc_last_name),
                vals.get("calendoc_first_name", partner.calendoc_first_name),
            )
            super(ResPartner, partner).write(dict(vals, name=name) if name else vals)
        return True

    def action_calendoc_find_slot(self):
        """Open the slot finder for this requester."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendoc_agenda.calendoc_slot_finder_action"
        )
        practices = self.calendoc_account_id.calendoc_practice_ids
        types = practices.appointment_type_ids
        action["context"] = {
            "default_requester_id": self.id,
            "default_account_id": self.calendoc_account_id.id,
            # one practice, one type: nothing left to choose before searching
            "default_practice_id": len(practices) == 1 and practices.id,
            "default_type_id": len(types) == 1 and types.id,
        }
        return action

    def action_calendoc_view_appointments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendoc_agenda.calendoc_appointment_action"
        )
        action["domain"] = [("calendoc_requester_id", "=", self.id)]
        action["context"] = {"default_calendoc_requester_id": self.id}
        return action

    # --- hooks overridden by higher addons (docs/extending.md) ---------------
    def _calendoc_service_allowed(self, service):
        """Whether this client account may use ``service`` ('calls', 'sms',
        'booking', ...). Permissive here; calendoc_packs restricts it by pack."""
        self.ensure_one()
        return True

    def _calendoc_consume_credits(self, kind, quantity, key, origin):
        """Charge ``quantity`` credits of ``kind`` (a credit kind's code:
        'appointment', 'sms'...) to this client account for ``origin`` (a
        record), once per ``key``. No charge here; calendoc_packs writes the
        ledger row in the same transaction."""
        self.ensure_one()
        return True

    def _calendoc_refund_credits(self, key, origin):
        """Give this client account back what the charge ``key`` took for
        ``origin`` (an SMS that was not sent), once whatever how often it is
        asked. Nothing here; calendoc_packs appends the refund rows."""
        self.ensure_one()
        return True

    # --- helpers --------------------------------------------------------------
    @api.model
    def _calendoc_check_account_fields(self, vals):
        """Who serves a client account, its permanence code and whether a
        contact is a client account at all are decided by the secretariat's
        managers (invariant 9), whatever else a user may edit on contacts."""
        if self.env.su or self.env.user.calendoc_changes_all_accounts:
            return
        protected = {
            name
            for name in CALENDOC_MANAGER_FIELDS & vals.keys()
            if self._calendoc_changes_field(name, vals[name])
        }
        if protected:
            raise AccessError(
                self.env._(
                    "Only the secretariat's managers may change these fields of a "
                    "client account: %(fields)s.",
                    fields=", ".join(
                        self._fields[name].get_description(self.env)["string"]
                        for name in sorted(protected)
                    ),
                )
            )

    def _calendoc_changes_field(self, name, value):
        """Whether writing ``value`` to ``name`` changes any of these partners
        (a form sends unchanged values too); any value changes a new one."""
        field = self._fields[name]
        if field.type != "many2many":
            return any(partner[name] != value for partner in self) or (
                not self and bool(value)
            )

        def ids_after(partner):
            return set(field.convert_to_cache(value, partner, validate=False))

        if not self:
            return bool(ids_after(self.browse()))
        return any(set(partner[name].ids) != ids_after(partner) for partner in self)

    def _calendoc_phone_region(self):
        country = self.country_id or self.calendoc_account_id.country_id
        return country.code or "FR"

    @api.model
    def _calendoc_full_name(self, last_name, first_name):
        parts = [(last_name or "").strip().upper(), (first_name or "").strip()]
        return " ".join(p for p in parts if p)

    @api.model
    def _calendoc_new_permanence_code(self):
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        while True:
            code = "".join(secrets.choice(alphabet) for _ in range(6))
            if not self.sudo().search_count(  # sudo: uniqueness spans all accounts
                [("calendoc_permanence_code", "=", code)], limit=1
            ):
                return code

    @api.model
    def _calendoc_search_by_phone(self, number, account=None, fetch=None):
        """Requesters whose phone or mobile is ``number`` in any format (E.164
        index); ``fetch``: fields read in the same query."""
        e164 = to_e164(number, (account and account.country_id.code) or "FR")
        if not e164:
            return self.browse()
        domain = [
            ("is_calendoc_requester", "=", True),
            "|",
            ("calendoc_phone_e164", "=", e164),
            ("calendoc_mobile_e164", "=", e164),
        ]
        if account:
            domain.append(("calendoc_account_id", "=", account.id))
        return self.search_fetch(domain, fetch or [])
