from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    calendoc_pack_ids = fields.One2many("calendoc.pack", "account_id", string="Packs")

    # --- hooks of calendoc_agenda ----------------------------------------------
    def _calendoc_service_allowed(self, service):
        """Calls stop when a non-Standard account has no valid pack left
        (terms, article 9); the Standard offer keeps its limited free service."""
        allowed = super()._calendoc_service_allowed(service)
        if not allowed or service != "calls":
            return allowed
        if self._calendoc_valid_packs():
            return True
        offer = self.env["calendoc.offer"]._for_code(self.calendoc_offer or "standard")
        return offer.expiry_behaviour == "free_standard"

    def _calendoc_consume_credits(self, kind, quantity, key, origin):
        """Charge ``quantity`` credits of ``kind`` for ``origin``, once per ``key``.

        Runs in the caller's transaction (the appointment or SMS is not created
        without its charge), with the account's wallet row locked until commit so
        that concurrent charges never overspend. A replayed ``key`` charges
        nothing and returns the first charge. Credits are taken from the packs
        that expire first, the kind's own credits before combined ones.

        Two statements whatever the history of the account: lock the wallet
        and read the replay and the valid packs with their balances (the
        running balance of each pack's latest move of a kind, one index probe
        each), then append the moves. Locking and reading in one statement is
        safe in Odoo's REPEATABLE READ transactions: a charge that waited for
        the lock of a concurrent one fails to update the wallet (serialization
        failure, retried by Odoo from the start), so it never acts on a stale
        balance. Under READ COMMITTED the read is repeated after the lock. The ORM is left out of the hot path (no per-charge
        record creation machinery); it is used again when a low-credit alert is
        due, for the free Standard service, and for moves of models extended
        with fields this insert does not know (see ``_calendoc_fast_insert``).
        """
        self.ensure_one()
        super()._calendoc_consume_credits(kind, quantity, key, origin)
        if quantity <= 0:
            raise UserError(self.env._("A charge is a positive number of credits."))
        # sudo: the ledger is written for whoever books (a secretary, a patient
        # online); nobody may write it directly.
        Move = self.env["calendoc.credit.move"].sudo()
        account = self.sudo()
        country = (
            getattr(origin, "calendoc_country_code", None) if kind == "sms" else None
        )
        credits = quantity
        if kind == "sms":
            credits *= self.env["calendoc.sms.tariff"]._credits_per_segment(
                country or "FR"
            )
        for model in ("calendoc.pack", "calendoc.credit.move", "calendoc.offer"):
            self.env[model].flush_model()
        lock = self.env["calendoc.wallet"].sudo()._lock_sql(account)
        replay, packs = account._calendoc_charge_state(key, lock)
        if replay:
            return Move.browse(replay)

        common = {
            "account_id": account.id,
            "kind": kind,
            "origin_model": origin._name if origin else False,
            "origin_id": origin.id if origin else False,
            "description": account._calendoc_charge_description(kind, origin),
            "sms_segments": quantity if kind == "sms" else 0,
            "sms_country_code": country or False,
            "charged_for_id": self.env.context.get("calendoc_acting_account_id", False),
        }
        plan, needed = [], credits
        for source_kind in (kind, "combined"):
            for pack in packs:
                available = pack["balances"].get(source_kind, 0)
                take = min(available, needed)
                if take > 0:
                    plan.append((pack, source_kind, take, available - take))
                    pack["balances"][source_kind] = available - take
                    needed -= take
                if not needed:
                    break
            if not needed:
                break
        if needed:
            return account._calendoc_consume_free(kind, key, common, credits)
        values = [
            dict(
                common,
                pack_id=pack["id"],
                kind=source_kind,
                move_type="consumption",
                quantity=-take,
                balance_after=balance_after,
                key=key if index == 0 else f"{key}#{index + 1}",
            )
            for index, (pack, source_kind, take, balance_after) in enumerate(plan)
        ]
        moves = Move._calendoc_fast_insert(values)
        account._calendoc_check_low_credits_after(packs)
        return moves

    def _calendoc_charge_state(self, key, lock):
        """What a charge needs, in one query that also runs ``lock`` (the
        wallet's locking statement): the move already recorded under ``key``
        (a replay) and the account's valid packs, soonest to expire first,
        each with its balance per kind and what the low-credit alert needs."""
        # "today" as everywhere in Odoo: the Python clock in the user's time
        # zone (not PostgreSQL's now(): they differ under a frozen test clock).
        today = fields.Date.context_today(self)
        state = SQL(
            """
                SELECT (SELECT id FROM calendoc_credit_move WHERE key = %(key)s
                         LIMIT 1),
                       p.id, p.low_alert_sent,
                       COALESCE(p.appointment_credits, 0) + COALESCE(p.sms_credits, 0)
                           + COALESCE(p.combined_credits, 0),
                       COALESCE(o.alert_threshold_percent, 0),
                       %(balances)s,
                       p.date_end
                  FROM (SELECT 1) AS one
                  LEFT JOIN calendoc_pack p
                    ON p.account_id = %(account)s
                   AND p.date_start <= %(today)s AND p.date_end >= %(today)s
                  LEFT JOIN calendoc_offer o ON o.id = p.offer_id
                 ORDER BY p.date_end, p.id
            """,
            key=key,
            account=self.id,
            today=today,
            balances=self.env["calendoc.credit.move"]._balance_columns(SQL("p.id")),
        )
        self.env.cr.execute(
            SQL(
                "WITH wallet AS (%s) SELECT current_setting('transaction_isolation'), "
                "state.* FROM (%s) AS state",
                lock,
                state,
            )
        )
        rows = self.env.cr.fetchall()
        if rows[0][0] == "read committed":
            # the statement's snapshot predates the lock: read again
            self.env.cr.execute(state)
            rows = self.env.cr.fetchall()
        else:
            rows = [row[1:] for row in rows]
        replay, packs = None, {}
        kinds = self.env["calendoc.credit.move"].BALANCE_KINDS
        for row in rows:
            replay = row[0]
            pack_id, alert_sent, granted, threshold, *balances, date_end = row[1:]
            if pack_id is None:
                continue
            packs[pack_id] = {
                "id": pack_id,
                "low_alert_sent": alert_sent,
                "granted": granted,
                "threshold": threshold,
                "balances": {
                    kind: balance
                    for kind, balance in zip(kinds, balances, strict=True)
                    if balance is not None
                },
                "date_end": date_end,
            }
        return replay, sorted(packs.values(), key=lambda p: (p["date_end"], p["id"]))

    def _calendoc_check_low_credits_after(self, packs):
        """The low-credit alert from the balances a charge just computed: the
        ORM is only called when an alert is due."""
        due = [
            pack["id"]
            for pack in packs
            if not pack["low_alert_sent"]
            and pack["granted"]
            and sum(pack["balances"].values()) * 100
            <= pack["granted"] * pack["threshold"]
        ]
        if due:
            records = self.env["calendoc.pack"].sudo().browse(due)
            balances = {
                (pack["id"], kind): balance
                for pack in packs
                for kind, balance in pack["balances"].items()
            }
            self._calendoc_check_low_credits(records, balances)

    # --- helpers ---------------------------------------------------------------
    def _calendoc_consume_free(self, kind, key, common, credits):
        """No valid credits left: the Standard offer goes on for free within its
        monthly limit (terms, article 9); otherwise the charge is refused."""
        offer = self.env["calendoc.offer"]._for_code(self.calendoc_offer or "standard")
        if (
            kind == "appointment"
            and not self._calendoc_valid_packs()
            and offer.expiry_behaviour == "free_standard"
        ):
            month_start = fields.Datetime.now().replace(
                day=1, hour=0, minute=0, second=0, microsecond=0
            )
            used = (
                self.env["calendoc.credit.move"]
                .sudo()
                .search_count(
                    [
                        ("account_id", "=", self.id),
                        ("move_type", "=", "free"),
                        ("date", ">=", month_start),
                    ]
                )
            )
            if used < offer.free_monthly_appointments:
                return (
                    self.env["calendoc.credit.move"]
                    .sudo()
                    .create(
                        dict(
                            common,
                            move_type="free",
                            quantity=0,
                            balance_after=0,
                            key=key,
                        )
                    )
                )
        raise UserError(
            self.env._(
                "%(account)s has not enough credits left (%(needed)s needed). "
                "A new pack must be bought before booking or sending SMS.",
                account=self.name,
                needed=credits,
            )
        )

    def _calendoc_valid_packs(self):
        today = fields.Date.context_today(self)
        return (
            self.env["calendoc.pack"]
            .sudo()
            .search(
                [
                    ("account_id", "=", self.id),
                    ("date_start", "<=", today),
                    ("date_end", ">=", today),
                ]
            )
        )

    def _calendoc_balances(self):
        """Credits left per kind ('appointment', 'sms', 'combined') in valid packs."""
        self.ensure_one()
        return self._calendoc_valid_packs()._balances()

    def _calendoc_charge_description(self, kind, origin):
        # No health data: the date and the practitioner, never the type or remarks.
        if origin and origin._name == "calendar.event":
            return self.env._(
                "Appointment on %(date)s with %(practitioner)s",
                date=fields.Datetime.to_string(origin.start),
                practitioner=origin.sudo().calendoc_practitioner_id.name,
            )
        if kind == "sms":
            return self.env._("SMS")
        return origin.display_name if origin else False

    def _calendoc_check_low_credits(self, packs, balances):
        """Warn once per pack when its credits left (``balances`` per (pack id,
        kind), just computed by the charge) fall under the offer's threshold."""
        for pack in packs.filtered(lambda p: not p.low_alert_sent):
            granted = (
                pack.appointment_credits + pack.sms_credits + pack.combined_credits
            )
            left = sum(
                balance
                for (pack_id, _kind), balance in balances.items()
                if pack_id == pack.id
            )
            if (
                granted
                and left * 100 <= granted * pack.offer_id.alert_threshold_percent
            ):
                pack.low_alert_sent = True
                self._calendoc_alert(
                    self.env._(
                        "Only %(left)s credits are left in your pack %(pack)s. Buy a new "
                        "pack before they run out.",
                        left=left,
                        pack=pack.name,
                    )
                )

    def _calendoc_alert(self, message):
        """Warn the client account by email and its salesperson (or the firm's
        manager) by an activity."""
        self.ensure_one()
        account = self.sudo()
        if account.email:
            account.message_post(
                body=message,
                partner_ids=account.ids,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )
        user = account.user_id or self.env.ref(
            "base.user_admin", raise_if_not_found=False
        )
        if user:
            account.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("CalenDoc credits"),
                note=message,
                user_id=user.id,
                date_deadline=fields.Date.context_today(self) + relativedelta(days=1),
            )
