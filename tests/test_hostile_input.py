"""The five causes of HTTP 500 found by sending malformed requests to the
public, portal, Google and telephony routes (issue 17), each closed: the
request is refused with a 4xx (or the page's own clear error) and nothing is
created or changed. The route fuzz suite (test_route_fuzz.py) tries every
route; these tests pin each cause where it was found."""

import contextlib
import json
import secrets
import time
from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.calendoc_portal.tests.common import CSRF, PortalCase, signup_form
from odoo.addons.calendoc_voip.bridge.signing import (
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    signature,
    signed_headers,
)

SECRET = "hostile-secret-0123456789"
CYRILLIC = "Ѕесrеt"  # looks like "Secret", is not ASCII
# what refusing a request logs on purpose (a warning, never an error)
REFUSAL_LOGS = ("odoo.http", "odoo.addons.calendoc_voip.controllers.main")


@tagged("post_install", "-at_install")
class TestHostileInput(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["ir.config_parameter"].set_param("calendoc_voip.secret", SECRET)
        env["calendoc.practice.line"].create(
            {"practice_id": cls.practice.id, "number": "02 41 11 22 33"}
        )
        env["calendoc.sip.endpoint"].create(
            {"user_id": cls.secretary.id, "extension": "201"}
        )
        cls.pbx = env["calendoc.pbx"].create(
            {
                "name": "Asterisk test",
                "kind": "asterisk_ari",
                "ari_url": "http://127.0.0.1:9",
                "ari_user": "calendoc",
                "ari_password": "pbx-secret",
            }
        )
        cls.connection = env["calendoc.google.connection"].create(
            {
                "practitioner_id": cls.doctor.id,
                "refresh_token": "rt-test",
                "responsible_user_id": env.ref("base.user_admin").id,
            }
        )
        cls.channel_token = secrets.token_urlsafe(24)
        cls.calendar = env["calendoc.google.calendar"].create(
            {
                "connection_id": cls.connection.id,
                "google_calendar_id": "alice@example.com",
                "read_busy": True,
                "channel_id": "channel-1",
                "channel_token": cls.channel_token,
            }
        )
        # the portal user reads his account's pages and the practitioners'
        cls.client_admin.groups_id |= env.ref(
            "calendoc_agenda.group_calendoc_portal_practitioner"
        )
        cls.account.calendoc_permanence_code = "HOSTIL"
        cls.client_admin.write(
            {
                "calendoc_permanence_account_id": cls.account.id,
                "calendoc_permanence_login": "admin1",
            }
        )
        cls.terms = env["calendoc.terms.version"]._in_force_for(env["res.partner"])
        if not cls.terms:
            cls.terms = env["calendoc.terms.version"].create(
                {"name": "CGV", "date_effective": "2018-05-25", "state": "published"}
            )

    def setUp(self):
        super().setUp()
        # Odoo's own login cooldown, kept in the process's memory, would stop
        # the logins tried here before CalenDoc's checks: off
        self.env["ir.config_parameter"].set_param("base.login_cooldown_after", 0)
        getattr(self.registry, "_login_failures", {}).clear()

    # --- helpers -------------------------------------------------------------------
    @contextlib.contextmanager
    def nothing_changes(self):
        """Asserts that no appointment, contact, user, call or PBX state is
        created or changed by what runs inside."""
        tables = ("calendar_event", "res_partner", "res_users", "calendoc_call")

        def state():
            self.env.flush_all()
            self.env.cr.execute(
                " UNION ALL ".join(
                    f"SELECT count(*), max(write_date) FROM {table}"  # noqa: S608
                    for table in (*tables, "calendoc_pbx", "calendoc_google_connection")
                )
            )
            return self.env.cr.fetchall()

        before = state()
        yield
        self.assertEqual(state(), before)

    def signed_post(self, url, payload, **headers):
        body = json.dumps(payload).encode()
        return self.url_open(
            url, data=body, headers={**signed_headers(SECRET, body), **headers}
        )

    def ringing(self, **values):
        return {
            "event": "ringing",
            "call_id": "hostile-1@trunk",
            "time": int(time.time()),
            "from": "06 12 34 56 78",
            "to": "+33241112233",
            **values,
        }

    def booking(self, **values):
        slot = self.free_slots(practitioner=self.doctor)[0]
        return self.post_booking(slot, **values)

    def signup(self, **values):
        page = self.url_open("/calendoc/signup")
        data = signup_form(
            self.terms, csrf_token=CSRF.search(page.text).group(1), **values
        )
        return self.url_open("/calendoc/signup", data=data, allow_redirects=False)

    def login(self, permanence, login, password="wrong-password"):
        page = self.url_open("/web/login")
        return self.url_open(
            "/web/login",
            data={
                "calendoc_permanence": permanence,
                "login": login,
                "password": password,
                "csrf_token": CSRF.search(page.text).group(1),
            },
            allow_redirects=False,
        )

    def notify(self, channel_id=b"channel-1", token=None):
        # a POST without a body, as Google sends (url_open would GET)
        return self.opener.post(
            f"{self.base_url()}/calendoc_google/notify",
            timeout=12,
            headers={
                "X-Goog-Channel-ID": channel_id,
                "X-Goog-Channel-Token": token or self.channel_token.encode(),
                "X-Goog-Resource-State": b"exists",
            },
        )

    def signing_headers(self, body, timestamp=None, nonce=None, given=None):
        """Signature headers of ``body`` whose parts may be replaced (bytes,
        sent raw); a replaced timestamp or nonce is signed as the server
        reads it (latin-1)."""
        headers = signed_headers(SECRET, body)
        if timestamp is not None:
            headers[HEADER_TIMESTAMP] = timestamp
        if nonce is not None:
            headers[HEADER_NONCE] = nonce
        parts = [
            value.decode("latin-1") if isinstance(value, bytes) else value
            for value in (headers[HEADER_TIMESTAMP], headers[HEADER_NONCE])
        ]
        headers[HEADER_SIGNATURE] = given or signature(SECRET, *parts, body)
        return headers

    # --- cause 1: a NUL byte reaching PostgreSQL -------------------------------------
    @mute_logger(*REFUSAL_LOGS)
    def test_nul_bytes_are_refused_before_postgresql(self):
        with self.nothing_changes():
            for values in (
                {"last_name": "Mar\x00tin"},
                {"first_name": "Pa\x00ul"},
                {"email": "paul\x00.martin@example.fr"},
            ):
                with self.subTest(booking=values):
                    response = self.booking(**values)
                    self.assertEqual(response.status_code, 400)
                    self.assertIn("cannot be read", response.text)
            self.assertEqual(self.url_open("/rdv/%00").status_code, 404)
            self.assertEqual(self.url_open("/rdv/cabinet%00test/book").status_code, 404)
            for values in (
                {"siret": "442 119 616\x00 00013"},
                {"email": "claire\x00@cabinet-nouveau.fr"},
                {"company_name": "Cabinet\x00Nouveau"},
            ):
                with self.subTest(signup=values):
                    self.assertEqual(self.signup(**values).status_code, 400)
            for permanence, login in (
                ("HOS\x00TIL", "admin1"),
                ("HOSTIL", "adm\x00in1"),
            ):
                with self.subTest(login=(permanence, login)):
                    response = self.login(permanence, login, password="admin1")
                    # the login page and its error, as for a wrong password
                    self.assertEqual(response.status_code, 200)
                    self.assertIn("alert-danger", response.text)
            # staff login with a NUL byte, and a permanence code without user id
            self.assertIn("alert-danger", self.login("", "ad\x00min").text)
            self.assertIn("alert-danger", self.login("HOSTIL", "").text)
            self.assertEqual(self.notify(channel_id=b"chan\x00nel-1").status_code, 404)
            for url, payload in (
                ("/calendoc_voip/event", self.ringing(call_id="hostile\x00@trunk")),
                ("/calendoc_voip/event", self.ringing(**{"from": "06\x0012"})),
                ("/calendoc_voip/events", {"events": [self.ringing(call_id="a\x00")]}),
                (
                    "/calendoc_voip/sip_credentials",
                    {"extension": "20\x001", "realm": "x"},
                ),
                ("/calendoc_voip/pbx_config", {"pbx": "Asterisk\x00test"}),
                (
                    "/calendoc_voip/pbx_status",
                    {"pbx": self.pbx.id, "status": "connected", "detail": "o\x00k"},
                ),
            ):
                with self.subTest(url=url, payload=payload):
                    response = self.signed_post(url, payload)
                    status = response.status_code
                    if url == "/calendoc_voip/events":
                        status = response.json()["results"][0]["status"]
                    self.assertIn(status, (400, 404))
            # a NUL byte in a signed nonce is refused before it is recorded
            body = json.dumps(self.ringing()).encode()
            response = self.url_open(
                "/calendoc_voip/event",
                data=body,
                headers=self.signing_headers(body, nonce=b"abcd\x00efgh"),
            )
            self.assertEqual(response.status_code, 401)
        self.assertFalse(self.calendar.connection_id.pull_requested)

    @mute_logger(*REFUSAL_LOGS)
    def test_a_login_without_password_or_with_a_huge_one_fails_like_a_wrong_one(self):
        """Found by the fuzz suite once Odoo's in-memory cooldown was off: Odoo's
        login needs a password (KeyError) and passlib refuses one over 4 kB."""
        with self.nothing_changes():
            for permanence, login, password in (
                ("HOSTIL", "admin1", ""),
                ("HOSTIL", "admin1", "x" * 100_000),
                ("", self.secretary.login, ""),
                ("", self.secretary.login, "x" * 5000),
            ):
                with self.subTest(login=login, password=password[:8]):
                    response = self.login(permanence, login, password=password)
                    self.assertEqual(response.status_code, 200)
                    self.assertIn("alert-danger", response.text)

    # --- cause 2: a non-ASCII string in a constant-time comparison -------------------
    @mute_logger(*REFUSAL_LOGS)
    def test_non_ascii_tokens_are_wrong_tokens(self):
        event = self.book(self.free_slots(practitioner=self.doctor)[0]["start"])
        token = event._calendoc_manage_url().rsplit("/", 1)[1]
        with self.nothing_changes():
            for forged in (CYRILLIC, token[:-1] + "²", "²" * len(token)):
                with self.subTest(token=forged):
                    url = f"/rdv/appointment/{event.id}/{forged}"
                    self.assertEqual(self.url_open(url).status_code, 404)
                    self.assertEqual(self.url_open(f"{url}/move").status_code, 404)
                    page = self.url_open(f"/rdv/appointment/{event.id}/{token}")
                    csrf = CSRF.search(page.text).group(1)
                    response = self.url_open(f"{url}/cancel", data={"csrf_token": csrf})
                    self.assertEqual(response.status_code, 404)
            for forged in (CYRILLIC.encode(), "²".encode("latin-1")):
                with self.subTest(google_token=forged):
                    self.assertEqual(self.notify(token=forged).status_code, 404)
            body = json.dumps(self.ringing()).encode()
            for given in (CYRILLIC.encode(), "²".encode("latin-1") * 64):
                with self.subTest(signature=given):
                    response = self.url_open(
                        "/calendoc_voip/event",
                        data=body,
                        headers=self.signing_headers(body, given=given),
                    )
                    self.assertEqual(response.status_code, 401)
                    self.assertEqual(response.json(), {"error": "bad signature"})
        self.assertEqual(event.calendoc_state, "booked")
        self.assertFalse(self.connection.pull_requested)

    # --- cause 3: int() of a non-digit ------------------------------------------------
    @mute_logger(*REFUSAL_LOGS)
    def test_digits_python_reads_but_nobody_types_are_not_numbers(self):
        body = json.dumps(self.ringing()).encode()
        with self.nothing_changes():
            for stamp in ("²".encode("latin-1"), "１７００００００００".encode()):
                with self.subTest(timestamp=stamp):
                    response = self.url_open(
                        "/calendoc_voip/event",
                        data=body,
                        headers=self.signing_headers(body, timestamp=stamp),
                    )
                    self.assertEqual(response.status_code, 401)
                    self.assertEqual(
                        response.json(), {"error": "malformed signature headers"}
                    )
            signature_part = self.connection._google_oauth_state().partition("-")[2]
            for state in (f"²-{signature_part}", f"１-{signature_part}", "²"):
                with self.subTest(state=state):
                    response = self.url_open(f"/calendoc_google/oauth?state={state}")
                    self.assertEqual(response.status_code, 404)
            for reference in ("²", "１"):
                with self.subTest(pbx=reference):
                    response = self.signed_post(
                        "/calendoc_voip/pbx_config", {"pbx": reference}
                    )
                    self.assertEqual(response.status_code, 404)
                    self.assertNotIn("ari", response.json())
            response = self.signed_post(
                "/calendoc_voip/pbx_status", {"pbx": "²", "status": "connected"}
            )
            self.assertEqual(response.status_code, 400)

    # --- cause 4: huge numbers ----------------------------------------------------------
    @mute_logger(*REFUSAL_LOGS)
    def test_numbers_too_big_for_a_float_or_an_id_are_refused(self):
        body = json.dumps(self.ringing()).encode()
        huge = int("9" * 400)
        with self.nothing_changes():
            response = self.url_open(
                "/calendoc_voip/event",
                data=body,
                headers=self.signing_headers(body, timestamp=b"9" * 400),
            )
            self.assertEqual(response.status_code, 401)
            for time_value in (huge, 1e308, -huge):
                with self.subTest(time=time_value):
                    response = self.signed_post(
                        "/calendoc_voip/event", self.ringing(time=time_value)
                    )
                    self.assertEqual(response.status_code, 400)
            for reference in (huge, 2**31, "9" * 400, str(2**31)):
                with self.subTest(pbx=reference):
                    response = self.signed_post(
                        "/calendoc_voip/pbx_config", {"pbx": reference}
                    )
                    self.assertIn(response.status_code, (400, 404))
            for pbx, status in ((huge, 404), (2**31, 404), (True, 400)):
                with self.subTest(status_of=pbx):
                    response = self.signed_post(
                        "/calendoc_voip/pbx_status", {"pbx": pbx, "status": "connected"}
                    )
                    self.assertEqual(response.status_code, status)
            event_url = f"/rdv/appointment/{'9' * 400}/x"
            self.assertEqual(self.url_open(event_url).status_code, 404)
            self.authenticate(self.client_admin.login, self.client_admin.login)
            self.assertEqual(
                self.url_open(f"/my/calendoc/appointments/{2**31}").status_code, 404
            )
            response = self.url_open(f"/my/calendoc/messages?page={'9' * 400}")
            self.assertEqual(response.status_code, 200)
        self.assertFalse(self.pbx.status)

    # --- cause 5: a date out of range ---------------------------------------------------
    @mute_logger(*REFUSAL_LOGS)
    def test_dates_of_year_1_and_9999_are_refused(self):
        slot = self.free_slots(practitioner=self.doctor)[0]
        with self.nothing_changes():
            for start in ("9999-12-31T00:00:00", "0001-01-01T00:00:00"):
                with self.subTest(start=start):
                    data = self.identity(
                        type_id=self.consult.id,
                        practitioner_id=self.doctor.id,
                        start=start,
                        csrf_token=self.csrf(self.book_url(slot)),
                    )
                    response = self.url_open("/rdv/cabinet-test/book", data=data)
                    self.assertEqual(response.status_code, 400)
                    self.assertIn("Please choose a slot", response.text)
                    response = self.url_open(
                        "/rdv/cabinet-test/book?"
                        f"type_id={self.consult.id}&practitioner_id={self.doctor.id}"
                        f"&start={start}"
                    )
                    self.assertEqual(response.status_code, 400)
            response = self.booking(birthdate="0001-01-01")
            self.assertEqual(response.status_code, 400)
            self.assertIn("valid birth date", response.text)
            self.authenticate(self.client_admin.login, self.client_admin.login)
            for url in (
                "/my/calendoc/appointments?scope=week&day=9999-12-31",
                "/my/calendoc/appointments?scope=day&day=0001-01-01",
                "/my/calendoc/statement?date_from=0001-01-01&date_to=9999-12-31",
            ):
                with self.subTest(url=url):
                    # the page of the default period, as for any date it
                    # cannot read
                    self.assertEqual(self.url_open(url).status_code, 200)
        # the appointment's own move page: same refusal
        event = self.book(slot["start"])
        token = event._calendoc_manage_url().rsplit("/", 1)[1]
        url = f"/rdv/appointment/{event.id}/{token}/move"
        page = self.url_open(url)
        response = self.url_open(
            url,
            data={
                "start": "9999-12-31T00:00:00",
                "csrf_token": CSRF.search(page.text).group(1),
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(event.start, slot["start"])
        self.assertEqual(
            event.stop - event.start, timedelta(minutes=self.consult.duration_minutes)
        )
