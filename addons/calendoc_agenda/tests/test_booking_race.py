"""N real database connections race for one slot: exactly one booking wins."""

import threading
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

THREADS = 8


@tagged("post_install", "-at_install")
class TestBookingRace(BaseCase):
    """Runs on committed data (other connections must see it) and removes it:
    the only tests that commit, hence the pylint exceptions."""

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            account = env["res.partner"].create(
                {"name": "Race account", "is_company": True, "is_calendoc_client": True}
            )
            calendar = env["resource.calendar"].create({"name": "Race hours"})
            practice = env["calendoc.practice"].create(
                {"name": "Race practice", "account_id": account.id}
            )
            doctor = env["calendoc.practitioner"].create(
                {"name": "Dr Race", "account_id": account.id}
            )
            env["calendoc.schedule"].create(
                {
                    "practitioner_id": doctor.id,
                    "practice_id": practice.id,
                    "calendar_id": calendar.id,
                }
            )
            requester = env["res.partner"].create(
                {
                    "name": "Race requester",
                    "is_calendoc_requester": True,
                    "calendoc_account_id": account.id,
                }
            )
            self.ids = {
                "account": account.id,
                "calendar": calendar.id,
                "practice": practice.id,
                "doctor": doctor.id,
                "requester": requester.id,
            }
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["calendar.event"].with_context(active_test=False).search(
                [("calendoc_practitioner_id", "=", self.ids["doctor"])]
            ).unlink()
            env["calendoc.practice"].browse(self.ids["practice"]).unlink()
            doctor = env["calendoc.practitioner"].browse(self.ids["doctor"])
            resource, partner = doctor.resource_id, doctor.partner_id
            doctor.unlink()
            resource.unlink()
            # Archived, not deleted: other addons (credits) may keep rows about
            # the account, which this agenda test need not know.
            (
                partner
                | env["res.partner"].browse(
                    [self.ids["requester"], self.ids["account"]]
                )
            ).write({"active": False})
            env["resource.calendar"].browse(self.ids["calendar"]).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def test_racing_bookings_of_one_slot_give_exactly_one_appointment(self):
        start = datetime(2030, 1, 7, 9, 0)
        barrier = threading.Barrier(THREADS)
        outcomes = []

        def book(offset):
            try:
                with self.db.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                    barrier.wait(timeout=30)
                    try:
                        env["calendar.event"].create(
                            {
                                "calendoc_practitioner_id": self.ids["doctor"],
                                "calendoc_practice_id": self.ids["practice"],
                                "calendoc_requester_id": self.ids["requester"],
                                # overlapping, not identical, ranges
                                "start": start + timedelta(minutes=offset),
                                "stop": start + timedelta(minutes=offset + 30),
                            }
                        )
                        cr.commit()  # pylint: disable=invalid-commit
                        outcomes.append("booked")
                    except ValidationError as exc:
                        cr.rollback()
                        outcomes.append(("refused", str(exc)))
            except Exception as exc:  # noqa: BLE001 - any other error fails the test below
                outcomes.append(("error", repr(exc)))

        threads = [threading.Thread(target=book, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        self.assertEqual(len(outcomes), THREADS, outcomes)
        self.assertEqual(outcomes.count("booked"), 1, outcomes)
        refused = [o for o in outcomes if o != "booked"]
        self.assertTrue(all(o[0] == "refused" for o in refused), refused)
        with self.db.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM calendar_event WHERE calendoc_practitioner_id = %s",
                (self.ids["doctor"],),
            )
            self.assertEqual(cr.fetchone()[0], 1)
