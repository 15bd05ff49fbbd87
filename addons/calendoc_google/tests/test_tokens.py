"""Access tokens: google-auth refreshes them and signs the service account's
JWT, over our own HTTP (timeout, retries, count); what reaches Google's token
endpoint is its documented form, and no secret reaches the logs."""

import json
import logging
from logging.handlers import MemoryHandler

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GoogleCase
from .google_server import _unb64

SERVICE_ACCOUNT = "calendoc@firm-project.iam.gserviceaccount.com"
WORKSPACE_USER = "bruno@cabinet.example"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@tagged("post_install", "-at_install")
class TestTokens(GoogleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = new_key()

    def setUp(self):
        super().setUp()
        self.google.service_accounts[SERVICE_ACCOUNT] = self.key.public_key()
        self.google.delegated.add(WORKSPACE_USER)
        self.set_key(pem(self.key))
        self.bruno = self.env["calendoc.google.connection"].create(
            {
                "practitioner_id": self.doctor2.id,
                "auth_mode": "service_account",
                "google_email": WORKSPACE_USER,
                "responsible_user_id": self.manager.id,
            }
        )
        self.google.clear_log()

    def set_key(self, private_key):
        self.env["ir.config_parameter"].set_param(
            "calendoc_google.service_account_key",
            json.dumps(
                {
                    "type": "service_account",
                    "client_email": SERVICE_ACCOUNT,
                    "private_key_id": "k1",
                    "private_key": private_key,
                    "token_uri": "https://oauth2.googleapis.com/token",
                }
            ),
        )

    def token_forms(self):
        return [body for _m, _p, _q, body in self.google.calls("POST", "/token")]

    def test_refresh_sends_googles_refresh_token_form(self):
        self.google.expire_access_tokens()
        self.google.clear_log()
        self.connection._google_pull()

        (form,) = self.token_forms()
        self.assertEqual(
            form,
            {
                "grant_type": "refresh_token",
                "refresh_token": "rt-alice",
                "client_id": "calendoc-test.apps.googleusercontent.com",
                "client_secret": "test-secret",
            },
        )
        self.assertIn(self.connection.sudo().access_token, self.google.access_tokens)

    def test_service_account_assertion_is_the_jwt_google_documents(self):
        self.bruno.action_connect()

        (form,) = self.token_forms()
        self.assertEqual(
            form["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer"
        )
        # the assertion alone: the OAuth client's secret is not sent with it
        self.assertEqual(set(form), {"grant_type", "assertion"})
        head, claims, signature = form["assertion"].split(".")
        self.assertEqual(
            json.loads(_unb64(head)), {"alg": "RS256", "typ": "JWT", "kid": "k1"}
        )
        payload = json.loads(_unb64(claims))
        self.assertEqual(payload["iss"], SERVICE_ACCOUNT)
        self.assertEqual(payload["sub"], WORKSPACE_USER)
        self.assertEqual(payload["scope"], "https://www.googleapis.com/auth/calendar")
        self.assertEqual(payload["aud"], self.google.url + "/token")
        self.assertEqual(payload["exp"] - payload["iat"], 3600)
        self.assertTrue(signature)
        self.assertEqual(self.bruno.state, "connected")

    def test_an_assertion_signed_by_another_key_is_refused(self):
        # Google knows the service account by its public key: a JWT signed
        # with any other key fails the stand-in's RS256 check
        self.set_key(pem(new_key()))
        with self.assertRaisesRegex(UserError, "must connect again"):
            self.bruno.action_connect()
        self.assertEqual(self.bruno.state, "revoked")
        self.assertEqual(self.google.answered("/token"), [("POST", 400)])

    def test_an_unreadable_private_key_is_never_sent(self):
        self.set_key(
            "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
        )
        with self.assertRaisesRegex(UserError, "must connect again"):
            self.bruno.action_connect()
        self.assertEqual(self.bruno.state, "revoked")
        self.assertIn("must connect again", self.bruno.last_error)
        self.assertFalse(self.google.calls("POST", "/token"))

    def test_token_endpoint_overloaded_is_retried_with_backoff(self):
        self.google.expire_access_tokens()
        self.google.fail_next(503, count=1, token=True)
        self.google.fail_next(429, count=1, retry_after=0, token=True)
        appointment = self.book(self.paris(self.monday(), 9))
        self.google.clear_log()

        stats = self.Push._process_queue()

        self.assertEqual(stats.get("done"), 1)
        self.assertEqual(
            self.google.answered("/token"),
            [("POST", 503), ("POST", 429), ("POST", 200)],
        )
        self.assertTrue(self.google_copy(appointment))
        self.assertEqual(self.connection.state, "connected")

    def test_token_endpoint_down_leaves_the_consent_and_retries_later(self):
        self.google.expire_access_tokens()
        self.google.fail_next(503, count=3, token=True)  # every try of this run
        appointment = self.book(self.paris(self.monday(), 9))

        stats = self.Push._process_queue()

        self.assertEqual(stats.get("retried"), 1)
        self.assertEqual(self.connection.state, "failing")  # not revoked
        self.assertIn("503", self.connection.last_error)
        self.assertEqual(self.connection.sudo().refresh_token, "rt-alice")
        push = self.Push.search([("event_ref", "=", appointment.id)])
        self.assertEqual(push.state, "pending")

    def test_tokens_keys_and_assertions_are_never_logged(self):
        handler = MemoryHandler(capacity=100000, flushLevel=logging.CRITICAL + 1)
        for name in ("odoo.addons.calendoc_google", "google", "urllib3", "requests"):
            logger = logging.getLogger(name)
            self.addCleanup(logger.setLevel, logger.level)
            self.addCleanup(logger.removeHandler, handler)
            logger.setLevel(logging.DEBUG)
            logger.addHandler(handler)
        self.google.expire_access_tokens()

        self.bruno.action_connect()  # the service account's JWT
        self.connection._google_pull()  # the refresh token grant
        self.google.codes["code-log"] = "rt-log"
        self.connection._google_consent("code-log")  # the code exchange
        issued = set(self.google.access_tokens)
        self.google.revoke("rt-log")
        self.google.expire_access_tokens()
        self.connection._google_pull()  # a refused refresh, logged as a failure

        logged = "\n".join(record.getMessage() for record in handler.buffer)
        # the logs were captured, down to each HTTP request
        self.assertIn("failed", logged)
        self.assertIn("POST /token", logged)
        forms = self.token_forms()
        self.assertEqual(len(forms), 4)
        self.assertEqual(len(issued), 3)
        secrets = issued | {"rt-alice", "rt-log", "code-log", "test-secret"}
        secrets |= {form["assertion"] for form in forms if "assertion" in form}
        secrets.add(pem(self.key).splitlines()[1])
        for secret in secrets:
            self.assertNotIn(secret, logged)
