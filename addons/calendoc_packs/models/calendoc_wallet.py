from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import escape_psql

from odoo.addons.calendoc_agenda.tools.local_time import format_local, local_tz


class CalendocWallet(models.Model):
    """One row per client account: the row every write of the ledger locks
    (``_lock_for_account``), so that concurrent charges on one account are
    serialised (no overspend). The charge, the one way credits are consumed,
    lives here: ``_charge`` and the SQL function ``calendoc_charge`` it calls."""

    _name = "calendoc.wallet"
    _description = "Credit wallet"
    _rec_name = "account_id"
    _calendoc_account_link = "account_id"

    account_id = fields.Many2one(
        "res.partner", required=True, ondelete="restrict", index=True
    )
    valid_until = fields.Date(compute="_compute_valid_until")

    _sql_constraints = [
        ("account_uniq", "unique (account_id)", "A client account has one wallet.")
    ]

    def init(self):
        """Two SQL functions.

        ``calendoc_wallet_lock(account, uid)`` locks the wallet row of the
        account (creating it if needed) by *updating* it, unless this
        transaction already did outside any savepoint: Odoo runs transactions
        in REPEATABLE READ, so a transaction that waited for the lock would
        still read the ledger as it was before the other charge; updating the
        row makes PostgreSQL refuse such a stale transaction (serialization
        failure), which Odoo retries from the start with a fresh view. Not
        again in the same transaction: each update of a row the transaction
        already wrote re-runs its foreign-key checks (a batch of charges, such
        as the SMS cron's, locks once). Under READ COMMITTED the statements
        after the lock read after it. Either way, no charge acts on a stale
        balance. It returns the wallet's id.

        ``calendoc_charge`` is a charge in one round trip whatever the history
        of the account (PL/pgSQL prepares its plans once per connection:
        planning them cost as much as running them):

        1. It locks the wallet (``calendoc_wallet_lock``).
        2. A move already recorded under ``p_key`` is a replay: one row
           ('replay', its id), nothing else.
        3. The valid packs of the account on ``p_today``, soonest to expire
           first, with the balance of each kind of ``p_kinds`` (SQL function
           ``calendoc_pack_balances``, see ``calendoc.credit.move.init``), pay
           ``p_credits``: the kinds of ``p_sources`` in that order (the kind
           consumed, then those that also pay for it), each from every pack
           before the next kind. Not enough: one row ('short', credits
           missing), nothing written.
        4. The moves: inserted when ``p_insert`` (rows 'move': id, pack, kind,
           quantity, running balance, key), else only planned (rows 'plan',
           no id) for the caller to create through the ORM.
        5. Rows ('alert', pack, credits left) for the valid packs whose alert
           is not sent and whose credits left (every kind) are at or under the
           offer's threshold of the credits granted."""
        cr = self.env.cr
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION calendoc_wallet_lock(
                p_account integer, p_uid integer)
            RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                v_wallet integer;
            BEGIN
                SELECT w.id INTO v_wallet FROM calendoc_wallet w
                 WHERE w.account_id = p_account
                   AND w.xmin = xid(pg_current_xact_id());
                IF v_wallet IS NULL THEN
                    INSERT INTO calendoc_wallet (account_id, create_uid, create_date,
                                                 write_uid, write_date)
                    VALUES (p_account, p_uid, now() at time zone 'UTC',
                            p_uid, now() at time zone 'UTC')
                    ON CONFLICT (account_id) DO UPDATE
                       SET write_uid = EXCLUDED.write_uid,
                           write_date = EXCLUDED.write_date
                    RETURNING id INTO v_wallet;
                END IF;
                RETURN v_wallet;
            END $$
            """
        )
        cr.execute(
            """
            CREATE OR REPLACE FUNCTION calendoc_charge(
                p_account integer, p_sources varchar[], p_kinds varchar[],
                p_credits integer, p_key varchar, p_today date, p_uid integer,
                p_now timestamp, p_insert boolean, p_description varchar,
                p_origin_model varchar, p_origin_id integer,
                p_sms_segments integer, p_country varchar, p_charged_for integer)
            RETURNS TABLE (o_what varchar, o_id integer, o_pack integer,
                           o_kind varchar, o_quantity integer, o_balance integer,
                           o_key varchar)
            LANGUAGE plpgsql AS $$
            DECLARE
                v_replay integer;
                v_packs integer[];
                v_sent boolean[];
                v_granted integer[];
                v_threshold integer[];
                -- v_balances[i][j]: credits of kind p_kinds[j] in pack v_packs[i]
                v_balances integer[];
                v_source varchar;
                v_i integer;
                v_j integer;
                v_available integer;
                v_take integer;
                v_left integer;
                v_needed integer := p_credits;
                m_pack integer[] := '{}';
                m_kind varchar[] := '{}';
                m_take integer[] := '{}';
                m_after integer[] := '{}';
            BEGIN
                PERFORM calendoc_wallet_lock(p_account, p_uid);

                SELECT m.id INTO v_replay FROM calendoc_credit_move m
                 WHERE m.key = p_key LIMIT 1;
                IF v_replay IS NOT NULL THEN
                    RETURN QUERY SELECT 'replay'::varchar, v_replay, NULL::integer,
                        NULL::varchar, NULL::integer, NULL::integer, NULL::varchar;
                    RETURN;
                END IF;

                SELECT array_agg(p.id ORDER BY p.date_end, p.id),
                       array_agg(COALESCE(p.low_alert_sent, FALSE)
                                 ORDER BY p.date_end, p.id),
                       array_agg(COALESCE(p.credits_granted, 0)
                                 ORDER BY p.date_end, p.id),
                       array_agg(COALESCE(o.alert_threshold_percent, 0)
                                 ORDER BY p.date_end, p.id),
                       array_agg(b.balances ORDER BY p.date_end, p.id)
                  INTO v_packs, v_sent, v_granted, v_threshold, v_balances
                  FROM calendoc_pack p
                  LEFT JOIN calendoc_offer o ON o.id = p.offer_id
                 CROSS JOIN LATERAL (
                       SELECT array_agg(COALESCE(k.balance, 0) ORDER BY k.n)
                              AS balances
                         FROM calendoc_pack_balances(p.id, p_kinds) k) b
                 WHERE p.account_id = p_account
                   AND p.date_start <= p_today AND p.date_end >= p_today;

                FOREACH v_source IN ARRAY p_sources LOOP
                    v_j := array_position(p_kinds, v_source);
                    FOR v_i IN 1 .. COALESCE(array_length(v_packs, 1), 0) LOOP
                        EXIT WHEN v_needed = 0;
                        v_available := COALESCE(v_balances[v_i][v_j], 0);
                        v_take := LEAST(v_available, v_needed);
                        CONTINUE WHEN v_take <= 0;
                        v_needed := v_needed - v_take;
                        m_pack := m_pack || v_packs[v_i];
                        m_kind := m_kind || v_source;
                        m_take := m_take || v_take;
                        m_after := m_after || (v_available - v_take);
                        v_balances[v_i][v_j] := v_available - v_take;
                    END LOOP;
                END LOOP;
                IF v_needed > 0 THEN
                    RETURN QUERY SELECT 'short'::varchar, NULL::integer,
                        NULL::integer, NULL::varchar, v_needed, NULL::integer,
                        NULL::varchar;
                    RETURN;
                END IF;

                IF p_insert THEN
                    RETURN QUERY
                    WITH moves AS (
                        INSERT INTO calendoc_credit_move (
                            date, account_id, pack_id, move_type, kind, quantity,
                            balance_after, key, description, origin_model,
                            origin_id, sms_segments, sms_country_code, user_id,
                            charged_for_id, create_uid, create_date, write_uid,
                            write_date)
                        SELECT p_now, p_account, t.pack, 'consumption', t.kind,
                               -t.take, t.after,
                               CASE WHEN t.n = 1 THEN p_key
                                    ELSE p_key || '#' || t.n END,
                               p_description, p_origin_model, p_origin_id,
                               p_sms_segments, p_country, p_uid, p_charged_for,
                               p_uid, now() at time zone 'UTC',
                               p_uid, now() at time zone 'UTC'
                          FROM unnest(m_pack, m_kind, m_take, m_after)
                               WITH ORDINALITY AS t(pack, kind, take, after, n)
                        RETURNING id, pack_id, kind, quantity, balance_after, key)
                    SELECT 'move'::varchar, moves.id, moves.pack_id,
                           moves.kind::varchar, moves.quantity,
                           moves.balance_after, moves.key::varchar
                      FROM moves;
                ELSE
                    RETURN QUERY
                    SELECT 'plan'::varchar, NULL::integer, t.pack, t.kind, -t.take,
                           t.after,
                           (CASE WHEN t.n = 1 THEN p_key
                                 ELSE p_key || '#' || t.n END)::varchar
                      FROM unnest(m_pack, m_kind, m_take, m_after)
                           WITH ORDINALITY AS t(pack, kind, take, after, n);
                END IF;

                FOR v_i IN 1 .. array_length(v_packs, 1) LOOP
                    CONTINUE WHEN v_sent[v_i] OR v_granted[v_i] <= 0;
                    v_left := 0;
                    FOR v_j IN 1 .. array_length(p_kinds, 1) LOOP
                        v_left := v_left + v_balances[v_i][v_j];
                    END LOOP;
                    IF v_left * 100 <= v_granted[v_i] * v_threshold[v_i] THEN
                        RETURN QUERY SELECT 'alert'::varchar, NULL::integer,
                            v_packs[v_i], NULL::varchar, NULL::integer, v_left,
                            NULL::varchar;
                    END IF;
                END LOOP;
            END $$
            """
        )
        return super().init()

    def _compute_valid_until(self):
        for wallet in self:
            wallet.valid_until = wallet.account_id._calendoc_valid_packs()[:1].date_end

    def _lock_for_account(self, account):
        """Return the wallet of ``account`` (created if needed), locked until the
        end of the transaction: the one lock of the ledger (SQL function
        ``calendoc_wallet_lock``, see ``init``), taken before any of its
        writes."""
        self.env.cr.execute(
            SQL("SELECT calendoc_wallet_lock(%s, %s)", account.id, self.env.uid)
        )
        return self.browse(self.env.cr.fetchone()[0])

    def _charge(self, account, kind, quantity, key, origin):
        """Charge ``quantity`` units of ``kind`` (a credit kind's code) to
        ``account`` for ``origin``, once per ``key``; return the moves (see
        ``res.partner._calendoc_consume_credits``, the hook that calls it).

        One round trip whatever the history of the account: the SQL function
        ``calendoc_charge`` (see ``init``) locks the wallet, detects a replay,
        takes the credits from the valid packs and appends the moves. The ORM
        is left out of the hot path (no per-charge record creation machinery);
        it is used again when a low-credit alert is due, for the free Standard
        service, and to create the moves the function planned when the
        ledger's model was extended (see
        ``calendoc.credit.move._calendoc_sql_insert_ok``)."""
        if quantity <= 0:
            raise UserError(self.env._("A charge is a positive number of credits."))
        Kind = self.env["calendoc.credit.kind"]
        rule = Kind._charge_rule(kind)
        # sudo: the ledger is written for whoever books (a secretary, a patient
        # online); nobody may write it directly.
        Move = self.env["calendoc.credit.move"].sudo()
        account = account.sudo()
        per_segment = rule["per_sms_segment"]
        country = (
            getattr(origin, "calendoc_country_code", None) if per_segment else None
        )
        credits = quantity
        if per_segment:
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
            "description": self._charge_description(rule, origin),
            "sms_segments": quantity if per_segment else 0,
            "sms_country_code": country or False,
            "charged_for_id": self.env.context.get("calendoc_acting_account_id", False),
        }
        by_sql = Move._calendoc_sql_insert_ok() and not self.env.context.get(
            "calendoc_ledger_orm"
        )
        self.env.cr.execute(
            SQL(
                "SELECT * FROM calendoc_charge(%s, %s::varchar[], %s::varchar[], "
                "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                account.id,
                list(rule["sources"]),
                list(Kind._codes()),
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
            return self._charge_free(account, rule, key, common, credits)
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

    def _refund(self, account, key, origin):
        """Append the refund of the charge ``key`` of ``account``: for each of
        its consumption moves, a move giving the same credits back to the same
        pack and kind (keys ``<key>:refund``, ``<key>:refund#2``...). Under the
        wallet's lock; a refund already recorded (a second failure report, a
        replay) appends nothing and returns the first one's moves. A charge
        that took nothing (the free Standard service) refunds nothing."""
        # sudo: as in _charge, the ledger is written by its own methods only
        Move = self.env["calendoc.credit.move"].sudo()
        account = account.sudo()
        self.sudo()._lock_for_account(account)
        refund_key = f"{key}:refund"
        done = Move.search(self._key_domain(account, refund_key))
        if done:
            return done
        charges = Move.search(self._key_domain(account, key), order="id").filtered(
            lambda m: m.move_type == "consumption" and m.quantity < 0
        )
        if not charges:
            return Move
        balances = Move._balances_after(charges.pack_id)
        values = []
        for number, charge in enumerate(charges, start=1):
            pair = (charge.pack_id.id, charge.kind)
            balances[pair] = balances.get(pair, 0) - charge.quantity
            values.append(
                {
                    "account_id": account.id,
                    "pack_id": charge.pack_id.id,
                    "move_type": "refund",
                    "kind": charge.kind,
                    "quantity": -charge.quantity,
                    "balance_after": balances[pair],
                    "key": refund_key if number == 1 else f"{refund_key}#{number}",
                    "description": self.env._(
                        "Refund: %(charge)s not sent",
                        charge=charge.description or charge.key,
                    ),
                    "origin_model": origin._name if origin else charge.origin_model,
                    "origin_id": origin.id if origin else charge.origin_id,
                    "sms_segments": charge.sms_segments,
                    "sms_country_code": charge.sms_country_code,
                    "charged_for_id": charge.charged_for_id.id,
                }
            )
        return Move.create(values)

    def _key_domain(self, account, key):
        """The moves of ``account`` written under ``key`` (a charge split over
        several packs or kinds adds ``#2``, ``#3``... to it)."""
        return [
            ("account_id", "=", account.id),
            "|",
            ("key", "=", key),
            ("key", "=like", f"{escape_psql(key)}#%"),
        ]

    def _charge_free(self, account, rule, key, common, credits):
        """No valid credits left: the Standard offer goes on for free within its
        monthly limit (terms, article 9), for the kinds it covers; otherwise
        the charge is refused."""
        offer = self.env["calendoc.offer"]._for_code(
            account.calendoc_offer or "standard"
        )
        Move = self.env["calendoc.credit.move"].sudo()  # sudo: as in _charge
        if (
            rule["free_with_standard"]
            and not account._calendoc_valid_packs()
            and offer.expiry_behaviour == "free_standard"
        ):
            month_start = fields.Datetime.now().replace(
                day=1, hour=0, minute=0, second=0, microsecond=0
            )
            used = Move.search_count(
                [
                    ("account_id", "=", account.id),
                    ("move_type", "=", "free"),
                    ("date", ">=", month_start),
                ]
            )
            if used < offer.free_monthly_appointments:
                return Move.create(
                    dict(
                        common,
                        move_type="free",
                        quantity=0,
                        balance_after=0,
                        key=key,
                    )
                )
        raise UserError(
            self.env._(
                "%(account)s has not enough credits left (%(needed)s needed). "
                "A new pack must be bought before booking or sending SMS.",
                account=account.name,
                needed=credits,
            )
        )

    def _charge_description(self, rule, origin):
        """What the ledger says a charge paid for. No health data: the date and
        the practitioner of an appointment, never its type or remarks; the
        kind's name for SMS, never the message or its number. The date is
        written as the statement shows it: in the practice's time zone, to the
        minute (the text is stored, so it is local once and for all)."""
        if origin and origin._name == "calendar.event":
            event = origin.sudo()
            return self.env._(
                "Appointment on %(date)s with %(practitioner)s",
                date=format_local(
                    self.env,
                    event.start,
                    local_tz(
                        self.env, event.calendoc_practice_id, event.calendoc_account_id
                    ),
                ),
                practitioner=event.calendoc_practitioner_id.name,
            )
        if rule["per_sms_segment"]:
            return rule["name"]
        return origin.display_name if origin else False
