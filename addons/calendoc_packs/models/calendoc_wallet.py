from odoo import fields, models
from odoo.tools import SQL


class CalendocWallet(models.Model):
    """One row per client account: the row consumption locks so that concurrent
    charges on one account are serialised (no overspend), and the account's
    balances for display."""

    _name = "calendoc.wallet"
    _description = "Credit wallet"
    _rec_name = "account_id"

    account_id = fields.Many2one(
        "res.partner", required=True, ondelete="restrict", index=True
    )
    appointment_balance = fields.Integer(
        string="Appointment credits", compute="_compute_balances"
    )
    sms_balance = fields.Integer(string="SMS credits", compute="_compute_balances")
    combined_balance = fields.Integer(
        string="Combined credits", compute="_compute_balances"
    )
    valid_until = fields.Date(compute="_compute_balances")

    _sql_constraints = [
        ("account_uniq", "unique (account_id)", "A client account has one wallet.")
    ]

    def _compute_balances(self):
        for wallet in self:
            balances = wallet.account_id._calendoc_balances()
            wallet.appointment_balance = balances["appointment"]
            wallet.sms_balance = balances["sms"]
            wallet.combined_balance = balances["combined"]
            wallet.valid_until = wallet.account_id._calendoc_valid_packs()[:1].date_end

    def _lock_for_account(self, account):
        """Return the wallet of ``account`` (created if needed), locked until the
        end of the transaction.

        The row is *updated*, not only locked: Odoo runs transactions in
        REPEATABLE READ, so a transaction that waited for the lock would still
        read the ledger as it was before the other charge. Updating the row makes
        PostgreSQL refuse such a stale transaction (serialization failure), which
        Odoo retries from the start with a fresh view: no overspend, no double
        charge."""
        self.env.cr.execute(self._lock_sql(account))
        return self.browse(self.env.cr.fetchone()[0])

    def _lock_sql(self, account):
        """The statement that creates or updates the wallet row of ``account``
        (locking it until the end of the transaction), returning its id."""
        return SQL(
            """
            INSERT INTO calendoc_wallet (account_id, create_uid, create_date,
                                         write_uid, write_date)
            VALUES (%(account)s, %(uid)s, now() at time zone 'UTC',
                    %(uid)s, now() at time zone 'UTC')
            ON CONFLICT (account_id) DO UPDATE
               SET write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
            RETURNING id
            """,
            account=account.id,
            uid=self.env.uid,
        )
