from datetime import datetime, timedelta

from odoo.tests import freeze_time, tagged

from ..tools.sms_segments import sms_segments
from .common import CalendocCase

# June 2026: Paris is at UTC+2. Monday 8 June, 07:00 UTC is 09:00 in Paris.
MONDAY = datetime(2026, 6, 8)


def utc(day, hour, minute=0):
    """Naive UTC datetime on the ``day``-th of June 2026."""
    return datetime(2026, 6, day, hour, minute)


def provide_credits(env, account):
    """SMS are paid for: when calendoc_packs is installed too (as in the full test
    database), give the test account a pack, so that its SMS are sent and the
    rules of this addon can be checked. Without it, SMS are free."""
    if "calendoc.pack" not in env:
        return
    template = env["product.template"].create(
        {
            "name": "Pack for the SMS tests",
            "type": "service",
            "is_calendoc_pack": True,
            "calendoc_offer": "premium",
            "calendoc_credit_ids": env["calendoc.credit.kind"]._credit_commands(
                {"appointment": 1000, "sms": 1000}
            ),
        }
    )
    env["calendoc.pack"]._create_pack(account, template, 1, key_prefix="sms-tests")


@tagged("post_install", "-at_install")
@freeze_time("2026-06-01 06:00:00")
class TestSmsRules(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        provide_credits(cls.env, cls.account)
        # Texts are checked in English (French is the database's language).
        cls.env["res.lang"]._activate_lang("en_US")
        cls.requester.lang = "en_US"
        cls.Sms = cls.env["sms.sms"]

    def book_at(self, now, start, **values):
        with freeze_time(now):
            return self.book(start, **values)

    def sms_of(self, event, kind):
        return self.Sms.search(
            [("calendoc_event_id", "=", event.id), ("calendoc_kind", "=", kind)]
        )

    def run_cron(self, now, **kwargs):
        with freeze_time(now):
            self.env["calendar.event"]._cron_calendoc_send_reminders(**kwargs)

    # --- confirmation ---------------------------------------------------------
    def test_booking_queues_a_confirmation_without_the_type(self):
        queue = self.env.ref("sms.ir_cron_sms_scheduler_action")
        triggers = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", queue.id)]
        )
        event = self.book_at(utc(8, 6), utc(9, 7))
        sms = self.sms_of(event, "confirmation")
        self.assertEqual(len(sms), 1)
        self.assertEqual(
            sms.body,
            "Your appointment with Dr Alice Test at Cabinet Test on 06/09/2026 "
            "at 09:00 is booked.",
        )
        self.assertNotIn("Consultation", sms.body)
        self.assertEqual(sms.state, "outgoing")
        self.assertEqual(sms.number, "+33612345678")
        self.assertEqual(sms.partner_id, self.requester)
        self.assertEqual(sms.calendoc_account_id, self.account)
        self.assertEqual(sms.calendoc_country_code, "FR")
        self.assertEqual((sms.calendoc_encoding, sms.calendoc_segments), ("gsm7", 1))
        # Sent by Odoo's SMS queue once the booking is committed, not inline.
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", queue.id)]),
            triggers + 1,
        )

    def test_a_secretary_booking_queues_the_confirmation(self):
        with freeze_time(utc(8, 6)):
            event = (
                self.env["calendar.event"]
                .with_user(self.secretary)
                .create(
                    {
                        "calendoc_practitioner_id": self.doctor2.id,
                        "calendoc_type_id": self.consult.id,
                        "calendoc_requester_id": self.requester.id,
                        "start": utc(9, 8),
                    }
                )
            )
        sms = self.sms_of(event, "confirmation")
        self.assertEqual(len(sms), 1)
        self.assertIn("Dr Bruno Test", sms.body)

    def test_type_is_shown_only_when_the_practice_allows_it(self):
        self.practice.sms_show_type = True
        self.consult.name = "Bilan à 25 €"
        event = self.book_at(utc(8, 6), utc(9, 7))
        sms = self.sms_of(event, "confirmation")
        self.assertEqual(
            sms.body,
            "Your appointment (Bilan à 25 €) with Dr Alice Test at Cabinet Test on "
            "06/09/2026 at 09:00 is booked.",
        )
        # "à" is in the GSM alphabet, "€" takes two septets of its extension.
        count = sms_segments(sms.body)
        self.assertEqual((count.encoding, count.units), ("gsm7", len(sms.body) + 1))
        self.assertEqual((sms.calendoc_encoding, sms.calendoc_segments), ("gsm7", 1))

    def test_a_character_outside_gsm_makes_a_two_segment_unicode_sms(self):
        self.practice.name = "Cabinet de la Côte"
        event = self.book_at(utc(8, 6), utc(9, 7))
        sms = self.sms_of(event, "confirmation")
        self.assertIn("Cabinet de la Côte", sms.body)
        self.assertGreater(len(sms.body), 70)
        self.assertEqual((sms.calendoc_encoding, sms.calendoc_segments), ("ucs2", 2))

    def test_typographic_quotes_do_not_switch_the_sms_to_unicode(self):
        self.practice.name = "Cabinet de l\u2019Étoile"
        event = self.book_at(utc(8, 6), utc(9, 7))
        sms = self.sms_of(event, "confirmation")
        self.assertIn("Cabinet de l'Étoile", sms.body)
        self.assertEqual((sms.calendoc_encoding, sms.calendoc_segments), ("gsm7", 1))

    def test_texts_follow_the_requester_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.requester.lang = "fr_FR"
        event = self.book_at(utc(8, 6), utc(9, 7))
        self.assertIn("09/06/2026", self.sms_of(event, "confirmation").body)

    def test_remarks_never_reach_the_sms(self):
        event = self.book_at(
            utc(8, 6), utc(9, 7), calendoc_remarks="Suivi diabète, prise de sang"
        )
        self.assertNotIn("diabète", self.sms_of(event, "confirmation").body)

    def test_no_confirmation_for_an_appointment_recorded_after_the_fact(self):
        event = self.book_at(utc(8, 10), utc(8, 7))
        self.assertFalse(self.sms_of(event, "confirmation"))
        self.assertFalse(event.calendoc_reminder_due)

    # --- opt-outs ---------------------------------------------------------------
    def assert_no_sms_at_all(self, event):
        self.assertFalse(self.sms_of(event, "confirmation"))
        self.run_cron(event.calendoc_reminder_due)
        self.assertFalse(self.sms_of(event, "reminder"))

    def test_practice_without_sms_sends_nothing(self):
        self.practice.sms_enabled = False
        self.assert_no_sms_at_all(self.book_at(utc(1, 8), utc(10, 7)))

    def test_requester_who_opted_out_gets_nothing(self):
        self.requester.calendoc_sms_opt_out = True
        self.assert_no_sms_at_all(self.book_at(utc(1, 8), utc(10, 7)))

    def test_requester_without_mobile_gets_nothing(self):
        self.requester.mobile = False
        self.assert_no_sms_at_all(self.book_at(utc(1, 8), utc(10, 7)))

    def test_blacklisted_number_gets_nothing(self):
        self.env["phone.blacklist"].sudo().add("+33612345678")
        self.assert_no_sms_at_all(self.book_at(utc(1, 8), utc(10, 7)))

    def test_type_without_reminders_still_gets_its_confirmation(self):
        self.consult.sms_reminder = False
        event = self.book_at(utc(1, 8), utc(10, 7))
        self.assertTrue(self.sms_of(event, "confirmation"))
        self.run_cron(utc(8, 7, 5))
        self.assertFalse(self.sms_of(event, "reminder"))
        # Handled, so that the next runs do not look at it again.
        self.assertEqual(event.calendoc_reminder_sent, utc(8, 7, 5))

    def test_opting_out_after_booking_stops_the_reminder(self):
        event = self.book_at(utc(1, 8), utc(10, 7))
        self.requester.calendoc_sms_opt_out = True
        self.run_cron(utc(8, 7, 5))
        self.assertFalse(self.sms_of(event, "reminder"))

    # --- when the reminder falls due ------------------------------------------
    def test_booked_more_than_a_week_ahead_is_reminded_two_days_before(self):
        event = self.book_at(utc(1, 8), utc(10, 7))
        self.assertEqual(event.calendoc_reminder_due, utc(8, 7))

    def test_booked_exactly_a_week_ahead_is_reminded_the_day_before(self):
        event = self.book_at(utc(1, 7), utc(8, 7))
        self.assertEqual(event.calendoc_reminder_due, utc(7, 7))

    def test_booked_days_ahead_is_reminded_the_day_before(self):
        event = self.book_at(utc(8, 6), utc(10, 7))
        self.assertEqual(event.calendoc_reminder_due, utc(9, 7))

    def test_booked_the_evening_before_is_reminded_shortly_after_booking(self):
        # Monday 18:00 in Paris for Tuesday 09:00: less than a day ahead.
        event = self.book_at(utc(8, 16), utc(9, 7))
        self.assertEqual(event.calendoc_reminder_due, utc(8, 16, 15))

    def test_same_day_booking_gets_no_reminder_by_default(self):
        event = self.book_at(utc(8, 6), utc(8, 12))
        self.assertFalse(event.calendoc_reminder_due)

    def test_same_day_is_the_practice_day_not_the_utc_day(self):
        # Sunday 22:30 UTC is already Monday 00:30 in Paris.
        event = self.book_at(utc(7, 22, 30), utc(8, 7))
        self.assertFalse(event.calendoc_reminder_due)

    def test_same_day_reminder_shortly_after_booking_when_configured(self):
        self.env.company.calendoc_same_day_reminder = "after_booking"
        event = self.book_at(utc(8, 6), utc(8, 12))
        self.assertEqual(event.calendoc_reminder_due, utc(8, 6, 15))
        # Not when the appointment is less than an hour after that.
        soon = self.book_at(utc(8, 6), utc(8, 7), practitioner=self.doctor2)
        self.assertFalse(soon.calendoc_reminder_due)

    def test_cancelled_appointment_gets_no_reminder(self):
        event = self.book_at(utc(1, 8), utc(10, 7))
        event.calendoc_cancel("Patient called")
        self.assertFalse(event.calendoc_reminder_due)
        self.run_cron(utc(8, 7, 5))
        self.assertFalse(self.sms_of(event, "reminder"))
        self.assertFalse(event.calendoc_reminder_sent)

    def test_done_or_missed_appointments_get_no_reminder(self):
        event = self.book_at(utc(8, 6), utc(10, 7))
        event.action_calendoc_no_show()
        self.assertFalse(event.calendoc_reminder_due)

    # --- the cron ---------------------------------------------------------------
    def test_cron_sends_the_due_reminder_once(self):
        event = self.book_at(utc(1, 8), utc(10, 7))
        self.run_cron(utc(8, 6, 50))
        self.assertFalse(self.sms_of(event, "reminder"), "not due yet")
        self.run_cron(utc(8, 7, 5))
        sms = self.sms_of(event, "reminder")
        self.assertEqual(
            sms.body,
            "Reminder: your appointment with Dr Alice Test at Cabinet Test on "
            "06/10/2026 at 09:00.",
        )
        self.assertEqual(sms.state, "outgoing")
        self.assertEqual(sms.calendoc_segments, 1)
        self.assertEqual(event.calendoc_reminder_sent, utc(8, 7, 5))
        self.assertEqual(event.calendoc_reminder_sms_id, sms)
        self.run_cron(utc(8, 7, 20))
        self.assertEqual(len(self.sms_of(event, "reminder")), 1)

    def test_reminder_shows_the_type_only_when_allowed(self):
        self.practice.sms_show_type = True
        event = self.book_at(utc(1, 8), utc(10, 7))
        self.run_cron(utc(8, 7, 5))
        self.assertEqual(
            self.sms_of(event, "reminder").body,
            "Reminder: your appointment (Consultation) with Dr Alice Test at "
            "Cabinet Test on 06/10/2026 at 09:00.",
        )

    def test_one_reminder_per_requester_per_day(self):
        # Wednesday 09:00, booked 9 days ahead: due Monday 09:00 (07:00 UTC).
        wednesday = self.book_at(utc(1, 8), utc(10, 7))
        # Tuesday 15:00, booked on Saturday: due Monday 15:00 (13:00 UTC).
        tuesday = self.book_at(utc(6, 10), utc(9, 13), practitioner=self.doctor2)
        self.assertEqual(tuesday.calendoc_reminder_due, utc(8, 13))
        self.run_cron(utc(8, 7, 5))
        sms = self.Sms.search(
            [("partner_id", "=", self.requester.id), ("calendoc_kind", "=", "reminder")]
        )
        self.assertEqual(len(sms), 1)
        self.assertEqual(
            sms.body,
            "Reminder: your appointments on 06/09/2026 at 15:00 with Dr Bruno Test "
            "at Cabinet Test; 06/10/2026 at 09:00 with Dr Alice Test at Cabinet Test.",
        )
        self.assertEqual(sms.calendoc_event_id, tuesday, "the earliest appointment")
        self.assertEqual(wednesday.calendoc_reminder_sms_id, sms)
        self.assertEqual(tuesday.calendoc_reminder_sms_id, sms)
        # Booked later that Monday, due the same afternoon: no second SMS today.
        late = self.book_at(utc(8, 10), utc(9, 15))
        self.assertEqual(late.calendoc_reminder_due, utc(8, 15))
        self.run_cron(utc(8, 15, 5))
        self.assertEqual(
            self.Sms.search_count(
                [
                    ("partner_id", "=", self.requester.id),
                    ("calendoc_kind", "=", "reminder"),
                ]
            ),
            1,
        )
        self.assertEqual(late.calendoc_reminder_sent, utc(8, 15, 5))
        self.assertFalse(late.calendoc_reminder_sms_id)

    def test_reminders_of_other_requesters_are_independent(self):
        other = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.account.id,
                "name": "MARTIN Paul",
                "mobile": "06 98 76 54 32",
                "lang": "en_US",
            }
        )
        first = self.book_at(utc(1, 8), utc(10, 7))
        second = self.book_at(
            utc(1, 8),
            utc(10, 7),
            practitioner=self.doctor2,
            calendoc_requester_id=other.id,
        )
        # Batches of one: the cron goes on until everything due is handled.
        self.run_cron(utc(8, 7, 5), batch_size=1)
        self.run_cron(utc(8, 7, 5), batch_size=1)
        self.assertEqual(self.sms_of(first, "reminder").number, "+33612345678")
        self.assertEqual(self.sms_of(second, "reminder").number, "+33698765432")

    def test_moved_appointment_is_reminded_of_its_new_time(self):
        event = self.book_at(utc(1, 8), utc(10, 7))
        self.run_cron(utc(8, 7, 5))
        with freeze_time(utc(8, 8)):
            event.write({"start": utc(12, 7), "stop": utc(12, 7, 30)})
        self.assertFalse(event.calendoc_reminder_sent)
        self.assertEqual(event.calendoc_reminder_due, utc(10, 7))
        self.run_cron(utc(10, 7, 5))
        self.assertEqual(len(self.sms_of(event, "reminder")), 2)
        self.assertIn("06/12/2026", event.calendoc_reminder_sms_id.body)

    def test_appointment_already_past_gets_no_late_reminder(self):
        event = self.book_at(utc(1, 8), utc(10, 7))
        self.run_cron(utc(10, 8))
        self.assertFalse(self.sms_of(event, "reminder"))
        self.assertEqual(event.start - timedelta(days=2), event.calendoc_reminder_due)
