from odoo import fields, models
from odoo.tools import SQL


class CalendocWallet(models.Model):
    """One row per client account: the row consumption locks so that concurrent
    charges on one account are serialised (no overspend), and the account's
    balances for display."""

    _name = "calendoc.wallet"
    _description = "Credit wallet"
    _rec_name = "account_id"
    _calendoc_account_link = "account_id"

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

    def init(self):
        """A charge as one SQL function, ``calendoc_charge``: one round trip
        whatever the history of the account, and PL/pgSQL prepares its plans
        once per connection (planning them cost as much as running them).

        1. It locks the wallet row of the account by *updating* it (see
           ``_lock_for_account``), unless this transaction already did outside
           any savepoint (a batch of charges, such as the SMS cron's, updates
           it once: each update of a row this transaction wrote re-runs its
           foreign-key checks).
        2. A move already recorded under ``p_key`` is a replay: one row
           ('replay', its id), nothing else.
        3. The valid packs of the account on ``p_today``, soonest to expire
           first, with the balance of each kind (SQL function
           ``calendoc_pack_balances``, see ``calendoc.credit.move.init``), pay
           ``p_credits``: the kind's own credits first, then combined ones.
           Not enough: one row ('short', credits missing), nothing written.
        4. The moves: inserted when ``p_insert`` (rows 'move': id, pack, kind,
           quantity, running balance, key), else only planned (rows 'plan',
           no id) for the caller to create through the ORM.
        5. Rows ('alert', pack, credits left) for the valid packs whose alert
           is not sent and whose credits left are at or under the offer's
           threshold.

        Under READ COMMITTED each statement of the function reads after the
        lock; under Odoo's REPEATABLE READ a charge that waited for a
        concurrent one fails on the update (serialization failure, retried by
        Odoo from the start): no charge acts on a stale balance."""
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION calendoc_charge(
                p_account integer, p_kind varchar, p_credits integer,
                p_key varchar, p_today date, p_uid integer, p_now timestamp,
                p_insert boolean, p_description varchar, p_origin_model varchar,
                p_origin_id integer, p_sms_segments integer, p_country varchar,
                p_charged_for integer)
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
                v_appointment integer[];
                v_sms integer[];
                v_combined integer[];
                v_sources varchar[] := CASE WHEN p_kind = 'combined'
                    THEN ARRAY['combined'] ELSE ARRAY[p_kind, 'combined'] END;
                v_source varchar;
                v_i integer;
                v_available integer;
                v_take integer;
                v_left integer;
                v_needed integer := p_credits;
                m_pack integer[] := '{}';
                m_kind varchar[] := '{}';
                m_take integer[] := '{}';
                m_after integer[] := '{}';
            BEGIN
                PERFORM 1 FROM calendoc_wallet
                  WHERE account_id = p_account
                    AND xmin = xid(pg_current_xact_id());
                IF NOT FOUND THEN
                    INSERT INTO calendoc_wallet (account_id, create_uid, create_date,
                                                 write_uid, write_date)
                    VALUES (p_account, p_uid, now() at time zone 'UTC',
                            p_uid, now() at time zone 'UTC')
                    ON CONFLICT (account_id) DO UPDATE
                       SET write_uid = EXCLUDED.write_uid,
                           write_date = EXCLUDED.write_date;
                END IF;

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
                       array_agg(COALESCE(p.appointment_credits, 0)
                                 + COALESCE(p.sms_credits, 0)
                                 + COALESCE(p.combined_credits, 0)
                                 ORDER BY p.date_end, p.id),
                       array_agg(COALESCE(o.alert_threshold_percent, 0)
                                 ORDER BY p.date_end, p.id),
                       array_agg(b.appointment ORDER BY p.date_end, p.id),
                       array_agg(b.sms ORDER BY p.date_end, p.id),
                       array_agg(b.combined ORDER BY p.date_end, p.id)
                  INTO v_packs, v_sent, v_granted, v_threshold,
                       v_appointment, v_sms, v_combined
                  FROM calendoc_pack p
                  LEFT JOIN calendoc_offer o ON o.id = p.offer_id
                  LEFT JOIN LATERAL calendoc_pack_balances(p.id) b ON TRUE
                 WHERE p.account_id = p_account
                   AND p.date_start <= p_today AND p.date_end >= p_today;

                FOREACH v_source IN ARRAY v_sources LOOP
                    FOR v_i IN 1 .. COALESCE(array_length(v_packs, 1), 0) LOOP
                        EXIT WHEN v_needed = 0;
                        v_available := COALESCE(CASE v_source
                            WHEN 'appointment' THEN v_appointment[v_i]
                            WHEN 'sms' THEN v_sms[v_i]
                            ELSE v_combined[v_i] END, 0);
                        v_take := LEAST(v_available, v_needed);
                        CONTINUE WHEN v_take <= 0;
                        v_needed := v_needed - v_take;
                        m_pack := m_pack || v_packs[v_i];
                        m_kind := m_kind || v_source;
                        m_take := m_take || v_take;
                        m_after := m_after || (v_available - v_take);
                        IF v_source = 'appointment' THEN
                            v_appointment[v_i] := v_available - v_take;
                        ELSIF v_source = 'sms' THEN
                            v_sms[v_i] := v_available - v_take;
                        ELSE
                            v_combined[v_i] := v_available - v_take;
                        END IF;
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
                    v_left := COALESCE(v_appointment[v_i], 0)
                              + COALESCE(v_sms[v_i], 0)
                              + COALESCE(v_combined[v_i], 0);
                    IF NOT v_sent[v_i] AND v_granted[v_i] > 0
                       AND v_left * 100 <= v_granted[v_i] * v_threshold[v_i] THEN
                        RETURN QUERY SELECT 'alert'::varchar, NULL::integer,
                            v_packs[v_i], NULL::varchar, NULL::integer, v_left,
                            NULL::varchar;
                    END IF;
                END LOOP;
            END $$
            """
        )
        return super().init()

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
