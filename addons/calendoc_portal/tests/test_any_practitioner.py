import re
from collections import defaultdict
from datetime import datetime

import pytz

from odoo.tests import tagged

from .common import PortalCase

ANY_LINK = re.compile(r"practitioner_id=(\d+)&amp;start=([0-9T:-]+)&amp;any=1")


@tagged("post_install", "-at_install")
class TestAnyPractitioner(PortalCase):
    def offered(self, text):
        """{local day: [(start, practitioner id)]} of the "any" slot links."""
        tz = pytz.timezone(self.practice.tz or "Europe/Paris")
        days = defaultdict(list)
        for practitioner_id, start in ANY_LINK.findall(text):
            start = datetime.fromisoformat(start)
            day = pytz.utc.localize(start).astimezone(tz).date()
            days[day].append((start, int(practitioner_id)))
        return days

    def test_any_practitioner_goes_to_the_least_busy_of_the_day(self):
        self.assertLess(self.doctor.id, self.doctor2.id)
        url = f"/rdv/cabinet-test?type_id={self.consult.id}&week=1"
        before = self.offered(self.url_open(url).text)
        self.assertTrue(before)
        # ties (nobody booked yet) go to the first practitioner
        self.assertEqual(
            {p for slots in before.values() for _s, p in slots}, {self.doctor.id}
        )
        day, slots = sorted(before.items())[0]
        self.book(slots[0][0], practitioner=self.doctor)
        after = self.offered(self.url_open(url).text)
        # that day Dr Bruno has fewer appointments: he gets the next bookings
        self.assertEqual({p for _s, p in after[day]}, {self.doctor2.id})
        self.assertIn((slots[0][0], self.doctor2.id), after[day])
        # the other days stay with the first practitioner
        for other_day, other_slots in after.items():
            if other_day != day:
                self.assertEqual({p for _s, p in other_slots}, {self.doctor.id})

    def test_lost_race_on_any_offers_the_other_practitioners(self):
        url = f"/rdv/cabinet-test?type_id={self.consult.id}&week=1"
        start, practitioner_id = sorted(self.offered(self.url_open(url).text).items())[
            0
        ][1][0]
        self.assertEqual(practitioner_id, self.doctor.id)
        slot = {"start": start, "practitioner_id": self.doctor.id}
        token = self.csrf(self.book_url(slot) + "&any=1")
        # a secretary books Dr Alice at that time between display and confirm
        self.book(start, practitioner=self.doctor)
        data = self.identity(
            csrf_token=token,
            type_id=self.consult.id,
            practitioner_id=self.doctor.id,
            start=start.isoformat(),
            any="1",
        )
        response = self.url_open("/rdv/cabinet-test/book", data=data)
        self.assertEqual(response.status_code, 409)
        # the same time is offered again, with Dr Bruno who is still free
        offered = [s for slots in self.offered(response.text).values() for s in slots]
        self.assertIn((start, self.doctor2.id), offered)
        self.assertEqual(len(self.online_events()), 0)
