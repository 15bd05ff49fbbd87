from datetime import datetime

from psycopg2 import errors as pg_errors

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PacksCase

MONDAY = datetime(2026, 3, 23)


@tagged("post_install", "-at_install")
@freeze_time("2026-03-23 05:00:00")
class TestCredits(PacksCase):
    def statement_html(self, wizard):
        """The statement's QWeb report as the PDF engine receives it."""
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "calendoc_packs.calendoc_statement_document", wizard.ids
            )[0]
            .decode()
        )

    def test_appointment_consumes_one_credit_once(self):
        pack = self.grant()
        self.assertEqual(pack.date_end.isoformat(), "2026-06-23")  # Avantage: 3 months
        self.assertEqual(self.account._calendoc_balances()["appointment"], 5)
        event = self.book(MONDAY.replace(hour=8))
        self.assertEqual(self.account._calendoc_balances()["appointment"], 4)
        move = self.env["calendoc.credit.move"].search(
            [("key", "=", f"calendar.event:{event.id}")]
        )
        self.assertEqual(
            (move.move_type, move.quantity, move.balance_after), ("consumption", -1, 4)
        )
        self.assertNotIn("Consultation", move.description)  # no health data
        # A replayed charge (same key) charges nothing.
        again = self.account._calendoc_consume_credits(
            "appointment", 1, f"calendar.event:{event.id}", event
        )
        self.assertEqual(again, move)
        self.assertEqual(self.account._calendoc_balances()["appointment"], 4)
        # The balance is the sum of the ledger (the booking's SMS confirmation
        # took one SMS credit too).
        self.assertEqual(
            self.ledger_sum(), sum(self.account._calendoc_balances().values())
        )

    def test_sms_abroad_costs_more_per_segment(self):
        self.grant()
        belgium = self.env["sms.sms"].new({"number": "+32470000000"})
        belgium.calendoc_country_code = "BE"
        self.account._calendoc_consume_credits("sms", 2, "sms:be", belgium)
        self.assertEqual(self.account._calendoc_balances()["sms"], 10 - 4)
        move = self.env["calendoc.credit.move"].search([("key", "=", "sms:be")])
        self.assertEqual(
            (move.sms_segments, move.sms_country_code, move.quantity), (2, "BE", -4)
        )
        self.account._calendoc_consume_credits("sms", 1, "sms:fr", None)
        self.assertEqual(self.account._calendoc_balances()["sms"], 5)

    def test_combined_credits_pay_when_the_kind_runs_out(self):
        self.grant(self.pack_combined, key="combined")
        self.grant(key="rdv")
        for i in range(7):
            self.account._calendoc_consume_credits("appointment", 1, f"rdv:{i}", None)
        balances = self.account._calendoc_balances()
        self.assertEqual((balances["appointment"], balances["combined"]), (0, 1))
        with self.assertRaisesRegex(UserError, "not enough credits"):
            self.account._calendoc_consume_credits(
                "appointment", 2, "rdv:too-many", None
            )
        self.assertFalse(
            self.env["calendoc.credit.move"].search([("key", "like", "rdv:too-many")])
        )

    def test_no_pack_refuses_booking_except_the_free_standard_service(self):
        self.account.calendoc_offer = "avantage"
        with self.assertRaisesRegex(UserError, "not enough credits"):
            self.book(MONDAY.replace(hour=8))
        # nothing is left of the refused booking, although the test goes on in
        # the same transaction
        self.assertFalse(
            self.env["calendar.event"].search(
                [("calendoc_account_id", "=", self.account.id)]
            )
        )
        self.account.calendoc_offer = "standard"
        self.env.ref("calendoc_packs.offer_standard").free_monthly_appointments = 2
        self.book(MONDAY.replace(hour=8))
        self.book(MONDAY.replace(hour=9))
        with self.assertRaisesRegex(UserError, "not enough credits"):
            self.book(MONDAY.replace(hour=10))
        free = self.env["calendoc.credit.move"].search(
            [("account_id", "=", self.account.id)]
        )
        self.assertEqual(free.mapped("move_type"), ["free", "free"])

    def test_expiry_stops_calls_except_for_standard_and_writes_off_credits(self):
        pack = self.grant()
        self.assertTrue(self.account._calendoc_service_allowed("calls"))
        with freeze_time("2026-06-24 08:00:00"):
            self.assertEqual(
                self.account._calendoc_balances(),
                {"appointment": 0, "sms": 0, "combined": 0},
            )
            self.assertFalse(self.account._calendoc_service_allowed("calls"))
            self.Pack._cron_expire_packs()
            self.assertTrue(pack.expired_recorded)
            expiry = pack.move_ids.filtered(lambda m: m.move_type == "expiry")
            self.assertEqual(sorted(expiry.mapped("quantity")), [-10, -5])
            self.assertEqual(self.ledger_sum(), 0)
            self.account.calendoc_offer = "standard"
            self.assertTrue(self.account._calendoc_service_allowed("calls"))

    def test_new_pack_extends_the_previous_one(self):
        first = self.grant(key="first")
        with freeze_time("2026-05-01 08:00:00"):
            second = self.grant(self.pack_combined, key="second")
        self.assertEqual(second.date_end.isoformat(), "2026-11-01")  # Premium: 6 months
        self.assertEqual(first.date_end, second.date_end)

    def test_validity_is_counted_on_the_accounts_day(self):
        """A pack's days are the client account's (its time zone, Paris by
        default), whoever looks: not the user's nor UTC's."""
        self.account.tz = False
        far = self.env["res.partner"].create(
            {"name": "Cabinet de Nouméa", "is_company": True, "tz": "Pacific/Noumea"}
        )
        # 23:30 UTC on 22 March: 23 March in Paris and in Nouméa (UTC+11)
        with freeze_time("2026-03-22 23:30:00"):
            # a user in Los Angeles (still 22 March there) sells it
            pack = self.Pack.with_context(tz="America/Los_Angeles")._create_pack(
                self.account, self.pack_rdv, 1, key_prefix="paris"
            )
            noumea = self.grant(account=far, key="noumea")
        self.assertEqual(str(pack.date_start), "2026-03-23")
        self.assertEqual(str(noumea.date_start), "2026-03-23")
        # 10:00 UTC on 23 June: both packs' last day (valid until 23 June), at
        # noon in Paris and 21:00 in Nouméa...
        with freeze_time("2026-06-23 10:00:00"):
            self.assertEqual(self.account._calendoc_balances()["appointment"], 5)
            self.assertEqual(far._calendoc_balances()["appointment"], 5)
            # ...whatever the time zone of the user asking
            for tz in ("America/Los_Angeles", "Asia/Tokyo"):
                self.assertTrue(pack.with_context(tz=tz).is_valid)
                pack.invalidate_recordset(["is_valid"])
        # 13:30 UTC on 23 June: 24 June in Nouméa, still 23 June in Paris
        with freeze_time("2026-06-23 13:30:00"):
            self.assertEqual(self.account._calendoc_balances()["appointment"], 5)
            self.assertEqual(far._calendoc_balances()["appointment"], 0)
            with self.assertRaisesRegex(UserError, "not enough credits"):
                far._calendoc_consume_credits("appointment", 1, "noumea:late", None)
            self.Pack._cron_expire_packs()
            self.assertTrue(noumea.expired_recorded)
            self.assertFalse(pack.expired_recorded)

    def test_low_credit_and_expiry_alerts(self):
        pack = self.grant()
        for i in range(4):
            self.account._calendoc_consume_credits("appointment", 1, f"low:{i}", None)
        self.assertFalse(pack.low_alert_sent)  # 11 of 15 left
        self.account._calendoc_consume_credits("sms", 10, "low:sms", None)
        self.assertTrue(pack.low_alert_sent)  # 1 of 15 left: under 10 %
        self.assertTrue(
            self.account.activity_ids.filtered(lambda a: "credits" in (a.note or ""))
        )
        with freeze_time("2026-06-18 08:00:00"):
            self.Pack._cron_expire_packs()
        self.assertTrue(pack.expiry_alert_sent)

    def test_ledger_is_append_only(self):
        self.grant()
        move = self.env["calendoc.credit.move"].search(
            [("account_id", "=", self.account.id)], limit=1
        )
        with self.assertRaises(UserError):
            move.write({"quantity": 1000})
        with self.assertRaises(UserError):
            move.unlink()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(pg_errors.RestrictViolation),
            self.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE calendoc_credit_move SET quantity = 1000 WHERE id = %s",
                (move.id,),
            )
        with self.assertRaisesRegex(UserError, "positive"):
            self.account._calendoc_consume_credits("appointment", 0, "zero", None)

    def test_subcontractor_booking_is_charged_to_the_client(self):
        self.grant()
        firm = self.env["res.partner"].create(
            {"name": "Secrétariat sous-traitant", "is_company": True}
        )
        delegate = new_test_user(
            self.env,
            login="subcontractor",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        delegate.partner_id.parent_id = firm
        self.env["calendoc.delegation"].create(
            {
                "grantor_account_id": self.account.id,
                "grantee_account_id": firm.id,
                "scope_agenda_read": True,
                "scope_agenda_write": True,
                "scope_requesters": True,
                "reason": "Sous-traitance",
            }
        )
        self.requester.calendoc_sms_opt_out = True
        event = (
            self.env["calendar.event"]
            .with_user(delegate)
            .create(
                {
                    "calendoc_practitioner_id": self.doctor.id,
                    "calendoc_type_id": self.consult.id,
                    "calendoc_requester_id": self.requester.id,
                    "start": MONDAY.replace(hour=8),
                }
            )
        )
        move = self.env["calendoc.credit.move"].search(
            [("key", "=", f"calendar.event:{event.id}")]
        )
        self.assertEqual(move.account_id, self.account, "the client pays")
        self.assertEqual(move.charged_for_id, firm, "the ledger says who acted")
        self.assertEqual(self.account._calendoc_balances()["appointment"], 4)

    def test_manager_corrections(self):
        pack = self.grant()
        manager = new_test_user(
            self.env,
            login="pack_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        Correction = self.env["calendoc.credit.correction"]
        values = {
            "account_id": self.account.id,
            "pack_id": pack.id,
            "kind": "appointment",
            "quantity": 3,
            "reason": "Geste commercial",
        }
        with self.assertRaises(AccessError):
            Correction.with_user(self.secretary).create(values).action_apply()
        Correction.with_user(manager).create(values).action_apply()
        self.assertEqual(self.account._calendoc_balances()["appointment"], 8)
        with self.assertRaisesRegex(UserError, "left"):
            Correction.with_user(manager).create(
                dict(values, quantity=-9)
            ).action_apply()
        self.assertEqual(self.account._calendoc_balances()["appointment"], 8)

    def test_statement_totals_equal_the_ledger(self):
        self.grant()
        self.book(MONDAY.replace(hour=8))
        self.account._calendoc_consume_credits("sms", 3, "stmt:sms", None)
        wizard = self.env["calendoc.statement.wizard"].create(
            {
                "account_id": self.account.id,
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
            }
        )
        self.assertEqual(sum(wizard.move_ids.mapped("quantity")), self.ledger_sum())
        self.assertEqual(wizard._totals()["appointment"], {"in": 5, "out": 1})
        # 10 SMS credits - 3 - 1 for the booking's SMS confirmation
        balances = {line.code: line.credits for line in wizard._balance_lines()}
        self.assertEqual((balances["appointment"], balances["sms"]), (4, 6))
        csv_text = wizard._csv_content().decode("utf-8-sig")
        self.assertEqual(len(csv_text.strip().splitlines()), 1 + len(wizard.move_ids))
        sms_row = [row for row in csv_text.splitlines() if ";-3;" in row]
        self.assertEqual(len(sms_row), 1)
        self.assertEqual(sms_row[0].split(";")[3:5], ["-3", "6"])
        html = self.statement_html(wizard)
        self.assertIn("o_calendoc_statement_moves", html)
        self.assertIn(self.account.name, html)
        # one table row per move, with its quantity and running balance
        moves_table = html.split("o_calendoc_statement_moves", 1)[1]
        self.assertEqual(moves_table.count("<tr>"), 1 + len(wizard.move_ids))
        self.assertIn("<td class='text-end'>-3</td><td class='text-end'>6</td>", html)

    def test_statement_pdf_of_a_busy_period_gives_daily_totals(self):
        Wizard = self.env["calendoc.statement.wizard"]
        big = self.env["product.template"].create(
            {
                "name": "Pack Premium 2000",
                "type": "service",
                "is_calendoc_pack": True,
                "calendoc_offer": "premium",
                "calendoc_credit_ids": self.env[
                    "calendoc.credit.kind"
                ]._credit_commands({"combined": 2000}),
            }
        )
        self.grant(big, key="big")
        count = Wizard.PDF_DETAIL_LIMIT + 1
        for day, charges in (
            ("2026-03-23", range(600)),
            ("2026-03-24", range(600, count)),
        ):
            with freeze_time(f"{day} 10:00:00"):
                for i in charges:
                    kind = "sms" if i % 5 == 0 else "appointment"
                    self.account._calendoc_consume_credits(kind, 1, f"busy:{i}", None)
        wizard = Wizard.create(
            {
                "account_id": self.account.id,
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
            }
        )
        self.assertEqual(wizard.move_count, count + 1)  # and the grant
        self.assertFalse(wizard._pdf_detailed())
        html = self.statement_html(wizard)
        self.assertNotIn("o_calendoc_statement_moves", html)
        self.assertIn(f"{count + 1} credit moves in this period", html)
        # the days' totals are the ledger's, per day, type and kind
        self.env.cr.execute(
            """
            SELECT to_char(date, 'YYYY-MM-DD'), count(*), sum(quantity),
                   sum(sms_segments)
              FROM calendoc_credit_move
             WHERE account_id = %s
             GROUP BY 1, move_type, kind
             ORDER BY 1, move_type, kind
            """,
            [self.account.id],
        )
        ledger = self.env.cr.fetchall()
        self.assertEqual(
            [
                (day, moves, total, sms)
                for day, _t, _k, moves, total, sms in (wizard._daily_rows())
            ],
            ledger,
        )
        self.assertEqual(len(ledger), 3)  # the grant, each day's consumptions
        table = html.split("o_calendoc_statement_daily", 2)[2]
        self.assertEqual(table.count("<tr>"), 1 + len(ledger))

    def test_statement_escapes_what_it_shows(self):
        self.grant()
        origin = self.env["res.partner"].create({"name": "<b>Dr</b> & <i>co</i>"})
        self.account._calendoc_consume_credits("appointment", 1, "stmt:esc", origin)
        wizard = self.env["calendoc.statement.wizard"].create(
            {
                "account_id": self.account.id,
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
            }
        )
        html = str(wizard._rows_html())
        self.assertIn("&lt;b&gt;Dr&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;", html)
        self.assertNotIn("<b>Dr</b>", html)

    def test_charges_append_their_moves_in_sql_on_a_standard_install(self):
        """The ledger's hot path: no installed addon extends the ledger model
        in a way that sends charges through the ORM's create."""
        self.assertTrue(self.env["calendoc.credit.move"]._calendoc_sql_insert_ok())

    def test_sql_charge_stores_what_create_stores(self):
        """The charge appends its moves in SQL; the same charge through the
        ORM path (an extended ledger model) stores the same values."""
        self.grant()  # 10 SMS credits
        self.grant(self.pack_combined, key="c1")  # 3 combined
        self.grant(self.pack_combined, key="c2")  # 3 combined
        Sms = self.env["sms.sms"].sudo()
        charge = self.account.with_context(
            calendoc_acting_account_id=self.other_account.id
        )._calendoc_consume_credits
        # Belgium: 2 credits a segment
        sms_sql, sms_orm = Sms.create([{"number": "+32470123456"}] * 2)
        by_sql = charge("sms", 6, "sql:sms", sms_sql).sorted("id")
        by_orm = (
            self.account.with_context(
                calendoc_acting_account_id=self.other_account.id,
                calendoc_ledger_orm=True,
            )
            ._calendoc_consume_credits("sms", 1, "orm:sms", sms_orm)
            .sorted("id")
        )
        c1, c2 = self.account.calendoc_pack_ids.filtered(
            lambda p: p.product_tmpl_id == self.pack_combined
        ).sorted("id")
        plan = ["pack_id", "kind", "quantity", "balance_after", "key", "sms_segments"]
        self.assertEqual(
            [[move[name] for name in plan] for move in by_sql],
            [
                [by_sql[0].pack_id, "sms", -10, 0, "sql:sms", 6],
                [c1, "combined", -2, 1, "sql:sms#2", 6],
            ],
        )
        self.assertEqual(
            [[move[name] for name in plan] for move in by_orm],
            [
                [c1, "combined", -1, 0, "orm:sms", 1],
                [c2, "combined", -1, 2, "orm:sms#2", 1],
            ],
        )
        self.env.invalidate_all()
        skip = {"id", "display_name", "create_date", "write_date", "date"}
        names = [
            name
            for name, field in by_sql._fields.items()
            if field.store and name not in skip and name not in plan
        ]
        stored_by_sql, stored_by_orm = (
            {k: v for k, v in move.read(names, load=None)[0].items() if k != "id"}
            for move in (by_sql[1], by_orm[1])
        )
        stored_by_orm["origin_id"] = sms_sql.id  # the only expected difference
        self.assertEqual(stored_by_sql, stored_by_orm)
        self.assertEqual(
            (stored_by_sql["sms_country_code"], stored_by_sql["charged_for_id"]),
            ("BE", self.other_account.id),
        )
        self.assertEqual(stored_by_sql["origin_model"], "sms.sms")
        # without an origin either: the same columns, NULL where create() puts NULL
        plain = [
            self.account.with_context(
                calendoc_ledger_orm=orm
            )._calendoc_consume_credits("appointment", 1, f"plain:{orm}", None)
            for orm in (False, True)
        ]
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT origin_model, origin_id, sms_segments, sms_country_code,
                   description, charged_for_id, reason, move_type, user_id
              FROM calendoc_credit_move WHERE id IN %s ORDER BY id
            """,
            [tuple(move.id for move in plain)],
        )
        by_sql_row, by_orm_row = self.env.cr.fetchall()
        self.assertEqual(by_sql_row, by_orm_row)
