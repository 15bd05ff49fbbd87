import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from psycopg2.errors import UniqueViolation

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PRIMARY, GoogleCase


@tagged("post_install", "-at_install")
class TestConnection(GoogleCase):
    def test_consent_link_is_signed_and_code_gives_a_refresh_token(self):
        connection = self.env["calendoc.google.connection"].create(
            {"practitioner_id": self.doctor2.id}
        )
        self.assertEqual(connection.state, "draft")
        action = connection.action_connect()
        query = parse_qs(urlsplit(action["url"]).query)
        self.assertEqual(query["access_type"], ["offline"])
        self.assertTrue(query["redirect_uri"][0].endswith("/calendoc_google/oauth"))
        state = query["state"][0]
        Connection = self.env["calendoc.google.connection"]
        self.assertEqual(Connection._google_connection_from_state(state), connection)
        forged = "%s-%s" % (self.connection.id, state.partition("-")[2])
        self.assertFalse(Connection._google_connection_from_state(forged))
        self.assertFalse(Connection._google_connection_from_state("garbage"))

        self.google.codes["code-bruno"] = "rt-bruno"
        connection._google_consent("code-bruno")
        self.assertEqual(connection.state, "connected")
        self.assertEqual(connection.sudo().refresh_token, "rt-bruno")
        token_call = self.google.calls("POST", "/token")[-1][3]
        self.assertEqual(token_call["grant_type"], "authorization_code")

        # a code used twice is refused with a clear message, nothing changes
        with self.assertRaisesRegex(UserError, "consent"):
            connection._google_consent("code-bruno")
        self.assertEqual(connection.sudo().refresh_token, "rt-bruno")

    def test_calendar_list_sets_the_primary_calendar_as_target_and_busy(self):
        self.assertEqual(
            sorted(self.connection.calendar_ids.mapped("google_calendar_id")),
            sorted([PRIMARY, "family@group.calendar.google.com"]),
        )
        self.assertEqual(self.connection.target_calendar_id, self.primary)
        self.assertTrue(self.primary.read_busy)
        self.assertEqual(self.connection.google_email, PRIMARY)
        # read again: no duplicate rows
        self.connection.action_fetch_calendars()
        self.assertEqual(len(self.connection.calendar_ids), 2)

    def test_target_calendar_must_be_one_of_the_practitioners(self):
        other = self.env["calendoc.google.connection"].create(
            {"practitioner_id": self.doctor2.id}
        )
        stranger = self.env["calendoc.google.calendar"].create(
            {"connection_id": other.id, "google_calendar_id": "bruno@example.com"}
        )
        with self.assertRaises(ValidationError):
            self.connection.target_calendar_id = stranger

    def test_connect_needs_the_oauth_client(self):
        params = self.env["ir.config_parameter"]
        params.set_param("calendoc_google.client_id", False)
        params.set_param("google_calendar_client_id", False)
        with self.assertRaisesRegex(UserError, "OAuth client id"):
            self.connection.action_connect()

    def test_sync_now_pulls_and_pushes(self):
        day = self.monday()
        appointment = self.book(self.paris(day, 9))
        self.google.put_event(
            PRIMARY,
            {"id": "gym", "start": self.gtime(day, 14), "end": self.gtime(day, 15)},
        )
        action = self.connection.action_sync_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(self.google_copy(appointment))
        self.assertEqual(self.busy_events().calendoc_google_event_id, "gym")

    def test_sync_now_on_a_revoked_consent_says_so(self):
        self.google.revoke("rt-alice")
        self.google.expire_access_tokens()
        with self.assertRaisesRegex(UserError, "must connect again"):
            self.connection.action_sync_now()

    def test_a_practitioner_has_one_connection(self):
        with (
            self.assertRaises(UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self.env["calendoc.google.connection"].create(
                {"practitioner_id": self.doctor.id}
            )

    def test_tokens_are_for_managers_and_secretaries_still_push(self):
        manager = new_test_user(
            self.env,
            "g_manager",
            password="g_manager-password",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        self.assertEqual(self.connection.with_user(manager).refresh_token, "rt-alice")
        with self.assertRaises(AccessError):
            self.connection.with_user(self.secretary).read(["state"])
        with self.assertRaises(AccessError):
            self.env["calendoc.google.push"].with_user(self.secretary).search([])
        # the secretary's booking is queued and reaches Google all the same
        appointment = (
            self.env["calendar.event"]
            .with_user(self.secretary)
            .create(
                {
                    "calendoc_practitioner_id": self.doctor.id,
                    "calendoc_type_id": self.consult.id,
                    "calendoc_requester_id": self.requester.id,
                    "start": self.paris(self.monday(), 9),
                }
            )
        )
        self.env["calendoc.google.push"]._process_queue()
        self.assertTrue(self.google_copy(appointment))


FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


@tagged("post_install", "-at_install")
class TestConsentRoute(GoogleCase, HttpCase):
    """Google sends the practitioner's browser back to /calendoc_google/oauth."""

    def test_consent_route_connects_the_practitioner(self):
        connection = self.env["calendoc.google.connection"].create(
            {"practitioner_id": self.doctor2.id}
        )
        self.google.codes["code-route"] = "rt-route"
        state = connection._google_oauth_state()
        response = self.url_open(
            f"/calendoc_google/oauth?state={state}&code=code-route", headers=FRENCH
        )
        self.assertEqual(response.status_code, 200)
        # the practitioner reads it in his browser's language
        self.assertIn("Google Agenda connecté", response.text)
        self.assertEqual(connection.state, "connected")
        self.assertEqual(connection.sudo().refresh_token, "rt-route")
        self.assertEqual(len(connection.calendar_ids), 2)

    def test_consent_route_refuses_a_forged_state_and_reports_a_refusal(self):
        connection = self.env["calendoc.google.connection"].create(
            {"practitioner_id": self.doctor2.id}
        )
        forged = "%s-%s" % (connection.id, "0" * 64)
        response = self.url_open(
            f"/calendoc_google/oauth?state={forged}&code=x", headers=FRENCH
        )
        self.assertEqual(response.status_code, 404)
        state = connection._google_oauth_state()
        response = self.url_open(
            f"/calendoc_google/oauth?state={state}&error=access_denied", headers=FRENCH
        )
        self.assertIn("consentement refusé", response.text)
        self.assertEqual(connection.state, "draft")
        # a code Google does not know: a clear message, nothing stored
        response = self.url_open(
            f"/calendoc_google/oauth?state={state}&code=bad", headers=FRENCH
        )
        self.assertIn("pas été connecté", response.text)
        self.assertFalse(connection.sudo().refresh_token)

    def notify(self, **kwargs):
        # Google's request is served by another cursor on the same transaction
        self.env.flush_all()
        statuses = self.google.notify(PRIMARY, **kwargs)
        self.env.invalidate_all()
        return statuses

    def test_google_push_notifications_trigger_a_pull(self):
        self.env["ir.config_parameter"].set_param(
            "calendoc_google.webhook_url", f"{self.base_url()}/calendoc_google/notify"
        )
        self.connection._google_pull()
        watch = self.google.calls("POST", "/watch")
        self.assertEqual(len(watch), 1)
        body = watch[0][3]
        self.assertEqual(body["type"], "web_hook")
        self.assertTrue(body["address"].endswith("/calendoc_google/notify"))
        self.assertEqual(self.primary.channel_id, body["id"])
        self.assertEqual(self.primary.sudo().channel_token, body["token"])
        self.assertGreater(self.primary.channel_expiration, self.primary.last_sync)

        # the practitioner adds an event on his phone: Google notifies us
        day = self.monday()
        self.google.put_event(
            PRIMARY,
            {"id": "phone", "start": self.gtime(day, 9), "end": self.gtime(day, 10)},
        )
        self.assertEqual(self.notify(token="forged"), [404])
        self.assertFalse(self.connection.pull_requested)
        self.assertEqual(self.notify(state="sync"), [200])
        self.assertFalse(self.connection.pull_requested)
        self.assertEqual(self.notify(), [200])
        self.assertTrue(self.connection.pull_requested)
        cron = self.env.ref("calendoc_google.ir_cron_google_pull_notified")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.env["calendoc.google.connection"]._cron_pull(only_requested=True)
        self.assertEqual(self.busy_events().calendoc_google_event_id, "phone")
        self.assertFalse(self.connection.pull_requested)

    def test_push_notification_channels_are_renewed_before_they_end(self):
        self.env["ir.config_parameter"].set_param(
            "calendoc_google.webhook_url", f"{self.base_url()}/calendoc_google/notify"
        )
        self.connection._google_pull()
        first = self.primary.channel_id
        self.connection._google_pull()
        self.assertEqual(self.primary.channel_id, first)  # still a week to go
        self.primary.sudo().channel_expiration = fields.Datetime.now() + timedelta(
            hours=2
        )
        self.connection._google_pull()
        self.assertNotEqual(self.primary.channel_id, first)
        self.assertEqual(len(self.google.calls("POST", "/channels/stop")), 1)
        self.assertEqual(list(self.google.channels), [self.primary.channel_id])


@tagged("post_install", "-at_install")
class TestServiceAccount(GoogleCase):
    """Google Workspace: a service account with domain-wide delegation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cls.key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        cls.public_key = key.public_key()

    def setUp(self):
        super().setUp()
        email = "calendoc@firm-project.iam.gserviceaccount.com"
        self.google.service_accounts[email] = self.public_key
        self.env["ir.config_parameter"].set_param(
            "calendoc_google.service_account_key",
            json.dumps(
                {
                    "type": "service_account",
                    "client_email": email,
                    "private_key_id": "k1",
                    "private_key": self.key_pem,
                    "token_uri": "https://oauth2.googleapis.com/token",
                }
            ),
        )
        self.bruno = self.env["calendoc.google.connection"].create(
            {
                "practitioner_id": self.doctor2.id,
                "auth_mode": "service_account",
                "google_email": "bruno@cabinet.example",
                "responsible_user_id": self.manager.id,
            }
        )

    def test_service_account_acts_for_a_delegated_practitioner(self):
        self.google.delegated.add("bruno@cabinet.example")
        appointment = self.book(self.paris(self.monday(), 9), practitioner=self.doctor2)
        self.bruno.action_connect()

        self.assertEqual(self.bruno.state, "connected")
        self.assertTrue(self.bruno.calendar_ids)
        assertion = self.google.calls("POST", "/token")[-1][3]
        self.assertEqual(
            assertion["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer"
        )
        self.assertFalse(self.bruno.sudo().refresh_token)
        # his coming appointments were queued at connection and now reach Google
        self.Push._process_queue()
        self.assertTrue(self.google_copy(appointment))

    def test_service_account_without_delegation_is_refused_clearly(self):
        with self.assertRaisesRegex(UserError, "must connect again"):
            self.bruno.action_connect()

    def test_unreadable_service_account_key_is_a_clear_error(self):
        self.env["ir.config_parameter"].set_param(
            "calendoc_google.service_account_key", "not json"
        )
        with self.assertRaisesRegex(UserError, "JSON key"):
            self.bruno.action_connect()
