import pytz
from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.calendoc_agenda.tools.tz import timezone


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
        # on every call: the one column needed, read by the search itself
        offer = self.env["calendoc.offer"]._for_code(
            self.calendoc_offer or "standard", fetch=["expiry_behaviour"]
        )
        return offer.expiry_behaviour == "free_standard"

    def _calendoc_consume_credits(self, kind, quantity, key, origin):
        """Charge ``quantity`` credits of ``kind`` for ``origin``, once per ``key``.

        Runs in the caller's transaction (the appointment or SMS is not created
        without its charge), with the account's wallet row locked until commit so
        that concurrent charges never overspend. A replayed ``key`` charges
        nothing and returns the first charge. Credits are taken from the packs
        that expire first, the kind's own credits before combined ones.

        One round trip whatever the history of the account: the SQL function
        ``calendoc_charge`` (see ``calendoc.wallet.init``) locks the wallet,
        detects a replay, takes the credits from the valid packs and appends
        the moves. The ORM is left out of the hot path (no per-charge record
        creation machinery); it is used again when a low-credit alert is due,
        for the free Standard service, and to create the moves the function
        planned when the ledger's model was extended (see
        ``calendoc.credit.move._calendoc_sql_insert_ok``).
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
        common = {
            "account_id": account.id,
            "kind": kind,
            "move_type": "consumption",
            "origin_model": origin._name if origin else False,
            "origin_id": origin.id if origin else False,
            "description": account._calendoc_charge_description(kind, origin),
            "sms_segments": quantity if kind == "sms" else 0,
            "sms_country_code": country or False,
            "charged_for_id": self.env.context.get("calendoc_acting_account_id", False),
        }
        by_sql = Move._calendoc_sql_insert_ok() and not self.env.context.get(
            "calendoc_ledger_orm"
        )
        self.env.cr.execute(
            SQL(
                "SELECT * FROM calendoc_charge(%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s, %s, %s, %s)",
                account.id,
                kind,
                credits,
                key,
                account._calendoc_today(),
                self.env.uid,
                fields.Datetime.now(),
                by_sql,
                # stored as create() stores them (an integer False is 0)
                *(
                    Move._fields[name].convert_to_column(common[name], Move)
                    for name in (
                        "description",
                        "origin_model",
                        "origin_id",
                        "sms_segments",
                        "sms_country_code",
                        "charged_for_id",
                    )
                ),
            )
        )
        rows = self.env.cr.fetchall()
        what = rows[0][0] if rows else "short"
        if what == "replay":
            return Move.browse(rows[0][1])
        if what == "short":
            return account._calendoc_consume_free(kind, key, common, credits)
        if by_sql:
            moves = Move.browse([row[1] for row in rows if row[0] == "move"])
            # the packs' one2many of moves, if read in this transaction, grew
            self.env["calendoc.pack"].invalidate_model(["move_ids"])
        else:
            moves = Move.create(
                [
                    dict(
                        common,
                        pack_id=pack_id,
                        kind=source_kind,
                        quantity=quantity,
                        balance_after=balance,
                        key=move_key,
                    )
                    for _what, _id, pack_id, source_kind, quantity, balance, move_key in (
                        row for row in rows if row[0] == "plan"
                    )
                ]
            )
        alerts = {row[2]: row[5] for row in rows if row[0] == "alert"}
        if alerts:
            account._calendoc_check_low_credits(alerts)
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

    def _calendoc_today(self):
        """The date in the client account's time zone (the default one when it
        has none): the day a pack's validity is counted on, the same whoever
        looks at it (a secretary abroad, a patient online, a cron in UTC)."""
        self.ensure_one()
        tz = timezone(self.sudo().tz)
        return pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()

    def _calendoc_valid_packs(self):
        today = self._calendoc_today()
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

    def _calendoc_check_low_credits(self, lefts):
        """Warn once per pack whose credits left fell under its offer's
        threshold: ``lefts`` maps such packs' ids to their credits left, as the
        charge just computed them."""
        packs = self.env["calendoc.pack"].sudo().browse(list(lefts))
        for pack in packs.filtered(lambda p: not p.low_alert_sent):
            pack.low_alert_sent = True
            self._calendoc_alert(
                self.env._(
                    "Only %(left)s credits are left in your pack %(pack)s. Buy a new "
                    "pack before they run out.",
                    left=lefts[pack.id],
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
