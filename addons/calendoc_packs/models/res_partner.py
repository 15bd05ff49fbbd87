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
        self.env["calendoc.wallet"].sudo()._lock_for_account(account)
        self.env.cr.execute(
            SQL("SELECT id FROM calendoc_credit_move WHERE key = %s LIMIT 1", key)
        )
        replay = self.env.cr.fetchone()
        if replay:
            return Move.browse(replay[0])

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
        packs = account._calendoc_valid_packs().sorted(lambda p: (p.date_end, p.id))
        balances = Move._balances_after(packs)
        plan, needed = [], credits
        for source_kind in (kind, "combined"):
            for pack in packs:
                available = balances.get((pack.id, source_kind), 0)
                take = min(available, needed)
                if take > 0:
                    plan.append((pack, source_kind, take, available - take))
                    needed -= take
                if not needed:
                    break
            if not needed:
                break
        if needed:
            return account._calendoc_consume_free(kind, key, common, credits)
        moves = Move
        for index, (pack, source_kind, take, balance_after) in enumerate(plan):
            moves |= Move.create(
                dict(
                    common,
                    pack_id=pack.id,
                    kind=source_kind,
                    move_type="consumption",
                    quantity=-take,
                    balance_after=balance_after,
                    key=key if index == 0 else f"{key}#{index + 1}",
                )
            )
        for pack, source_kind, _take, balance_after in plan:
            balances[(pack.id, source_kind)] = balance_after
        account._calendoc_check_low_credits(packs, balances)
        return moves

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
