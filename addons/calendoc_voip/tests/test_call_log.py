import base64
import time
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..models.calendoc_call import VoipEventError
from .common import VoipCase


@tagged("post_install", "-at_install")
class TestCallLog(VoipCase):
    def ingest(self, event, call_id="log-1", **values):
        return self.env["calendoc.call"]._ingest_event(
            self.event(event, call_id, **values)
        )

    def call(self, call_id="log-1"):
        return self.env["calendoc.call"].search([("sip_call_id", "=", call_id)])

    def test_caller_is_found_whatever_the_format_of_his_number(self):
        for n, number in enumerate(
            ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "0612345678"]
        ):
            with self.subTest(number):
                self.ingest("ringing", f"fmt-{n}", **{"from": number})
                self.assertEqual(self.call(f"fmt-{n}").requester_id, self.requester)

    def test_the_popup_shows_the_callers_appointments_around_now(self):
        now = datetime.now().replace(minute=0, second=0, microsecond=0)
        # weekdays at 9:00 UTC (10:00 or 11:00 in Paris), 7 to come and 6 past
        days = [
            day
            for day in (now + timedelta(days=n) for n in range(-12, 13) if n)
            if day.weekday() < 5
        ]
        future = [d.replace(hour=9) for d in days if d > now][:7]
        past = [d.replace(hour=9) for d in days if d < now][-6:]
        events = {
            start: self.book(start, self.doctor if n % 2 else self.doctor2)
            for n, start in enumerate(past + future)
        }
        events[future[0]].calendoc_state = "cancelled"
        events[past[-1]].active = False  # archived: not shown either
        self.ingest("ringing")
        [card] = self.bus_messages("calendoc_voip/incoming_call")[0][1]["requesters"]
        self.assertEqual(card["name"], "DUPONT Jeanne")
        self.assertEqual(
            [row["start"] for row in card["upcoming"]],
            [fields.Datetime.to_string(start) for start in future[1:6]],
        )
        self.assertEqual(
            [row["start"] for row in card["past"]],
            [fields.Datetime.to_string(start) for start in reversed(past[:-1])],
        )
        first = card["upcoming"][0]
        self.assertEqual(
            (first["practitioner"], first["type"], first["state"]),
            (events[future[1]].calendoc_practitioner_id.name, "Consultation", "booked"),
        )
        self.assertEqual(
            {row["practitioner"] for row in card["upcoming"] + card["past"]},
            {"Dr Alice Test", "Dr Bruno Test"},
        )

    def test_an_unknown_caller_is_logged_without_requester(self):
        answer = self.ingest("ringing", **{"from": "06 98 76 54 32"})
        self.assertEqual(answer["action"], "ring")
        call = self.call()
        self.assertFalse(call.requester_id)
        self.assertEqual(call.caller_number, "+33698765432")
        popup = self.bus_messages("calendoc_voip/incoming_call")[0][1]
        self.assertEqual(popup["requesters"], [])
        self.assertEqual(popup["caller_number"], "+33698765432")
        action = call.action_new_requester()
        self.assertEqual(action["context"]["default_mobile"], "+33698765432")
        self.assertEqual(
            action["context"]["default_calendoc_account_id"], self.account.id
        )

    def test_caller_hanging_up_before_answer_is_abandoned(self):
        now = time.time()
        self.ingest("ringing", time=now)
        self.ingest("ended", time=now + 8, reason="cancel")
        call = self.call()
        self.assertEqual((call.state, call.outcome), ("done", "abandoned"))
        self.assertEqual(call.wait_seconds, 8)
        self.assertEqual(call.duration, 0)

    def test_nobody_answering_is_missed(self):
        self.ingest("ringing")
        self.ingest("ended", reason="no_answer")
        self.assertEqual(self.call().outcome, "missed")

    def test_a_late_ringing_after_the_end_keeps_the_end(self):
        now = time.time()
        self.ingest("answered", time=now, extension="201")
        self.ingest("ended", time=now + 30)
        self.ingest("ringing", time=now - 5)
        call = self.call()
        self.assertEqual((call.state, call.outcome), ("done", "answered"))
        self.assertEqual(call.duration, 30)
        self.assertEqual(len(call.event_ids), 3)

    def test_answering_closes_the_popup_of_the_others(self):
        self.other_account.calendoc_secretary_ids = [(4, self.off_duty.id)]
        self.account.calendoc_secretary_ids = [(4, self.other_secretary.id)]
        self.ingest("ringing")
        popups = {p for p, _payload in self.bus_messages("calendoc_voip/incoming_call")}
        self.assertEqual(
            popups, {self.secretary.partner_id.id, self.other_secretary.partner_id.id}
        )
        self.ingest("answered", extension="202")
        self.assertEqual(self.call().secretary_id, self.other_secretary)
        taken = [p for p, _payload in self.bus_messages("calendoc_voip/call_taken")]
        self.assertEqual(taken, [self.secretary.partner_id.id])

    def test_the_popups_shown_at_ringing_are_closed_whatever_the_roster_then(self):
        """The secretaries rung are recorded on the call; when one answers, the
        others' popups close even if the duty roster changed in between (a
        secretary whose duty ended mid-call still has the popup open)."""
        self.account.calendoc_secretary_ids = [(4, self.other_secretary.id)]
        self.ingest("ringing")
        call = self.call()
        self.assertEqual(call.rung_user_ids, self.secretary | self.other_secretary)
        self.env["calendoc.duty"].search(
            [("user_id", "=", self.secretary.id)]
        ).active = False
        self.ingest("answered", extension="202")
        taken = [p for p, _payload in self.bus_messages("calendoc_voip/call_taken")]
        self.assertEqual(taken, [self.secretary.partner_id.id])
        # whom the call was offered to stays on the log
        self.assertEqual(
            self.call().rung_user_ids, self.secretary | self.other_secretary
        )

    def test_an_outgoing_event_for_an_unknown_call_is_refused(self):
        with self.assertRaises(VoipEventError) as caught:
            self.ingest("answered", "nowhere", direction="out")
        self.assertEqual(caught.exception.status, 404)

    def test_the_appointment_booked_from_the_call_is_recorded(self):
        self.ingest("ringing")
        call = self.call()
        action = call.with_user(self.secretary).action_book()
        self.assertEqual(action["context"]["default_requester_id"], self.requester.id)
        event = (
            self.env["calendar.event"]
            .with_user(self.secretary)
            .with_context(action["context"])
            .create(
                {
                    "calendoc_practitioner_id": self.doctor.id,
                    "calendoc_type_id": self.consult.id,
                    "calendoc_requester_id": self.requester.id,
                    "start": self.utc(2031, 3, 4, 9, 0),
                }
            )
        )
        self.assertEqual(call.appointment_id, event)
        self.assertEqual(call.booked_percent, 100)

    def test_overflow_secretaries_ring_after_the_delay(self):
        self.env["ir.config_parameter"].set_param("calendoc_voip.overflow_seconds", 20)
        self.env["calendoc.duty"].create(
            {
                "user_id": self.off_duty.id,
                "practice_ids": [(6, 0, self.practice.ids)],
                "days": "all",
                "hour_from": 0,
                "hour_to": 24,
                "overflow": True,
            }
        )
        answer = self.ingest("ringing")
        delays = {t["extension"]: t["delay"] for t in answer["targets"]}
        self.assertEqual(delays, {"201": 0, "203": 20})
        self.assertEqual(answer["ring_timeout"], 50)

    def test_the_ring_time_is_the_firms_setting(self):
        params = self.env["ir.config_parameter"]
        params.set_param("calendoc_voip.ring_seconds", 45)
        self.assertEqual(self.ingest("ringing", "ring-1")["ring_timeout"], 45)
        # not a number: the default, and the log says which setting is wrong
        params.set_param("calendoc_voip.ring_seconds", "soon")
        with self.assertLogs("odoo.addons.calendoc_voip.models.calendoc_call") as logs:
            self.assertEqual(self.ingest("ringing", "ring-2")["ring_timeout"], 30)
        self.assertIn("calendoc_voip.ring_seconds", logs.output[0])

    def test_a_recording_is_kept_only_when_the_account_allows_it(self):
        audio = base64.b64encode(b"RIFF....WAVEfmt ").decode()
        answer = self.ingest("ringing")
        self.assertFalse(answer["record"])
        self.ingest("ended")
        with self.assertRaises(VoipEventError) as caught:
            self.ingest("recorded", recording=audio)
        self.assertEqual(caught.exception.status, 403)
        self.assertFalse(self.call().recording_id)
        self.assertEqual(len(self.call().event_ids), 2)

        self.account.write(
            {
                "calendoc_call_recording": True,
                "calendoc_recording_announcement": "Cet appel est enregistré.",
            }
        )
        answer = self.ingest("ringing", "log-2")
        self.assertEqual(
            (answer["record"], answer["announcement"]),
            (True, "Cet appel est enregistré."),
        )
        self.ingest("ended", "log-2")
        with self.assertRaises(VoipEventError) as caught:
            self.ingest("recorded", "log-2", recording="not base64!")
        self.assertEqual(caught.exception.status, 400)
        self.ingest("recorded", "log-2", recording=audio)
        self.ingest("recorded", "log-2", recording=audio)  # a retry: kept once
        call = self.call("log-2")
        self.assertEqual(call.recording_id.raw, b"RIFF....WAVEfmt ")
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "calendoc.call"), ("res_id", "=", call.id)]
            ),
            1,
        )
        stored = call.event_ids.filtered(lambda e: e.kind == "recorded")
        self.assertNotIn("recording", stored.payload)
        # the secretary serving the account reads it, the other one does not
        self.assertTrue(call.recording_id.with_user(self.secretary).raw)
        with self.assertRaises(AccessError):
            call.recording_id.with_user(self.other_secretary).read(["raw"])

    def test_duty_follows_days_and_hours(self):
        Duty = self.env["calendoc.duty"]
        duty = Duty.create(
            {
                "user_id": self.off_duty.id,
                "practice_ids": [(6, 0, self.practice.ids)],
                "days": "weekdays",
            }
        )
        self.assertEqual((duty.hour_from, duty.hour_to), (7.0, 21.0))
        # 2031-03-04 is a Tuesday; Paris is UTC+1 in March
        self.env.company.partner_id.tz = "Europe/Paris"
        on = Duty._on_duty_users(self.practice, self.utc(2031, 3, 4, 9, 0))
        self.assertIn(self.off_duty, on)
        late = Duty._on_duty_users(self.practice, self.utc(2031, 3, 4, 20, 30))
        self.assertNotIn(self.off_duty, late)
        sunday = Duty._on_duty_users(self.practice, self.utc(2031, 3, 2, 9, 0))
        self.assertNotIn(self.off_duty, sunday)
