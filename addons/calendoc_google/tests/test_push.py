import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import PRIMARY, GoogleCase


@tagged("post_install", "-at_install")
class TestPush(GoogleCase):
    def test_booking_queues_a_push_that_creates_one_google_event(self):
        day = self.monday()
        appointment = self.book(self.paris(day, 9))
        push = self.Push.search([("event_ref", "=", appointment.id)])
        self.assertEqual((push.operation, push.state), ("insert", "pending"))
        # nothing reached Google inside the booking's transaction: the push cron
        # is triggered, to run once the booking is committed
        self.assertFalse(self.google.calls("POST", "/events"))
        cron = self.env.ref("calendoc_google.ir_cron_google_push")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

        stats = self.Push._process_queue()

        self.assertEqual(stats["done"], 1)
        self.assertEqual(push.state, "done")
        copy = self.google_copy(appointment)
        self.assertEqual(copy["summary"], "Rendez-vous — Cabinet Test")
        self.assertEqual(
            copy["start"],
            {
                "dateTime": "%sZ" % self.paris(day, 9).isoformat(),
                "timeZone": "Europe/Paris",
            },
        )
        self.assertEqual(
            copy["end"]["dateTime"], "%sZ" % self.paris(day, 9, 30).isoformat()
        )
        self.assertEqual(
            copy["extendedProperties"]["private"]["calendoc_event"],
            str(appointment.id),
        )
        self.assertTrue(copy["iCalUID"].startswith(f"calendoc-{appointment.id}-"))
        self.assertEqual(copy["visibility"], "private")
        self.assertEqual(len(self.google.live_events(PRIMARY)), 1)
        self.assertTrue(self.connection.last_push_date)

    def test_no_health_data_in_pushed_payloads(self):
        diabetes = self.env["calendoc.appointment.type"].create(
            {
                "name": "Suivi diabète",
                "practice_id": self.practice.id,
                "duration_minutes": 30,
                "min_notice_hours": 0,
                "practitioner_ids": [(6, 0, self.doctor.ids)],
            }
        )
        appointment = self.book(
            self.paris(self.monday(), 9),
            apt_type=diabetes,
            calendoc_remarks="Insuline à ajuster",
        )
        appointment.write(
            {
                "start": self.paris(self.monday(), 10),
                "stop": self.paris(self.monday(), 10, 30),
            }
        )
        self.Push._process_queue()
        self.book(self.paris(self.monday(), 11), apt_type=diabetes)
        self.practice.google_title = "busy"
        self.Push._process_queue()

        sent = json.dumps(
            [body for _m, _p, _params, body in self.google.calls(path_part="/events")]
        )
        for secret in ("diabète", "Insuline", "Dupont", "Jeanne", "06 12"):
            self.assertNotIn(secret, sent)
        summaries = {e["summary"] for e in self.google.live_events(PRIMARY)}
        self.assertEqual(summaries, {"Rendez-vous — Cabinet Test", "Rendez-vous"})

    def test_practice_may_show_the_requester_name_but_never_the_type(self):
        self.practice.google_title = "requester"
        appointment = self.book(self.paris(self.monday(), 9))
        self.Push._process_queue()
        copy = self.google_copy(appointment)
        self.assertEqual(copy["summary"], "Rendez-vous — DUPONT Jeanne")
        self.assertNotIn("Consultation", json.dumps(copy))

    def test_replayed_push_makes_no_duplicate(self):
        appointment = self.book(self.paris(self.monday(), 9))
        push = self.Push.search([("event_ref", "=", appointment.id)])
        self.Push._process_queue()
        # the transaction that sent it was lost: the same insert runs again
        push.write({"state": "pending", "operation": "insert"})
        self.google.clear_log()
        self.Push._process_queue()

        self.assertEqual(
            self.google.answered("/events"), [("POST", 409), ("PATCH", 200)]
        )
        self.assertEqual(len(self.google.live_events(PRIMARY)), 1)
        self.assertEqual(push.state, "done")

    def test_moved_appointment_patches_its_google_event(self):
        day = self.monday()
        appointment = self.book(self.paris(day, 9))
        self.Push._process_queue()
        appointment.write(
            {"start": self.paris(day, 15), "stop": self.paris(day, 15, 30)}
        )
        push = self.Push.search(
            [("event_ref", "=", appointment.id), ("state", "=", "pending")]
        )
        self.assertEqual(push.operation, "patch")
        self.Push._process_queue()

        self.assertEqual(len(self.google.live_events(PRIMARY)), 1)
        self.assertEqual(
            self.google_copy(appointment)["start"]["dateTime"],
            "%sZ" % self.paris(day, 15).isoformat(),
        )

    def test_changes_before_the_push_are_merged_into_one_insert(self):
        day = self.monday()
        appointment = self.book(self.paris(day, 9))
        appointment.write(
            {"start": self.paris(day, 10), "stop": self.paris(day, 10, 30)}
        )
        pushes = self.Push.search([("event_ref", "=", appointment.id)])
        self.assertEqual(len(pushes), 1)
        self.assertEqual(pushes.operation, "insert")
        self.google.clear_log()
        self.Push._process_queue()
        self.assertEqual(len(self.google.calls(path_part="/events")), 1)
        self.assertEqual(
            self.google_copy(appointment)["start"]["dateTime"],
            "%sZ" % self.paris(day, 10).isoformat(),
        )

    def test_cancelled_or_deleted_appointments_leave_google(self):
        day = self.monday()
        cancelled = self.book(self.paris(day, 9))
        deleted = self.book(self.paris(day, 10))
        self.Push._process_queue()
        self.assertEqual(len(self.google.live_events(PRIMARY)), 2)

        cancelled.calendoc_cancel("Patient empêché")
        deleted_id = deleted.id
        deleted.unlink()
        self.Push._process_queue()

        self.assertEqual(self.google.live_events(PRIMARY), [])
        self.assertEqual(
            self.google.calendars[PRIMARY]["events"][
                self.connection._google_event_id(deleted_id)
            ]["status"],
            "cancelled",
        )
        # replayed delete: Google's 410 "deleted" counts as done
        self.Push.search(
            [("event_ref", "=", deleted_id), ("operation", "=", "delete")]
        ).state = "pending"
        self.Push._process_queue()
        self.assertFalse(self.Push.search([("state", "!=", "done")]))

    def test_appointment_given_to_another_practitioner_leaves_the_first_calendar(self):
        day = self.monday()
        appointment = self.book(self.paris(day, 9))
        self.Push._process_queue()
        appointment.calendoc_practitioner_id = self.doctor2
        self.Push._process_queue()
        self.assertEqual(self.google.live_events(PRIMARY), [])

    def test_rate_limited_push_is_retried_with_backoff(self):
        appointment = self.book(self.paris(self.monday(), 9))
        self.google.fail_next(429, count=2, retry_after=0)
        self.google.clear_log()

        stats = self.Push._process_queue()

        self.assertEqual(stats.get("done"), 1)
        self.assertEqual(len(self.google.calls("POST", "/events")), 3)
        self.assertTrue(self.google_copy(appointment))

    def test_google_down_never_blocks_booking_and_is_retried_later(self):
        self.google.fail_next(503, count=3)  # every try of this run
        appointment = self.book(self.paris(self.monday(), 9))
        stats = self.Push._process_queue()

        self.assertTrue(appointment.exists())
        self.assertEqual(stats.get("retried"), 1)
        push = self.Push.search([("event_ref", "=", appointment.id)])
        self.assertEqual((push.state, push.attempts), ("pending", 1))
        self.assertGreater(push.next_attempt, fields.Datetime.now())
        self.assertIn("503", push.last_error)
        self.assertEqual(self.connection.state, "failing")
        # not due yet: the next run leaves it
        self.assertEqual(self.Push._process_queue(), {})
        push.next_attempt = fields.Datetime.now() - timedelta(seconds=1)
        self.Push._process_queue()
        self.assertEqual(push.state, "done")
        self.assertEqual(self.connection.state, "connected")

    def test_push_gives_up_after_the_last_attempt_and_alerts_a_manager(self):
        self.env["ir.config_parameter"].set_param("calendoc_google.max_attempts", "2")
        appointment = self.book(self.paris(self.monday(), 9))
        push = self.Push.search([("event_ref", "=", appointment.id)])
        for _run in range(2):
            self.google.fail_next(500, count=3)
            push.next_attempt = fields.Datetime.now() - timedelta(seconds=1)
            self.Push._process_queue()
        self.assertEqual((push.state, push.attempts), ("failed", 2))
        activity = self.connection.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertIn("Dr Alice Test", activity.summary)

        push.action_retry()
        self.Push._process_queue()
        self.assertEqual(push.state, "done")


@tagged("post_install", "-at_install")
class TestTokens(GoogleCase):
    def test_expired_access_token_is_refreshed_once(self):
        self.google.expire_access_tokens()
        self.google.clear_log()
        appointment = self.book(self.paris(self.monday(), 9))
        self.Push._process_queue()

        self.assertTrue(self.google_copy(appointment))
        methods = [(m, p) for m, p, _q, _b in self.google.requests]
        self.assertEqual(
            methods,
            [
                (
                    "POST",
                    f"/calendar/v3/calendars/{PRIMARY.replace('@', '%40')}/events",
                ),
                ("POST", "/token"),
                (
                    "POST",
                    f"/calendar/v3/calendars/{PRIMARY.replace('@', '%40')}/events",
                ),
            ],
        )
        self.assertEqual(self.google.requests[1][3]["refresh_token"], "rt-alice")
        # the new access token is kept for the next run: no token call then
        token = self.connection.sudo().access_token
        self.assertIn(token, self.google.access_tokens)
        self.google.clear_log()
        self.connection._google_pull()
        self.assertFalse(self.google.calls("POST", "/token"))

    def test_revoked_consent_stops_the_sync_and_alerts_a_manager(self):
        day = self.monday()
        self.google.revoke("rt-alice")
        appointment = self.book(self.paris(day, 9))
        self.Push._process_queue()

        self.assertEqual(self.connection.state, "revoked")
        self.assertIn("must connect again", self.connection.last_error)
        activity = self.connection.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.manager)
        push = self.Push.search([("event_ref", "=", appointment.id)])
        self.assertEqual(push.state, "pending")  # kept for the new consent
        # the booking itself went through; later pulls and pushes do not call
        self.google.clear_log()
        self.env["calendoc.google.connection"]._cron_pull()
        self.Push._process_queue()
        self.assertFalse(self.google.requests)

        # a new consent resumes: the waiting appointment reaches Google
        self.google.refresh_tokens.add("rt-alice-2")
        self.connection.refresh_token = "rt-alice-2"
        self.assertEqual(self.connection.state, "connected")
        self.Push._process_queue()
        self.assertEqual(push.state, "done")
        self.assertTrue(self.google_copy(appointment))


@tagged("post_install", "-at_install")
class TestBatch(GoogleCase):
    def book_many(self, count):
        day, events = self.monday(), self.env["calendar.event"]
        for n in range(count):
            hour, half = divmod(n, 2)
            events |= self.book(self.paris(day, 14 + hour, 30 * half))
        return events

    def test_pushes_travel_in_batches(self):
        self.env["ir.config_parameter"].set_param("calendoc_google.batch_size", "5")
        appointments = self.book_many(8)
        before = self.google.http_count
        stats = self.Push._process_queue()

        self.assertEqual(stats["done"], 8)
        self.assertEqual(self.google.http_count - before, 2)  # 5 + 3 calls
        self.assertEqual(len(self.google.calls("POST", "/batch/")), 2)
        self.assertEqual(len(self.google.live_events(PRIMARY)), 8)
        for appointment in appointments:
            self.assertEqual(
                self.google_copy(appointment)["extendedProperties"]["private"][
                    "calendoc_event"
                ],
                str(appointment.id),
            )

    def test_calls_a_batch_did_not_settle_are_sent_one_by_one(self):
        appointments = self.book_many(3)
        self.Push._process_queue()
        # replay of the first two, a new one, and Google rate-limits one call
        self.Push.search([("event_ref", "in", appointments[:2].ids)]).write(
            {"state": "pending", "operation": "insert"}
        )
        self.book(self.paris(self.monday(), 9))
        self.google.fail_next(429, count=1)
        self.google.clear_log()

        stats = self.Push._process_queue()

        self.assertEqual(stats["done"], 3)
        self.assertEqual(len(self.google.live_events(PRIMARY)), 4)
        self.assertEqual(
            self.google.answered("/events"),
            [
                ("POST", 429),  # in the batch: first replayed insert
                ("POST", 409),  # in the batch: second replayed insert
                ("POST", 200),  # in the batch: the new appointment
                ("POST", 409),  # alone, retried: exists already
                ("PATCH", 200),
                ("PATCH", 200),  # alone: the 409 of the batch became a patch
            ],
        )


@tagged("post_install", "-at_install")
class TestRequesterName(GoogleCase):
    def test_renamed_requester_is_renamed_in_google_when_shown(self):
        self.practice.google_title = "requester"
        appointment = self.book(self.paris(self.monday(), 9))
        self.Push._process_queue()
        # erasure anonymises the requester: Google must not keep his name
        self.requester.write(
            {"calendoc_last_name": "Anonyme", "calendoc_first_name": "X"}
        )
        self.Push._process_queue()
        self.assertEqual(
            self.google_copy(appointment)["summary"], "Rendez-vous — ANONYME X"
        )

    def test_no_push_when_the_name_is_not_shown(self):
        self.book(self.paris(self.monday(), 9))
        self.Push._process_queue()
        self.requester.write({"calendoc_last_name": "Martin"})
        self.assertFalse(self.Push.search([("state", "=", "pending")]))
