import json

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.calendoc_agenda.tools.local_time import format_day

# demo sales made once the chart of accounts is loaded (see _demo_sell_paid_pack)
DEMO_SALES = "calendoc_packs.demo_pending_sales"


class CalendocPack(models.Model):
    """A pack bought and paid by a client account: its credits and its validity.
    The credits themselves live in the ledger (calendoc.credit.move): the
    pack's grant rows are its lines, one (kind, credits) per kind granted."""

    _name = "calendoc.pack"
    _description = "Purchased pack"
    _inherit = ["mail.thread"]
    _order = "date_end desc, id desc"
    _calendoc_account_link = "account_id"

    name = fields.Char(required=True)
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        required=True,
        index=True,
        ondelete="restrict",
    )
    product_tmpl_id = fields.Many2one(
        "product.template", string="Pack", ondelete="restrict"
    )
    offer_id = fields.Many2one("calendoc.offer", required=True, ondelete="restrict")
    date_start = fields.Date(string="Paid on", required=True)
    date_end = fields.Date(string="Valid until", required=True, tracking=True)
    credits_granted = fields.Integer(
        string="Total credits granted",
        readonly=True,
        help="Credits of every kind granted with the pack: the base of its "
        "low-credit alert.",
    )
    grant_move_ids = fields.One2many(
        "calendoc.credit.move",
        "pack_id",
        string="Credits granted",
        domain=[("move_type", "=", "grant")],
    )
    invoice_line_id = fields.Many2one(
        "account.move.line",
        string="Invoice line",
        ondelete="restrict",
        index="btree_not_null",
    )
    invoice_id = fields.Many2one(related="invoice_line_id.move_id", string="Invoice")
    move_ids = fields.One2many("calendoc.credit.move", "pack_id", string="Credit moves")
    is_valid = fields.Boolean(compute="_compute_is_valid")
    low_alert_sent = fields.Boolean(copy=False)
    expiry_alert_sent = fields.Boolean(copy=False)
    expired_recorded = fields.Boolean(copy=False)

    _sql_constraints = [
        (
            "invoice_line_uniq",
            "unique (invoice_line_id)",
            "These credits were already granted for this payment.",
        ),
        (
            "dates_check",
            "CHECK (date_end >= date_start)",
            "A pack ends after it starts.",
        ),
    ]

    def _compute_is_valid(self):
        for pack in self:
            today = pack.account_id._calendoc_today() if pack.account_id else None
            pack.is_valid = bool(today) and pack.date_start <= today <= pack.date_end

    @api.model
    def _grant_from_invoice_line(self, line):
        """Grant the credits of a paid invoice line of a pack: a new pack valid
        from the payment date, and the account's valid packs extended to its end
        (terms, article 9). Refused if this line was already granted."""
        if self.search_count([("invoice_line_id", "=", line.id)], limit=1):
            raise UserError(
                self.env._(
                    "The credits of %(line)s were already granted.",
                    line=line.display_name,
                )
            )
        return self._create_pack(
            line.move_id.partner_id.commercial_partner_id,
            line.product_id.product_tmpl_id,
            int(line.quantity),
            key_prefix=f"grant:account.move.line:{line.id}",
            invoice_line=line,
        )

    @api.model
    def _create_pack(self, account, template, quantity, key_prefix, invoice_line=None):
        """Create the pack ``template`` × ``quantity`` for ``account``, valid from
        today (the payment date), and grant its credits. Ids are accepted too
        (data files call it)."""
        if isinstance(account, int):
            account = self.env["res.partner"].browse(account)
        if isinstance(template, int):
            template = self.env["product.template"].browse(template)
        offer = self.env["calendoc.offer"]._for_code(template.calendoc_offer)
        if not template.is_calendoc_pack or not offer:
            raise UserError(
                self.env._(
                    "%(product)s is not a CalenDoc pack with an offer.",
                    product=template.name,
                )
            )
        if quantity <= 0:
            raise UserError(self.env._("A pack is granted for a positive quantity."))
        start = account._calendoc_today()
        months = template.calendoc_validity_months or offer.validity_months
        credits = template._calendoc_credits(quantity)
        pack = self.create(
            {
                "name": template.name,
                "account_id": account.id,
                "product_tmpl_id": template.id,
                "offer_id": offer.id,
                "date_start": start,
                "date_end": start + relativedelta(months=months),
                "credits_granted": sum(credits.values()),
                "invoice_line_id": invoice_line.id if invoice_line else False,
            }
        )
        pack._grant(credits, key_prefix=key_prefix)
        return pack

    def _grant(self, credits, key_prefix):
        """Write the grant rows of this new pack, ``credits`` per kind code, and
        extend the account's other valid packs to its end."""
        self.ensure_one()
        account = self.account_id
        self.env["calendoc.wallet"]._lock_for_account(account)
        self.env["calendoc.credit.move"].create(
            [
                {
                    "account_id": account.id,
                    "pack_id": self.id,
                    "move_type": "grant",
                    "kind": kind,
                    "quantity": quantity,
                    "balance_after": quantity,
                    "key": f"{key_prefix}:{kind}",
                    "description": self.name,
                }
                for kind, quantity in credits.items()
            ]
        )
        older = account._calendoc_valid_packs() - self
        for pack in older.filtered(lambda p: p.date_end < self.date_end):
            pack.date_end = self.date_end
        account.write(
            {
                "is_calendoc_client": True,
                "calendoc_offer": self.offer_id.code,
                "calendoc_permanence_code": account.calendoc_permanence_code
                or account._calendoc_new_permanence_code(),
            }
        )
        # in the account's language, the day in words (not an ISO date)
        env = self.with_context(lang=account.lang or self.env.lang).env
        account.message_post(
            body=env._(
                "Pack %(pack)s paid: credits granted until %(end)s.",
                pack=self.name,
                end=format_day(env, self.date_end, account.lang),
            )
        )

    def _balances(self):
        """Credits left per kind code in these packs, every kind in its order."""
        balances = self.env["calendoc.credit.move"]._balances_after(self)
        result = dict.fromkeys(self.env["calendoc.credit.kind"]._codes(), 0)
        for (_pack_id, kind), balance in balances.items():
            result[kind] += balance
        return result

    @api.model
    def _cron_expire_packs(self):
        """Record the expiry of packs past their end: the credits left are written
        off as expiry rows (balances already ignore expired packs: this is for the
        statement, and runs late without harm)."""
        # the day after the end in every time zone is at most tomorrow in UTC
        horizon = fields.Date.today() + relativedelta(days=1)
        for pack in self.search(
            [("date_end", "<", horizon), ("expired_recorded", "=", False)]
        ):
            if pack.date_end >= pack.account_id._calendoc_today():
                continue
            self.env["calendoc.wallet"]._lock_for_account(pack.account_id)
            for (_pack_id, kind), balance in (
                self.env["calendoc.credit.move"]._balances_after(pack).items()
            ):
                if balance > 0:
                    self.env["calendoc.credit.move"].create(
                        {
                            "account_id": pack.account_id.id,
                            "pack_id": pack.id,
                            "move_type": "expiry",
                            "kind": kind,
                            "quantity": -balance,
                            "balance_after": 0,
                            "key": f"expiry:calendoc.pack:{pack.id}:{kind}",
                            "description": self.env._("Pack expired"),
                        }
                    )
            pack.expired_recorded = True
        self._cron_alert_expiry()

    @api.model
    def _cron_alert_expiry(self):
        for pack in self.search(
            [
                ("expiry_alert_sent", "=", False),
                ("date_end", ">=", fields.Date.today() - relativedelta(days=1)),
            ]
        ):
            today = pack.account_id._calendoc_today()
            if (
                today
                <= pack.date_end
                <= today + relativedelta(days=pack.offer_id.expiry_alert_days)
            ):
                pack.account_id._calendoc_alert(
                    self.env._(
                        "Your pack %(pack)s expires on %(end)s: buy a new pack to keep "
                        "your credits (the new pack extends the current one).",
                        pack=pack.name,
                        end=pack.date_end,
                    )
                )
                pack.expiry_alert_sent = True

    # --- demo ----------------------------------------------------------------------
    @api.model
    def _demo_sell_pending_packs(self):
        """The demo sales that waited for the chart of accounts."""
        Param = self.env["ir.config_parameter"].sudo()
        pending = json.loads(Param.get_param(DEMO_SALES, "[]"))
        Param.set_param(DEMO_SALES, False)
        for account, template, quantity in pending:
            self.sudo()._demo_sell_paid_pack(account, template, quantity)

    @api.model
    def _demo_sell_paid_pack(self, account, template, quantity):
        """The demo's paid pack, bought as a client buys one: a confirmed order,
        its invoice posted and paid by bank transfer; the paid invoice grants
        the credits and the client finds it on his portal. Ids are accepted
        (the demo data calls it). Demo data only: the superuser runs it."""
        if not self.env.su:
            raise AccessError(self.env._("Only the demo data sells packs this way."))
        if not self.env.company.chart_template:
            # Odoo loads the chart of accounts once every module is loaded
            # (account's _register_hook): the sale waits for it
            # (account.chart.template._post_load_data)
            Param = self.env["ir.config_parameter"]
            pending = json.loads(Param.get_param(DEMO_SALES, "[]"))
            pending.append([int(account), int(template), quantity])
            Param.set_param(DEMO_SALES, json.dumps(pending))
            return self.browse()
        account = self.env["res.partner"].browse(int(account))
        template = self.env["product.template"].browse(int(template))
        order = self.env["sale.order"].create(
            {
                "partner_id": account.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": template.product_variant_id.id,
                            "product_uom_qty": quantity,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        return self.search([("invoice_line_id", "in", invoice.invoice_line_ids.ids)])
