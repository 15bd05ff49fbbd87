import pytz
from dateutil.relativedelta import relativedelta

from odoo import fields, models

from odoo.addons.calendoc_agenda.tools.tz import timezone

from .calendoc_credit_kind import KindBalance

# E-invoicing fields Odoo tracks on every contact (account_edi_ubl_cii, installed
# with accounting): a requester is a patient, never invoiced, and a line
# "None → 0009 - SIRET-CODE (Peppol e-address (EAS))" in his history says
# nothing to a secretary.
UNTRACKED_ON_REQUESTERS = ("peppol_eas", "peppol_endpoint")


class ResPartner(models.Model):
    _inherit = "res.partner"

    calendoc_pack_ids = fields.One2many("calendoc.pack", "account_id", string="Packs")

    def _mail_track(self, tracked_fields, initial_values):
        if self.is_calendoc_requester:
            tracked_fields = {
                name: description
                for name, description in tracked_fields.items()
                if name not in UNTRACKED_ON_REQUESTERS
            }
        return super()._mail_track(tracked_fields, initial_values)

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
        """Charge ``quantity`` units of ``kind`` (the code of a credit kind:
        'appointment', 'sms'...) for ``origin``, once per ``key``; return the
        moves written (a replayed ``key`` charges nothing and returns the first
        charge's move).

        Runs in the caller's transaction (the appointment or SMS is not created
        without its charge), with the account's wallet row locked until commit
        so that concurrent charges never overspend. Credits are taken from the
        packs that expire first, the kind's own credits before those of the
        kinds that also pay for it (see ``calendoc.wallet._charge``)."""
        self.ensure_one()
        super()._calendoc_consume_credits(kind, quantity, key, origin)
        return self.env["calendoc.wallet"]._charge(self, kind, quantity, key, origin)

    def _calendoc_refund_credits(self, key, origin):
        """Give back what the charge ``key`` took (an SMS that failed): one
        refund row per move of that charge, into the same pack and kind, once
        per ``key`` (see ``calendoc.wallet._refund``); return the refund
        rows."""
        self.ensure_one()
        super()._calendoc_refund_credits(key, origin)
        return self.env["calendoc.wallet"]._refund(self, key, origin)

    # --- helpers ---------------------------------------------------------------
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
        """Credits left in valid packs per kind code, every kind in its order:
        {'appointment': 5, 'sms': 10, ...}."""
        self.ensure_one()
        return self._calendoc_valid_packs()._balances()

    def _calendoc_balance_lines(self):
        """Credits left in valid packs as ``KindBalance(code, name, credits)``,
        every kind in its order: what the statement and the portal show."""
        balances = self._calendoc_balances()
        return [
            KindBalance(code, kind["name"], balances[code])
            for code, kind in self.env["calendoc.credit.kind"]._kinds().items()
        ]

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
