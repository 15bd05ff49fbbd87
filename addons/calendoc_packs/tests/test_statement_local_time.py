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
