"""The OVH SMS gateway, through the real client code (OVH's official client),
against a local server speaking OVH's documented wire format (server time,
signed requests, SmsSendingReport)."""

import hashlib
import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged

from ..tools.sms_ovh import OvhSmsApi
from .common import CalendocCase
from .test_sms_rules import provide_credits

APPLICATION_KEY = "7kbG7Bk7S9Nt7ZSV"
APPLICATION_SECRET = "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF"
CONSUMER_KEY = "MtSwSrPpNjqfVSmJhLbPyr2i45lSDRFi"
SERVICE = "sms-ab12345-1"
INVALID_NUMBER = "+33699999999"


class OvhSmsHandler(BaseHTTPRequestHandler):
    """GET /1.0/auth/time and POST /1.0/sms/{serviceName}/jobs as OVH answers
    them."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append(("GET", self.path))
        if self.path != "/1.0/auth/time":
            return self.answer(404, {"message": "The requested object does not exist"})
        # Unauthenticated: the server's clock, in seconds since the epoch, that
        # clients sign their requests with.
        return self.answer(200, int(time.time()))

    def do_POST(self):  # noqa: N802 (http.server's naming)
        server = self.server
        server.requests.append(("POST", self.path))
        body = self.rfile.read(int(self.headers["Content-Length"] or 0)).decode()
        timestamp = self.headers.get("X-Ovh-Timestamp", "")
        url = f"http://127.0.0.1:{server.server_port}{self.path}"
        signed = "+".join(
            [APPLICATION_SECRET, CONSUMER_KEY, "POST", url, body, timestamp]
        )
        expected = "$1$" + hashlib.sha1(signed.encode()).hexdigest()
        if (
            self.headers.get("X-Ovh-Application") != APPLICATION_KEY
            or self.headers.get("X-Ovh-Consumer") != CONSUMER_KEY
            or self.headers.get("X-Ovh-Signature") != expected
            or not timestamp.isdigit()
        ):
            return self.answer(
                400,
                {
                    "errorCode": "INVALID_SIGNATURE",
                    "httpCode": "400 Bad Request",
                    "message": "Invalid signature",
                },
            )
        if self.path != f"/1.0/sms/{SERVICE}/jobs":
            return self.answer(404, {"message": "The requested object does not exist"})
        if self.headers.get("Content-Type") != "application/json":
            return self.answer(400, {"message": "Invalid content type"})
        payload = json.loads(body)
        server.jobs.append(payload)
        if server.failing:
            return self.answer(500, {"message": "Internal server error"})
        valid = [r for r in payload["receivers"] if r != INVALID_NUMBER]
        invalid = [r for r in payload["receivers"] if r == INVALID_NUMBER]
        ids = []
        for _receiver in valid:
            server.next_id += 1
            ids.append(server.next_id)
        return self.answer(
            200,
            {
                "totalCreditsRemoved": len(valid),
                "invalidReceivers": invalid,
                "ids": ids,
                "validReceivers": valid,
                "tag": "",
            },
        )

    def answer(self, status, data):
        content = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        return


@tagged("post_install", "-at_install")
@freeze_time("2026-06-01 06:00:00")
class TestOvhSmsGateway(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        provide_credits(cls.env, cls.account)
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), OvhSmsHandler)
        cls.server.jobs = []
        cls.server.requests = []
        cls.server.failing = False
        cls.server.next_id = 1000
        thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        # Texts are checked in English (French is the database's language).
        cls.env["res.lang"]._activate_lang("en_US")
        cls.requester.lang = "en_US"
        cls.settings = {
            "calendoc_sms_provider": "ovh",
            "calendoc_ovh_endpoint": f"http://127.0.0.1:{cls.server.server_port}/",
            "calendoc_ovh_application_key": APPLICATION_KEY,
            "calendoc_ovh_application_secret": APPLICATION_SECRET,
            "calendoc_ovh_consumer_key": CONSUMER_KEY,
            "calendoc_ovh_service_name": SERVICE,
            "calendoc_ovh_sender": "CalenDoc",
        }
        cls.env["res.config.settings"].create(cls.settings).execute()

    def setUp(self):
        super().setUp()
        self.server.jobs.clear()
        self.server.requests.clear()
        self.server.failing = False
        # Job ids start again for each test, whatever ran before.
        self.server.next_id = 1000

    def confirmation(self, requester=None):
        values = {"calendoc_requester_id": requester.id} if requester else {}
        with freeze_time("2026-06-08 06:00:00"):
            event = self.book(datetime(2026, 6, 9, 7, 0), **values)
        return event.calendoc_sms_ids

    def process_queue(self, sms):
        # What Odoo's SMS queue cron does with the outgoing SMS.
        self.env["sms.sms"]._process_queue(ids=sms.ids)

    def test_confirmation_is_posted_signed_and_marked_sent(self):
        sms = self.confirmation()
        self.assertEqual(sms.state, "outgoing")
        self.process_queue(sms)
        self.assertEqual(sms.state, "pending")
        self.assertFalse(sms.failure_type)
        self.assertFalse(sms.to_delete, "kept: it carries the charged segments")
        self.assertEqual(sms.calendoc_provider_ref, "1001")
        self.assertEqual(
            self.server.jobs,
            [
                {
                    "message": sms.body,
                    "receivers": ["+33612345678"],
                    "charset": "UTF-8",
                    "noStopClause": True,
                    "senderForResponse": False,
                    "sender": "CalenDoc",
                }
            ],
        )

    def test_client_signs_with_the_server_time_then_posts(self):
        sms = self.confirmation()
        self.process_queue(sms)
        self.assertEqual(sms.state, "pending")
        # OVH's client asks the server's clock once (unsigned), then signs.
        self.assertEqual(
            self.server.requests,
            [("GET", "/1.0/auth/time"), ("POST", f"/1.0/sms/{SERVICE}/jobs")],
        )

    def test_reminder_goes_from_cron_to_gateway(self):
        with freeze_time("2026-06-01 08:00:00"):
            event = self.book(datetime(2026, 6, 10, 7, 0))
        with freeze_time("2026-06-08 07:05:00"):
            self.env["calendar.event"]._cron_calendoc_send_reminders()
            sms = event.calendoc_reminder_sms_id
            self.process_queue(sms)
        self.assertEqual(sms.state, "pending")
        self.assertTrue(self.server.jobs[-1]["message"].startswith("Reminder:"))

    def test_invalid_receiver_is_an_error_on_the_number(self):
        other = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.account.id,
                "name": "NUMERO Faux",
                "mobile": INVALID_NUMBER,
            }
        )
        sms = self.confirmation(other)
        self.process_queue(sms)
        self.assertEqual((sms.state, sms.failure_type), ("error", "sms_number_format"))

    def test_server_error_keeps_the_sms_for_a_retry(self):
        sms = self.confirmation()
        body = sms.body
        self.server.failing = True
        self.process_queue(sms)
        self.assertTrue(sms.exists())
        self.assertEqual((sms.state, sms.failure_type), ("error", "sms_server"))
        self.assertFalse(sms.to_delete)
        self.assertEqual(sms.body, body)
        # The gateway is back: the same SMS is resent, and nothing was lost.
        self.server.failing = False
        sms.action_set_outgoing()
        self.process_queue(sms)
        self.assertEqual(sms.state, "pending")
        self.assertEqual([job["message"] for job in self.server.jobs], [body, body])

    def test_wrong_secret_is_refused_by_the_signature_check(self):
        self.env["ir.config_parameter"].set_param(
            "calendoc_agenda.ovh_application_secret", "not-the-secret"
        )
        sms = self.confirmation()
        self.process_queue(sms)
        self.assertEqual((sms.state, sms.failure_type), ("error", "sms_server"))
        self.assertFalse(self.server.jobs, "refused before being queued by OVH")

    def test_unreachable_gateway_is_a_server_error(self):
        self.env["ir.config_parameter"].set_param(
            "calendoc_agenda.ovh_endpoint", "http://127.0.0.1:9"
        )
        sms = self.confirmation()
        self.process_queue(sms)
        self.assertEqual((sms.state, sms.failure_type), ("error", "sms_server"))

    def test_missing_credentials_leave_the_sms_in_error(self):
        self.env["ir.config_parameter"].set_param(
            "calendoc_agenda.ovh_consumer_key", False
        )
        sms = self.confirmation()
        self.process_queue(sms)
        self.assertEqual((sms.state, sms.failure_type), ("error", "sms_acc"))

    def test_secrets_never_appear_in_logs(self):
        sms = self.confirmation()
        # Everything logged: Odoo's loggers and the others (requests, urllib3).
        with (
            self.assertLogs(level="DEBUG") as others,
            self.assertLogs("odoo", level="DEBUG") as odoo_logs,
        ):
            self.process_queue(sms)
            self.server.failing = True
            sms.action_set_outgoing()
            self.process_queue(sms)
        self.assertEqual(sms.state, "error")
        output = "\n".join(others.output + odoo_logs.output)
        self.assertIn(f"CalenDoc SMS {sms.id}", output)
        self.assertNotIn(APPLICATION_SECRET, output)
        self.assertNotIn(CONSUMER_KEY, output)

    def test_gateway_settings_are_for_system_administrators_only(self):
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "calendoc_agenda.ovh_application_secret"
            ),
            APPLICATION_SECRET,
        )
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.calendoc_ovh_service_name, SERVICE)
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.secretary).get_param(
                "calendoc_agenda.ovh_application_secret"
            )
        self.assertNotIn(
            "calendoc_ovh_application_secret",
            self.env["res.config.settings"]
            .with_user(self.secretary)
            .fields_get(attributes=["type"]),
        )

    def test_the_provider_chosen_names_the_gateway(self):
        Sms = self.env["sms.sms"]
        self.assertIsInstance(Sms._calendoc_sms_api(), OvhSmsApi)
        param = self.env["ir.config_parameter"]
        param.set_param("calendoc_agenda.sms_provider", "iap")
        self.assertIsNone(Sms._calendoc_sms_api(), "Odoo's own IAP path")
        # A provider whose addon is gone: Odoo's default, said in the log.
        param.set_param("calendoc_agenda.sms_provider", "uninstalled")
        with self.assertLogs("odoo.addons.calendoc_agenda", "WARNING") as logs:
            self.assertIsNone(Sms._calendoc_sms_api())
        self.assertIn("'uninstalled'", logs.output[0])
