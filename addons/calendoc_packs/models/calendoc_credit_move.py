import re

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.calendoc_agenda.models.base import Base as CalendocBase
from odoo.addons.calendoc_agenda.tools.local_time import format_local, local_tz

from .calendoc_credit_kind import kind_selection

MOVE_TYPES = [
    ("grant", "Grant"),
    ("consumption", "Consumption"),
    ("free", "Free use (Standard)"),
    ("refund", "Refund"),
    ("expiry", "Expiry"),
    ("correction", "Correction"),
]


class CalendocCreditMove(models.Model):
    """The credit ledger: append-only. Grants, consumptions, refunds, expiries
    and corrections are rows; a balance is their sum. Each row also carries the
    running balance of its pack and kind (``balance_after``), written under the
    wallet lock, so that the current balance is one index lookup."""

    _name = "calendoc.credit.move"
    _description = "Credit move"
    _order = "id desc"
    _rec_name = "key"
    _calendoc_account_link = "account_id"

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    account_id = fields.Many2one(
        "res.partner", string="Client account", required=True, ondelete="restrict"
    )
    pack_id = fields.Many2one(
        "calendoc.pack", ondelete="restrict", index="btree_not_null"
    )
    move_type = fields.Selection(MOVE_TYPES, string="Type", required=True)
    kind = fields.Selection(
        selection=kind_selection,
        required=True,
        help="The code of a credit kind (calendoc.credit.kind).",
    )
    quantity = fields.Integer(required=True, help="Credits: positive in, negative out.")
    balance_after = fields.Integer(string="Balance after")
    key = fields.Char(
        string="Idempotency key",
        required=True,
        help="One charge per appointment or SMS: the same key is never charged twice.",
    )
    description = fields.Char()
    origin_model = fields.Char(string="Paid for (model)")
    origin_id = fields.Integer(string="Paid for (id)")
    sms_segments = fields.Integer()
    sms_country_code = fields.Char(string="SMS country")
    reason = fields.Text(help="Why a manager corrected the balance.")
    user_id = fields.Many2one(
        "res.users",
        string="By",
        default=lambda self: self.env.user,
        ondelete="restrict",
    )
    charged_for_id = fields.Many2one(
        "res.partner",
        string="Subcontractor",
        ondelete="restrict",
        help="When a subcontractor acted for the client (through a delegation): "
        "the subcontractor's firm. The client account pays all the same.",
    )

    _sql_constraints = [
        ("key_uniq", "unique (key)", "This charge was already recorded."),
    ]

    def init(self):
        cr = self.env.cr
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS calendoc_credit_move_pack_kind_id_idx
            ON calendoc_credit_move (pack_id, kind, id DESC)
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS calendoc_credit_move_account_date_idx
            ON calendoc_credit_move (account_id, date, id)
            """
        )
        # The current balance of each kind of ``p_kinds`` (codes) in a pack, as
        # rows (n: the kind's rank in p_kinds, kind, balance): the running
        # balance of the pack's latest move of that kind, NULL if none. One
        # probe of (pack_id, kind, id DESC) per kind. The kind is bounded
        # (>= and <=) and ordered on rather than compared with =: with an
        # equality on a kind that is not a literal (a join, a PL/pgSQL
        # variable, a generic plan), PostgreSQL prefers walking the primary
        # key backwards and reads the pack's whole history when the kind has
        # no recent move (39 ms on a 100,000-move pack, against 0.05); only
        # this index gives the order asked for. A plain SQL function:
        # PostgreSQL inlines it where it is called (LATERAL).
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION calendoc_pack_balances(
                p_pack integer, p_kinds varchar[])
            RETURNS TABLE (n bigint, kind varchar, balance integer)
            LANGUAGE sql STABLE AS $$
                SELECT k.n, k.kind,
                       (SELECT m.balance_after FROM calendoc_credit_move m
                         WHERE m.pack_id = p_pack
                           AND m.kind >= k.kind AND m.kind <= k.kind
                         ORDER BY m.kind, m.id DESC LIMIT 1)
                  FROM unnest(p_kinds) WITH ORDINALITY AS k(kind, n)
            $$
            """
        )
        # Append-only, also for code that would bypass the ORM. Two exceptions:
        # the text of a row (its description, nothing else), by code that says
        # so for its transaction (_calendoc_rewrite_descriptions: an upgrade
        # putting old texts in local time), and the link to the appointment or
        # SMS paid for, emptied by an erasure.
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION calendoc_credit_move_append_only()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- the changes allowed: the text of a row, by code that says so
                -- (_calendoc_rewrite_descriptions), and an erasure (GDPR)
                -- unlinking the row from the requester's appointment or SMS
                IF TG_OP = 'UPDATE' AND (
                   (current_setting('calendoc.ledger_text_rewrite', true) = 'on'
                    AND to_jsonb(NEW) - 'description' = to_jsonb(OLD) - 'description')
                   OR (COALESCE(NEW.origin_id, 0) = 0
                    AND to_jsonb(NEW) - 'origin_id' - 'write_date' - 'write_uid'
                      = to_jsonb(OLD) - 'origin_id' - 'write_date' - 'write_uid'))
                THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'calendoc_credit_move is append-only'
                    USING ERRCODE = 'restrict_violation';
            END $$
            """
        )
        cr.execute(
            """
            DROP TRIGGER IF EXISTS calendoc_credit_move_append_only
                ON calendoc_credit_move;
            CREATE TRIGGER calendoc_credit_move_append_only
                BEFORE UPDATE OR DELETE ON calendoc_credit_move
                FOR EACH ROW EXECUTE FUNCTION calendoc_credit_move_append_only()
            """
        )
        return super().init()

    def write(self, vals):
        if self and not self._calendoc_gdpr_anonymising(vals):
            raise UserError(
                self.env._(
                    "Credit moves cannot be changed: record a correction instead."
                )
            )
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(
                self.env._(
                    "Credit moves cannot be deleted: record a correction instead."
                )
            )
        return super().unlink()

    # Stored columns that the SQL function calendoc_charge fills (with the
    # ORM's magic ones).
    SQL_INSERT_FIELDS = frozenset(
        {
            "date",
            "account_id",
            "pack_id",
            "move_type",
            "kind",
            "quantity",
            "balance_after",
            "key",
            "description",
            "origin_model",
            "origin_id",
            "sms_segments",
            "sms_country_code",
            "reason",
            "user_id",
            "charged_for_id",
        }
    )

    @api.model
    @tools.ormcache()
    def _calendoc_sql_insert_ok(self):
        """Whether a charge may append its moves in SQL (the ledger's hot
        path): the moves have no computed field and no side effect to run.
        Not when the model was extended with stored fields the function does
        not fill (an integrator's field with a default, a computed one) or
        with a ``create`` override: the charge then creates the moves it
        planned through ``create``, so that nothing is skipped (the context
        key ``calendoc_ledger_orm`` asks for that path too)."""
        known = self.SQL_INSERT_FIELDS | set(models.MAGIC_COLUMNS)
        # calendoc_agenda's guard on every model's create refuses links to
        # records the user cannot read; the charge writes as superuser, for
        # whom it checks nothing
        harmless = (models.BaseModel, CalendocBase)
        overridden = any(
            "create" in vars(cls) and cls not in harmless for cls in type(self).mro()
        )
        return not overridden and not any(
            field.store and field.column_type and name not in known
            for name, field in self._fields.items()
        )

    @api.model
    def _balances_after(self, packs):
        """Current balance per (pack id, kind code): the running balance of the
        latest move of each pair that has one (one index probe per pair)."""
        if not packs:
            return {}
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT p.id, b.kind, b.balance FROM unnest(%s::int[]) AS p(id),"
                " LATERAL calendoc_pack_balances(p.id, %s::varchar[]) AS b"
                " WHERE b.balance IS NOT NULL",
                packs.ids,
                list(self.env["calendoc.credit.kind"]._codes()),
            )
        )
        return {
            (pack_id, kind): balance
            for pack_id, kind, balance in self.env.cr.fetchall()
        }

    # --- upgrade -------------------------------------------------------------------
    @api.model
    def _calendoc_localise_old_descriptions(self):
        """Rewrite, in the practice's time zone and to the minute, the date of
        the appointment charges written before 18.0.1.2.0 as a UTC timestamp
        ("Appointment on 2026-12-08 07:00:00 with ..." for an 08:00
        appointment in Paris). Only that text changes: quantities, balances
        and keys are the ledger's and stay. Called by the migration; the
        number of rows rewritten."""
        self.env.cr.execute(
            r"""
            SELECT m.id, m.description, e.start, e.calendoc_practice_id,
                   m.account_id, acc.lang
              FROM calendoc_credit_move m
              JOIN calendar_event e
                ON m.origin_model = 'calendar.event' AND e.id = m.origin_id
              JOIN res_partner acc ON acc.id = m.account_id
             WHERE m.description ~ '\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}'
            """
        )
        rows = self.env.cr.fetchall()
        Practice = self.env["calendoc.practice"]
        Partner = self.env["res.partner"]
        texts = {}
        for move_id, text, start, practice_id, account_id, lang in rows:
            stamp = re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text).group()
            if fields.Datetime.to_datetime(stamp) != start:
                continue  # not the appointment's own time: not ours to change
            # the language the text was written in: French for "Rendez-vous"
            code = "fr_FR" if text.startswith("Rendez-vous") else lang
            tz = local_tz(
                self.env, Practice.browse(practice_id), Partner.browse(account_id)
            )
            local = format_local(self.env, start, tz, lang_code=code)
            texts[move_id] = text.replace(stamp, local)
        self._calendoc_rewrite_descriptions(texts)
        return len(texts)

    @api.model
    def _calendoc_rewrite_descriptions(self, texts):
        """Replace the description of the rows ``{id: text}``, the one column
        of the ledger that may change (the append-only trigger lets it, for
        this transaction's statements made here only)."""
        if not texts:
            return
        cr = self.env.cr
        cr.execute("SELECT set_config('calendoc.ledger_text_rewrite', 'on', true)")
        try:
            for move_id, text in texts.items():
                cr.execute(
                    SQL(
                        "UPDATE calendoc_credit_move SET description = %s"
                        " WHERE id = %s",
                        text,
                        move_id,
                    )
                )
        finally:
            cr.execute("SELECT set_config('calendoc.ledger_text_rewrite', 'off', true)")
        self.browse(texts).invalidate_recordset(["description"])
