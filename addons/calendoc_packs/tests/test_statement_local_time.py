"""The consumption statement and the ledger's texts in local time (ARCHITECTURE
invariant 6): Paris time, to the minute, on both daylight-saving days of 2026
and in winter."""

from datetime import datetime

from odoo.tests import freeze_time, tagged

from .common import PacksCase

# 2026-03-29 01:00 UTC: Paris goes from UTC+1 to UTC+2;
# 2026-10-25 01:00 UTC: back to UTC+1.
SPRING_MONDAY = datetime(2026, 3, 30, 7, 0)  # 09:00 in Paris (summer time)
AUTUMN_MONDAY = datetime(2026, 10, 26, 9, 0)  # 10:00 in Paris (winter time)


@tagged("post_install", "-at_install")
class TestStatementLocalTime(PacksCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["res.lang"]._activate_lang("en_US")
        with freeze_time("2026-03-23 05:00:00"):
            cls.pack = cls.Pack._create_pack(
                cls.account, cls.pack_rdv, 4, key_prefix="tz"
            )
        cls.pack.date_end = "2026-12-31"

    def charge_at(self, moment, key):
        """An SMS charged at ``moment`` (naive UTC)."""
        with freeze_time(moment):
            return self.account._calendoc_consume_credits("sms", 1, key, None)

    def book_in(self, lang, start):
        """An appointment booked at ``start`` by someone reading ``lang``."""
        env = self.env(context=dict(self.env.context, lang=lang))
        return (
            self.env["calendar.event"]
            .with_env(env)
            .create(
                {
                    "calendoc_practitioner_id": self.doctor.id,
                    "calendoc_type_id": self.consult.id,
                    "calendoc_requester_id": self.requester.id,
                    "start": start,
                }
            )
        )

    def statement(self, date_from, date_to):
        return self.env["calendoc.statement.wizard"].create(
            {
                "account_id": self.account.id,
                "date_from": date_from,
                "date_to": date_to,
            }
        )

    def test_moves_are_dated_in_paris_time_to_the_minute(self):
        # 18:32 in Paris on the day summer time ends (UTC+1 again)
        self.charge_at("2026-10-25 17:32:41", "tz:autumn")
        # 18:32 in Paris the day summer time starts (UTC+2)
        self.charge_at("2026-03-29 16:32:00", "tz:spring")
        # 18:32 in Paris in winter
        self.charge_at("2026-12-08 17:32:00", "tz:winter")
        wizard = self.statement("2026-03-01", "2026-12-31")
        dates = [row["date"] for row in wizard._rows() if row["quantity"] == -1]
        self.assertEqual(
            dates, ["2026-03-29 18:32", "2026-10-25 18:32", "2026-12-08 18:32"]
        )
        csv_text = wizard._csv_content().decode("utf-8-sig")
        html = str(wizard._rows_html())
        for day in ("2026-03-29", "2026-10-25", "2026-12-08"):
            self.assertIn(f"{day} 18:32;", csv_text)
            self.assertIn(f"<td>{day} 18:32</td>", html)
        self.assertNotIn("17:32", csv_text + html)
        self.assertNotIn("16:32", csv_text + html)

    def test_a_period_is_made_of_whole_local_days(self):
        # 00:30 in Paris on 1 April is 22:30 UTC on 31 March: April's
        self.charge_at("2026-03-31 22:30:00", "tz:midnight")
        march = self.statement("2026-03-01", "2026-03-31")
        april = self.statement("2026-04-01", "2026-04-30")
        self.assertNotIn("tz:midnight", march.move_ids.mapped("key"))
        self.assertIn("tz:midnight", april.move_ids.mapped("key"))
        self.assertEqual(april._rows()[0]["date"], "2026-04-01 00:30")
        # the daily totals (the PDF of a busy account) count it on its local day
        self.assertEqual(
            [(day, moves) for day, _t, _k, moves, _q, _s in april._daily_rows()],
            [("2026-04-01", 1)],
        )

    @freeze_time("2026-03-23 05:00:00")
    def test_ledger_text_gives_the_appointment_in_local_time(self):
        """The move's text is stored once: in the practice's time zone, to the
        minute, in the language of whoever books."""
        spring = self.book_in("en_US", SPRING_MONDAY)
        autumn = self.book_in("fr_FR", AUTUMN_MONDAY)
        Move = self.env["calendoc.credit.move"]
        text = {
            event: Move.search([("key", "=", f"calendar.event:{event.id}")]).description
            for event in (spring, autumn)
        }
        self.assertEqual(
            text[spring], "Appointment on 03/30/2026 09:00 with Dr Alice Test"
        )
        self.assertEqual(
            text[autumn], "Rendez-vous du 26/10/2026 10:00 avec Dr Alice Test"
        )

    def test_texts_written_in_utc_before_are_rewritten_in_local_time(self):
        """The ledger rows of databases from before the fix said "Rendez-vous
        du 2026-10-26 09:00:00" for a 10:00 appointment: the upgrade rewrites
        that date, and nothing else of the row."""
        autumn = self.book_in("fr_FR", AUTUMN_MONDAY)
        Move = self.env["calendoc.credit.move"]
        move = Move.search([("key", "=", f"calendar.event:{autumn.id}")])
        old = "Rendez-vous du 2026-10-26 09:00:00 avec Dr Alice Test"
        unrelated = "Correction du 2026-10-26 11:00:00"
        Move._calendoc_rewrite_descriptions({move.id: old})
        self.env.cr.execute(
            "SELECT quantity, balance_after, key FROM calendoc_credit_move"
            " WHERE id = %s",
            (move.id,),
        )
        before = self.env.cr.fetchall()
        move.invalidate_recordset()
        self.assertEqual(Move._calendoc_localise_old_descriptions(), 1)
        move.invalidate_recordset()
        self.assertEqual(
            move.description, "Rendez-vous du 26/10/2026 10:00 avec Dr Alice Test"
        )
        self.env.cr.execute(
            "SELECT quantity, balance_after, key FROM calendoc_credit_move"
            " WHERE id = %s",
            (move.id,),
        )
        self.assertEqual(self.env.cr.fetchall(), before)
        # a text whose timestamp is not the appointment's own is left alone
        Move._calendoc_rewrite_descriptions({move.id: unrelated})
        Move._calendoc_localise_old_descriptions()
        move.invalidate_recordset()
        self.assertEqual(move.description, unrelated)

    def test_only_the_text_of_a_ledger_row_may_be_rewritten(self):
        """The append-only trigger lets the text change, by the code that says
        so, and nothing else, even then."""
        move = self.charge_at(SPRING_MONDAY, "text-only") and self.env[
            "calendoc.credit.move"
        ].search([("key", "=", "text-only")])
        cr = self.env.cr
        with self.assertRaisesRegex(Exception, "append-only"), cr.savepoint():
            cr.execute(
                "UPDATE calendoc_credit_move SET description = 'x' WHERE id = %s",
                (move.id,),
            )
        with self.assertRaisesRegex(Exception, "append-only"), cr.savepoint():
            cr.execute("SELECT set_config('calendoc.ledger_text_rewrite', 'on', true)")
            cr.execute(
                "UPDATE calendoc_credit_move SET quantity = quantity + 1,"
                " description = 'x' WHERE id = %s",
                (move.id,),
            )
        cr.execute("SELECT set_config('calendoc.ledger_text_rewrite', 'off', true)")
        self.env["calendoc.credit.move"]._calendoc_rewrite_descriptions({move.id: "y"})
        self.assertEqual(move.description, "y")
        with self.assertRaisesRegex(Exception, "append-only"), cr.savepoint():
            cr.execute(
                "UPDATE calendoc_credit_move SET description = 'z' WHERE id = %s",
                (move.id,),
            )
