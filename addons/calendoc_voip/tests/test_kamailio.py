"""Kamailio as the phones' SIP server, on loopback, rendered from the project's
template against the test database: digest registration through Odoo's view
of the phones' credentials (baresip and a digest client), registrations in
PostgreSQL (several per user, surviving a restart), stale nonces, and an
incoming call routed by Odoo to the registered phone (SIPp as the trunk and
as the phone).

Kamailio reads the database on its own connections: the phone it
authenticates is committed (created before the test class's transaction and
deleted after it), the rest of the set-up lives in the test's transaction as
usual and reaches Kamailio through Odoo's HTTP answer."""

import contextlib
import hashlib
import os
import re
import shutil
import socket
import tempfile
import time

from odoo import SUPERUSER_ID, Command, api
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged

from ..kamailio.render import parse_args, render
from ..models.calendoc_sip_endpoint import KAMAILIO_LOCATION
from .common import SECRET, VoipCase
from .kamailio_harness import SIP_PORT, Baresip, DigestPhone, KamailioProcess
from .sip_harness import Sipp

EXTENSION = "2601"
PASSWORD = "kamailio-test-pw-2601"
NONCE_EXPIRE = 3


@tagged("post_install", "-at_install")
class TestKamailio(VoipCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        # committed, on a connection of its own: Kamailio reads it
        with db_connect(get_db_name()).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            user = new_test_user(
                env,
                "kamailio_phone",
                groups="calendoc_agenda.group_calendoc_secretary",
                name="Secrétaire Kamailio",
            )
            env["calendoc.sip.endpoint"].create(
                {"user_id": user.id, "extension": EXTENSION, "sip_password": PASSWORD}
            )
            cls.phone_user_id = user.id
        cls.addClassCleanup(cls._drop_committed, cls.phone_user_id)
        super().setUpClass()

    @classmethod
    def _drop_committed(cls, user_id):
        with db_connect(get_db_name()).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["calendoc.sip.endpoint"].search([("user_id", "=", user_id)]).unlink()
            user = env["res.users"].browse(user_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()
            cr.execute(
                f"DELETE FROM {KAMAILIO_LOCATION} WHERE username = %s",  # noqa: S608
                [EXTENSION],
            )

    def setUp(self):
        super().setUp()
        self.clear_location()
        self.kamailio = self.start_kamailio()
        # wait_for_call's failure message prints the SIP server's log
        self.bridge = self.kamailio

    def start_kamailio(self):
        kamailio = KamailioProcess(
            self.base_url(), SECRET, get_db_name(), nonce_expire=NONCE_EXPIRE
        )
        self.addCleanup(kamailio.cleanup)
        kamailio.start()
        return kamailio

    def clear_location(self):
        # a connection of its own, not the test's cursor: Kamailio's writes
        # must not wait for the test's transaction
        with db_connect(get_db_name()).cursor() as cr:
            cr.execute(
                f"DELETE FROM {KAMAILIO_LOCATION} WHERE username = %s",  # noqa: S608
                [EXTENSION],
            )

    def location(self):
        """The contacts of the test phone Kamailio keeps in PostgreSQL (read on
        a connection of its own: Kamailio commits them)."""
        with db_connect(get_db_name()).cursor() as cr:
            cr.execute(
                f"SELECT contact FROM {KAMAILIO_LOCATION} "  # noqa: S608
                "WHERE username = %s AND expires > now() AT TIME ZONE 'UTC' "
                "ORDER BY contact",
                [EXTENSION],
            )
            return [row[0] for row in cr.fetchall()]

    def phone(self, port, password=PASSWORD):
        phone = DigestPhone(EXTENSION, password, port)
        self.addCleanup(phone.close)
        return phone

    def test_baresip_registers_with_digest(self):
        """baresip registers through Kamailio with the password Odoo keeps;
        the registration is a row of PostgreSQL; stopping it unregisters."""
        baresip = Baresip(EXTENSION, PASSWORD, 5270)
        self.addCleanup(baresip.cleanup)
        self.assertTrue(
            baresip.wait_for(r"200 OK .*\[1 binding\]"),
            f"baresip:\n{baresip.log()}\nkamailio:\n{self.kamailio.log()}",
        )
        # baresip's Contact: sip:2601-<its id>@127.0.0.1:5270
        contacts = self.location()
        self.assertEqual(len(contacts), 1, contacts)
        self.assertRegex(contacts[0], rf"^sip:{EXTENSION}-[^@]+@127\.0\.0\.1:5270$")
        baresip.cleanup()
        self.assertEqual(self.location(), [])

    def test_wrong_password_refused(self):
        """A wrong password: 403 after the challenge, nothing in location; the
        HA1 of the view is the password's (and Odoo's own hash)."""
        status, answer = self.phone(5271, password="wrong").login()
        self.assertEqual(status, 403, answer)
        self.assertEqual(self.location(), [])
        # no password at all: challenged, never registered
        status, answer = self.phone(5272).register(authorize=False)
        self.assertEqual(status, 401, answer)
        self.assertIn('realm="calendoc"', answer)
        self.assertIn("qop=", answer)
        self.assertEqual(self.location(), [])
        found, ha1 = self.env["calendoc.sip.endpoint"]._digest_ha1(
            EXTENSION, "calendoc"
        )
        self.env.cr.execute(
            "SELECT ha1 FROM calendoc_sip_subscriber WHERE username = %s", [EXTENSION]
        )
        self.assertEqual(self.env.cr.fetchall(), [(ha1,)])
        self.assertTrue(found)

    def test_stale_nonce(self):
        """A refresh with a nonce past its lifetime gets 401 stale=true, and
        the phone registers again with its password (no one asked); a
        replayed nc is refused (challenged again with a new nonce)."""
        phone = self.phone(5273)
        self.assertEqual(phone.login()[0], 200)
        # the same nonce, the next nc, within its lifetime: accepted
        self.assertEqual(phone.register()[0], 200)
        # a replayed nc (the counter sent again): refused, a new nonce given
        replayed = phone.challenge["nonce"]
        phone.nc -= 1
        status, answer = phone.register()
        self.assertEqual(status, 401, answer)
        self.assertNotEqual(phone.challenge["nonce"], replayed)
        self.assertEqual(phone.register()[0], 200)
        time.sleep(NONCE_EXPIRE + 1.5)
        status, answer = phone.register()
        self.assertEqual(status, 401, answer)
        self.assertIn("stale=true", answer.lower())
        status, answer = phone.register()  # the new nonce, same password
        self.assertEqual(status, 200, answer)
        self.assertEqual(self.location(), [f"sip:{EXTENSION}@127.0.0.1:5273"])

    def test_two_devices(self):
        """Two devices of one secretary both registered; one leaving (Expires:
        0) keeps the other."""
        desk, soft = self.phone(5274), self.phone(5275)
        self.assertEqual(desk.login()[0], 200)
        status, answer = soft.login()
        self.assertEqual(status, 200, answer)
        # NAT: the answer names the address the REGISTER came from
        self.assertRegex(answer, r"Via: .*;rport=5275;received=127\.0\.0\.1")
        contacts = re.search(r"^Contact: (.*)$", answer, re.M).group(1)
        self.assertEqual(contacts.count("<sip:"), 2, answer)
        self.assertEqual(
            self.location(),
            [f"sip:{EXTENSION}@127.0.0.1:5274", f"sip:{EXTENSION}@127.0.0.1:5275"],
        )
        status, _answer = soft.register(expires=0)
        self.assertEqual(status, 200)
        self.assertEqual(self.location(), [f"sip:{EXTENSION}@127.0.0.1:5274"])

    def test_restart_keeps_registrations(self):
        """Kamailio restarted: the registration, read back from PostgreSQL,
        still reaches the phone (a call of the trunk rings it)."""
        self.put_on_duty()
        self.register_sipp_phone(5276)
        self.kamailio.stop()
        self.kamailio = self.bridge = self.start_kamailio()
        self.assertEqual(self.location(), [f"sip:{EXTENSION}@127.0.0.1:5276"])
        self.assert_call_reaches_phone(5276)

    def test_incoming_call_rings_registered_phone(self):
        """The trunk calls the practice line: Kamailio asks Odoo (signed
        "ringing" event), which routes it to the secretaries on duty; the
        phone registered for the committed secretary rings (asked to
        auto-answer, as set in Odoo) and answers; the
        answer (by that extension) and the end are Odoo's events too."""
        self.put_on_duty()
        self.register_sipp_phone(5278)
        self.assert_call_reaches_phone(5278)
        # the answer and the trunk's BYE reached Odoo: who answered, when
        call = self.wait_for_call([("called_number", "=", "+33241112233")])
        self.assertIn(self.phone_user_id, call.rung_user_ids.ids)
        self.assertEqual(
            call.secretary_id.id, self.phone_user_id, call.event_ids.mapped("payload")
        )
        self.assertEqual(call.outcome, "answered")
        self.assertEqual(
            call.event_ids.mapped("kind"), ["ringing", "answered", "ended"]
        )
        # signed with the secret, which Kamailio never logs
        self.assertNotIn(SECRET, self.kamailio.log())

    def test_incoming_call_without_auto_answer(self):
        """A phone whose auto-answer is off in Odoo is rung without
        Call-Info answer-after=0 (with it on, the test above checks it)."""
        self.put_on_duty()
        self.env["calendoc.sip.endpoint"].search(
            [("user_id", "=", self.phone_user_id)]
        ).auto_answer = False
        self.env.cr.flush()
        self.register_sipp_phone(5287)
        self.assert_call_reaches_phone(5287, auto_answer=False)

    def test_incoming_call_nobody_registered(self):
        """Odoo names the secretary, but her phone is not registered: 480."""
        self.put_on_duty()
        trunk = Sipp(
            "kamailio_trunk_refused.xml",
            5280,
            f"127.0.0.1:{SIP_PORT}",
            caller="0612345678",
            called="+33241112233",
            status=480,
        )
        self.addCleanup(trunk.cleanup)
        self.assertEqual(trunk.wait(), 0, trunk.errors() + self.kamailio.log())

    def test_incoming_call_nobody_answers(self):
        """The registered phone rings past the ring time Odoo gives: Kamailio
        cancels it, the trunk gets 480 and Odoo records a missed call."""
        self.env["ir.config_parameter"].set_param("calendoc_voip.ring_seconds", 1)
        self.put_on_duty()
        self.register_sipp_phone(5282)
        phone = Sipp("phone_ring_cancelled.xml", 5282)
        self.addCleanup(phone.cleanup)
        phone.wait_listening()
        trunk = Sipp(
            "kamailio_trunk_refused.xml",
            5283,
            f"127.0.0.1:{SIP_PORT}",
            caller="0612345678",
            called="+33241112233",
            status=480,
        )
        self.addCleanup(trunk.cleanup)
        for run in (trunk, phone):
            self.assertEqual(run.wait(), 0, run.errors() + self.kamailio.log())
        call = self.wait_for_call([("called_number", "=", "+33241112233")])
        self.assertEqual(call.outcome, "missed")
        self.assertFalse(call.secretary_id)

    def test_incoming_call_abandoned(self):
        """The caller hangs up while the phone rings: Kamailio cancels the
        phone and Odoo records an abandoned call."""
        self.put_on_duty()
        self.register_sipp_phone(5285)
        phone = Sipp("phone_ring_cancelled.xml", 5285)
        self.addCleanup(phone.cleanup)
        phone.wait_listening()
        trunk = Sipp(
            "kamailio_trunk_cancel.xml",
            5286,
            f"127.0.0.1:{SIP_PORT}",
            caller="0612345678",
            called="+33241112233",
        )
        self.addCleanup(trunk.cleanup)
        for run in (trunk, phone):
            self.assertEqual(run.wait(), 0, run.errors() + self.kamailio.log())
        call = self.wait_for_call([("called_number", "=", "+33241112233")])
        self.assertEqual(call.outcome, "abandoned")

    def test_odoo_unreachable(self):
        """Odoo does not answer Kamailio: the trunk gets 503 at once, and the
        failure is logged."""
        self.kamailio.stop()
        # nothing listens on 5299 (TCP): Kamailio's request to Odoo is refused
        kamailio = KamailioProcess("http://127.0.0.1:5299", SECRET, get_db_name())
        self.addCleanup(kamailio.cleanup)
        kamailio.start()
        self.kamailio = self.bridge = kamailio
        trunk = Sipp(
            "kamailio_trunk_refused.xml",
            5289,
            f"127.0.0.1:{SIP_PORT}",
            caller="0612345678",
            called="+33241112233",
            status=503,
        )
        self.addCleanup(trunk.cleanup)
        self.assertEqual(trunk.wait(), 0, trunk.errors() + kamailio.log())
        self.assertIn("Odoo did not route the call", kamailio.log())

    def put_on_duty(self):
        """The committed secretary answers the practice's calls now."""
        self.account.calendoc_secretary_ids = [Command.link(self.phone_user_id)]
        self.env["calendoc.duty"].create(
            {
                "user_id": self.phone_user_id,
                "days": "all",
                "hour_from": 0.0,
                "hour_to": 24.0,
                "practice_ids": [Command.set(self.practice.ids)],
            }
        )
        self.env.cr.flush()

    def register_sipp_phone(self, port):
        """Register ``port`` (where a SIPp phone will listen) for the test
        extension, from another port (SIPp cannot do digest by itself)."""
        registrar = DigestPhone(EXTENSION, PASSWORD, port + 10)
        self.addCleanup(registrar.close)
        registrar.contact_port = port
        status, answer = registrar.login()
        self.assertEqual(status, 200, answer)

    def assert_call_reaches_phone(self, port, auto_answer=True):
        phone = Sipp(
            "kamailio_phone_answer.xml",
            port,
            caller="0612345678",
            auto_answer_check="check_it" if auto_answer else "check_it_inverse",
        )
        self.addCleanup(phone.cleanup)
        phone.wait_listening()
        trunk = Sipp(
            "kamailio_trunk_call.xml",
            5279,
            f"127.0.0.1:{SIP_PORT}",
            caller="0612345678",
            called="+33241112233",
        )
        self.addCleanup(trunk.cleanup)
        for run in (trunk, phone):
            self.assertEqual(
                run.wait(), 0, f"{run.errors()}\nkamailio:\n{self.kamailio.log()}"
            )

    def test_tls_and_tcp(self):
        """baresip registers over TLS (Kamailio's self-signed certificate) and
        over TCP: the contact keeps its transport."""
        for transport, port in (("tls", 5281), ("tcp", 5284)):
            baresip = Baresip(EXTENSION, PASSWORD, port, transport=transport)
            self.addCleanup(baresip.cleanup)
            self.assertTrue(
                baresip.wait_for(r"200 OK .*\[1 binding\]"),
                f"baresip:\n{baresip.log()}\nkamailio:\n{self.kamailio.log()}",
            )
            contacts = self.location()
            self.assertEqual(len(contacts), 1, contacts)
            self.assertIn(f"transport={transport}", contacts[0])
            baresip.cleanup()
            self.assertEqual(self.location(), [])

    def test_register_flood_throttled(self):
        """A flood of REGISTERs from one address: past pike's density,
        Kamailio stops answering and logs it."""
        flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(flood.close)
        flood.bind(("127.0.0.1", 5290))
        flood.settimeout(0.5)
        for number in range(40):
            flood.sendto(
                (
                    f"REGISTER sip:127.0.0.1:{SIP_PORT} SIP/2.0\r\n"
                    f"Via: SIP/2.0/UDP 127.0.0.1:5290;branch=z9hG4bKflood{number}\r\n"
                    "Max-Forwards: 70\r\n"
                    f"From: <sip:{EXTENSION}@127.0.0.1>;tag=flood{number}\r\n"
                    f"To: <sip:{EXTENSION}@127.0.0.1>\r\n"
                    f"Call-ID: flood-{number}\r\nCSeq: 1 REGISTER\r\n"
                    f"Contact: <sip:{EXTENSION}@127.0.0.1:5290>\r\n"
                    "Content-Length: 0\r\n\r\n"
                ).encode(),
                ("127.0.0.1", SIP_PORT),
            )
        answers = 0
        with contextlib.suppress(TimeoutError):
            while flood.recv(65535):
                answers += 1
        self.assertGreater(answers, 0)
        self.assertLess(answers, 30)
        self.assertIn("REGISTER flood from 127.0.0.1", self.kamailio.log())
        self.assertEqual(self.location(), [])


@tagged("post_install", "-at_install")
class TestKamailioConfig(VoipCase):
    """What Kamailio reads of Odoo, and its rendered configuration."""

    def subscribers(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT username, domain, ha1 FROM calendoc_sip_subscriber "
            "WHERE username IN ('201', '202', '203') ORDER BY username"
        )
        return self.env.cr.fetchall()

    def test_view_of_credentials(self):
        """Only active phones of active users with a password, as HA1 of the
        realm set in Odoo; never the password."""
        self.assertEqual(self.subscribers(), [])
        phones = self.env["calendoc.sip.endpoint"].search(
            [("extension", "in", ("201", "202", "203"))]
        )
        for phone in phones:
            phone.sip_password = f"pw-{phone.extension}"
        ha1 = hashlib.md5(b"201:calendoc:pw-201", usedforsecurity=False).hexdigest()
        self.assertEqual(self.subscribers()[0], ("201", "calendoc", ha1))
        self.assertEqual(len(self.subscribers()), 3)
        phones.filtered(lambda p: p.extension == "202").active = False
        self.other_secretary.active = False
        self.off_duty.active = False
        self.assertEqual([row[0] for row in self.subscribers()], ["201"])
        self.env["ir.config_parameter"].set_param("calendoc_voip.sip_realm", "cabinet")
        ha1 = hashlib.md5(b"201:cabinet:pw-201", usedforsecurity=False).hexdigest()
        self.assertEqual(self.subscribers(), [("201", "cabinet", ha1)])
        self.env.cr.execute("SELECT * FROM calendoc_sip_subscriber LIMIT 0")
        columns = [column.name for column in self.env.cr.description]
        self.assertEqual(columns, ["id", "username", "domain", "ha1"])

    def test_render(self):
        """The secret is in a file its owner alone reads, not in the
        configuration; a value that would break out of the configuration's
        strings is refused."""
        out = tempfile.mkdtemp(prefix="calendoc-render-")
        self.addCleanup(shutil.rmtree, out, True)
        args = ["--out", out, "--listen", "udp:127.0.0.1:5291"]
        args += ["--odoo-url", "http://127.0.0.1:8069"]
        path = render(parse_args(args), SECRET, "postgres://kamailio@/calendoc")
        with open(path, encoding="utf-8") as handle:
            config = handle.read()
        self.assertNotIn(SECRET, config)
        self.assertIn("listen=udp:127.0.0.1:5291", config)
        for name in os.listdir(out):
            mode = os.stat(os.path.join(out, name)).st_mode & 0o777
            if name != "tls-cert.pem":
                self.assertEqual(mode, 0o600, name)
        with open(os.path.join(out, "secret"), encoding="utf-8") as handle:
            self.assertEqual(handle.read().strip(), SECRET)
        with self.assertRaises(ValueError):
            render(
                parse_args([*args, "--realm", 'x"; exit']), SECRET, "postgres://k@/c"
            )
        with self.assertRaises(ValueError):
            bad_listen = [*args[:2], "--listen", "udp:1.2.3.4", *args[4:]]
            render(parse_args(bad_listen), SECRET, "x")
