import uuid

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..models.calendoc_credit_kind import kind_selection


class CalendocCreditCorrection(models.TransientModel):
    _name = "calendoc.credit.correction"
    _description = "Credit correction"

    account_id = fields.Many2one(
        "res.partner", required=True, domain=[("is_calendoc_client", "=", True)]
    )
    pack_id = fields.Many2one(
        "calendoc.pack", required=True, domain="[('account_id', '=', account_id)]"
    )
    kind = fields.Selection(
        selection=kind_selection,
        required=True,
        default=lambda self: self._default_kind(),
    )
    quantity = fields.Integer(
        required=True, help="Credits to add (or remove, if negative)."
    )
    reason = fields.Text(required=True)

    def _default_kind(self):
        return next(iter(self.env["calendoc.credit.kind"]._codes()), False)

    def action_apply(self):
        """Append a correction row (managers only); the balance may not go below 0."""
        self.ensure_one()
        if not self.env.user.has_group("calendoc_agenda.group_calendoc_manager"):
            raise AccessError(self.env._("Only secretariat managers correct credits."))
        if not self.quantity or not (self.reason or "").strip():
            raise UserError(
                self.env._("A correction needs a non-zero quantity and a reason.")
            )
        if self.pack_id.account_id != self.account_id:
            raise UserError(self.env._("This pack belongs to another client account."))
        self.env["calendoc.wallet"].sudo()._lock_for_account(self.account_id)
        Move = self.env[
            "calendoc.credit.move"
        ].sudo()  # sudo: the ledger has no write access; checked above
        balance = Move._balances_after(self.pack_id).get(
            (self.pack_id.id, self.kind), 0
        )
        if balance + self.quantity < 0:
            raise UserError(
                self.env._(
                    "Only %(balance)s credits are left of this kind in this pack.",
                    balance=balance,
                )
            )
        Move.create(
            {
                "account_id": self.account_id.id,
                "pack_id": self.pack_id.id,
                "move_type": "correction",
                "kind": self.kind,
                "quantity": self.quantity,
                "balance_after": balance + self.quantity,
                "key": f"correction:{uuid.uuid4()}",
                "reason": self.reason.strip(),
                "description": self.env._("Correction"),
                "user_id": self.env.user.id,
            }
        )
        return {"type": "ir.actions.act_window_close"}
