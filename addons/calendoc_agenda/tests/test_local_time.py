"""Local time everywhere (ARCHITECTURE invariant 6): the one formatting helper
(``tools/local_time.py``) and the agenda's outputs that use it, on both
daylight-saving days of 2026 (Paris: UTC+1 until 29 March 01:00 UTC, UTC+2
until 25 October 01:00 UTC) and in winter."""

from datetime import date, datetime

from odoo.tests import freeze_time, new_test_user, tagged

from ..exceptions import SlotTakenError
from ..tools.local_time import (
    format_day,
    format_local,
    format_local_time,
    format_prose,
    local_midnight,
    local_tz,
    to_local,
    upper_first,
)
from .common import CalendocCase
from .test_sms_rules import provide_credits

WINTER = datetime(2026, 12, 9, 9, 0)  # Wednesday, 10:00 in Paris
SPRING_CHANGE = datetime(2026, 3, 29, 8, 0)  # Sunday, 10:00 in Paris (UTC+2)
AUTUMN_CHANGE = datetime(2026, 10, 25, 9, 0)  # Sunday, 10:00 in Paris (UTC+1)


@tagged("post_install", "-at_install")
class TestLocalTimeHelper(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["res.lang"]._activate_lang("en_US")

    def in_lang(self, lang):
        return self.env(context=dict(self.env.context, lang=lang))

    def test_prose_in_french_and_english(self):
        french, english = self.in_lang("fr_FR"), self.in_lang("en_US")
        cases = [
            (WINTER, "mercredi 9 décembre 2026 à 10 h 00", "Wednesday 9 December 2026 at 10:00"),
            (SPRING_CHANGE, "dimanche 29 mars 2026 à 10 h 00", "Sunday 29 March 2026 at 10:00"),
            (AUTUMN_CHANGE, "dimanche 25 octobre 2026 à 10 h 00", "Sunday 25 October 2026 at 10:00"),
            (datetime(2026, 10, 25, 0, 30), "dimanche 25 octobre 2026 à 2 h 30", "Sunday 25 October 2026 at 2:30"),
        ]  # fmt: skip
        for moment, in_french, in_english in cases:
            with self.subTest(moment=moment):
                self.assertEqual(
                    format_prose(french, moment, "Europe/Paris"), in_french
                )
                self.assertEqual(
                    format_prose(english, moment, "Europe/Paris"), in_english
                )
                # the language may also be given
                self.assertEqual(
                    format_prose(english, moment, "Europe/Paris", "fr_FR"), in_french
                )

    def test_short_form_and_time_to_the_minute(self):
        french = self.in_lang("fr_FR")
        moment = datetime(2026, 3, 29, 16, 32, 41)
        self.assertEqual(
            format_local(french, moment, "Europe/Paris"), "29/03/2026 18:32"
        )
        self.assertEqual(
            format_local(self.in_lang("en_US"), moment, "Europe/Paris"),
            "03/29/2026 18:32",
        )
        self.assertEqual(format_local_time(moment, "Europe/Paris"), "18:32")
        self.assertEqual(format_local_time(WINTER, "Europe/Paris"), "10:00")
        self.assertEqual(format_local_time(WINTER, "America/Martinique"), "05:00")
        self.assertEqual(to_local(WINTER, "Europe/Paris").hour, 10)
        self.assertEqual(
            format_day(french, date(2026, 12, 9)), "mercredi 9 décembre 2026"
        )
        self.assertEqual(upper_first("mercredi 9 décembre"), "Mercredi 9 décembre")
        self.assertEqual(format_local(french, False), "")

    def test_local_days_start_at_local_midnight(self):
        self.assertEqual(
            local_midnight(date(2026, 3, 29), "Europe/Paris"), datetime(2026, 3, 28, 23)
        )
        self.assertEqual(
            local_midnight(date(2026, 3, 30), "Europe/Paris"), datetime(2026, 3, 29, 22)
        )
        self.assertEqual(
            local_midnight(date(2026, 10, 26), "Europe/Paris"),
            datetime(2026, 10, 25, 23),
        )

    def test_time_zone_of_the_practice_else_the_account_else_the_user(self):
        self.practice.tz = "America/Martinique"
        self.assertEqual(local_tz(self.env, self.practice), "America/Martinique")
        # an account with no zone of its own: its first practice's
        self.assertEqual(local_tz(self.env, account=self.account), "America/Martinique")
        self.account.tz = "Indian/Reunion"
        self.assertEqual(local_tz(self.env, account=self.account), "Indian/Reunion")
        self.assertEqual(local_tz(self.env, self.practice), "America/Martinique")
        user_env = self.env(user=self.secretary)
        self.secretary.tz = "Europe/London"
        self.assertEqual(local_tz(user_env), "Europe/London")
        self.secretary.tz = False
        self.assertEqual(local_tz(user_env), "Europe/Paris")


@tagged("post_install", "-at_install")
@freeze_time("2026-03-23 05:00:00")
class TestAgendaLocalTimes(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        provide_credits(cls.env, cls.account)
        cls.env["res.lang"]._activate_lang("fr_FR")
        # a secretary whose own time zone is not the practice's
        cls.secretary.write({"tz": "UTC", "lang": "fr_FR"})

    def test_a_slot_taken_is_told_in_the_practices_time(self):
        # Monday after the spring change: 09:00-09:30 in Paris (UTC+2)
        self.book(datetime(2026, 3, 30, 7, 0))
        Event = (
            self.env["calendar.event"]
            .with_user(self.secretary)
            .with_context(lang="fr_FR")
        )
        with self.assertRaises(SlotTakenError) as refused:
            Event.create(
                {
                    "calendoc_practitioner_id": self.doctor.id,
                    "calendoc_type_id": self.consult.id,
                    "calendoc_requester_id": self.requester.id,
                    "start": datetime(2026, 3, 30, 7, 15),
                }
            )
        message = refused.exception.args[0]
        self.assertIn("30/03/2026 09:00", message)
        self.assertIn("30/03/2026 09:30", message)
        self.assertNotIn("07:00", message)

    def test_sms_give_the_practices_date_and_time(self):
        for start, day, time in (
            (datetime(2026, 3, 30, 7, 0), "30/03/2026", "09:00"),  # UTC+2
            (datetime(2026, 10, 26, 8, 0), "26/10/2026", "09:00"),  # UTC+1
        ):
            with self.subTest(start=start):
                event = self.book(start)
                values = event._calendoc_sms_values("fr_FR")
                self.assertEqual((values["date"], values["time"]), (day, time))

    def test_agenda_holders_are_told_a_delegations_period_in_local_time(self):
        self.doctor.partner_id.email = "alice.test@example.fr"
        delegate = new_test_user(
            self.env,
            login="calendoc_tz_delegate",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        delegation = (
            self.env["calendoc.delegation"]
            .with_context(lang="fr_FR")
            .create(
                {
                    "grantor_account_id": self.account.id,
                    "grantee_user_id": delegate.id,
                    "scope_agenda_read": True,
                    "reason": "Congés de la secrétaire",
                    "date_start": SPRING_CHANGE,
                    "date_end": AUTUMN_CHANGE,
                }
            )
        )
        told = delegation.message_ids.filtered(
            lambda m: self.doctor.partner_id in m.partner_ids
        )
        self.assertIn("du 29/03/2026 10:00 jusqu", str(told.body))
        self.assertIn("25/10/2026 10:00.", str(told.body))

    def test_demo_appointments_are_at_round_times(self):
        demo = self.env["ir.model.data"].search(
            [("model", "=", "calendar.event"), ("module", "=like", "calendoc_%")]
        )
        events = self.env["calendar.event"].browse(demo.mapped("res_id")).exists()
        if not events:
            self.skipTest("database without demo data")
        for event in events:
            with self.subTest(event=event.name):
                self.assertEqual(
                    (event.start.second, event.start.microsecond, event.stop.second),
                    (0, 0, 0),
                )
                self.assertEqual(event.start.minute % 5, 0)
