"""A practitioner connected to a local stand-in for Google (see google_server):
the real client code runs, only the base URLs point at 127.0.0.1."""

from datetime import date, datetime, time, timedelta

import pytz

from odoo.addons.calendoc_agenda.tests.common import CalendocCase

from .google_server import FakeGoogle

PARIS = pytz.timezone("Europe/Paris")
PRIMARY = "alice.test@example.com"


class GoogleCase(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.google = FakeGoogle().start()
        cls.addClassCleanup(cls.google.stop)
        params = cls.env["ir.config_parameter"]
        for key, value in {
            "calendoc_google.api_url": cls.google.url + "/calendar/v3",
            "calendoc_google.token_url": cls.google.url + "/token",
            "calendoc_google.auth_url": cls.google.url + "/auth",
            "calendoc_google.client_id": "calendoc-test.apps.googleusercontent.com",
            "calendoc_google.client_secret": "test-secret",
            "calendoc_google.backoff": "0.01",
            "calendoc_google.max_tries": "3",
        }.items():
            params.set_param(key, value)
        cls.manager = cls.env.ref("base.user_admin")
        # calendoc_gdpr keeps the sync off until the account authorised
        # transfers outside the EU: these tests are about the sync itself
        if "calendoc_transfer_outside_eu" in cls.account._fields:
            cls.account.calendoc_transfer_outside_eu = "authorised"
        # the Google titles are written in the practitioner's language
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.doctor.partner_id.lang = "fr_FR"

    def setUp(self):
        super().setUp()
        google = self.google
        with google.lock:
            google.calendars.clear()
            google.channels.clear()
            google.service_accounts.clear()
            google.delegated.clear()
            google.requests.clear()
            google.statuses.clear()
            google.failures.clear()
            google.token_failures.clear()
            google.access_tokens.clear()
            google.refresh_tokens = {"rt-alice"}
            google.min_sync_seq = 0
            google.page_size = 2500
        google.add_calendar(PRIMARY, "Alice", primary=True)
        google.add_calendar("family@group.calendar.google.com", "Famille")
        self.connection = self.env["calendoc.google.connection"].create(
            {
                "practitioner_id": self.doctor.id,
                "refresh_token": "rt-alice",
                "responsible_user_id": self.manager.id,
            }
        )
        self.connection.action_fetch_calendars()
        self.primary = self.connection.calendar_ids.filtered("is_primary")
        self.Push = self.env["calendoc.google.push"]

    # --- helpers -------------------------------------------------------------------
    @staticmethod
    def monday(weeks=2):
        """A Monday at least ``weeks`` weeks ahead."""
        day = date.today() + timedelta(weeks=weeks)
        return day + timedelta(days=(7 - day.weekday()) % 7)

    @staticmethod
    def paris(day, hour, minute=0):
        """Naive UTC datetime of ``day`` at hour:minute, Paris time."""
        local = PARIS.localize(datetime.combine(day, time(hour, minute)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @classmethod
    def gtime(cls, day, hour, minute=0):
        moment = PARIS.localize(datetime.combine(day, time(hour, minute)))
        return {"dateTime": moment.isoformat(), "timeZone": "Europe/Paris"}

    def busy_events(self):
        return self.env["calendar.event"].search(
            [("calendoc_google_calendar_id", "in", self.connection.calendar_ids.ids)],
            order="start",
        )

    def slot_starts(self, day):
        slots = self.env["calendoc.slot.engine"]._find_slots(
            self.consult,
            self.paris(day, 0),
            self.paris(day, 23),
            practitioners=self.doctor,
        )
        return [slot["start"] for slot in slots]

    def google_copy(self, event):
        """The Google event of appointment ``event`` on the primary calendar."""
        google_id = self.connection._google_event_id(event.id)
        return self.google.calendars[PRIMARY]["events"].get(google_id)
