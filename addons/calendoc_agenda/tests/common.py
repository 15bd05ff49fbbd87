"""Shared set-up of the CalenDoc tests: one client account with one practice in
Paris time, two practitioners, an appointment type, a secretary and a requester.
Other addons import ``CalendocCase`` from here."""

from datetime import datetime

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


def weekly(name, hours, days=range(5)):
    """A resource.calendar with the same ``hours`` [(from, to), ...] on ``days``."""
    return {
        "name": name,
        "tz": "Europe/Paris",
        "attendance_ids": [Command.clear()]
        + [
            Command.create(
                {
                    "name": f"{name} {day}",
                    "dayofweek": str(day),
                    "hour_from": hour_from,
                    "hour_to": hour_to,
                    "day_period": "morning" if hour_from < 12 else "afternoon",
                }
            )
            for day in days
            for hour_from, hour_to in hours
        ],
    }


def always_open_practice(env, practice_values=None, type_values=None):
    """A client account "Compte Tour" with a practice "Cabinet Tour", open every
    day all day (browser tours find a free slot whatever the day and hour the
    suite runs), one practitioner "Dr Tour" and a "Consultation" type without
    notice. Returns (account, practice, practitioner, appointment type)."""
    account = env["res.partner"].create(
        {"name": "Compte Tour", "is_company": True, "is_calendoc_client": True}
    )
    calendar = env["resource.calendar"].create(
        weekly("Toujours", [(0.0, 24.0)], days=range(7))
    )
    practice = env["calendoc.practice"].create(
        {"name": "Cabinet Tour", "account_id": account.id, **(practice_values or {})}
    )
    doctor = env["calendoc.practitioner"].create(
        {"name": "Dr Tour", "account_id": account.id}
    )
    env["calendoc.schedule"].create(
        {
            "practitioner_id": doctor.id,
            "practice_id": practice.id,
            "calendar_id": calendar.id,
        }
    )
    apt_type = env["calendoc.appointment.type"].create(
        {
            "name": "Consultation",
            "practice_id": practice.id,
            "min_notice_hours": 0,
            "practitioner_ids": [Command.set(doctor.ids)],
            **(type_values or {}),
        }
    )
    return account, practice, doctor, apt_type


class CalendocCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.account = cls.env["res.partner"].create(
            {
                "name": "Maison de santé Test",
                "is_company": True,
                "is_calendoc_client": True,
                "calendoc_permanence_code": "TEST01",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        cls.other_account = cls.env["res.partner"].create(
            {
                "name": "Autre cabinet",
                "is_company": True,
                "is_calendoc_client": True,
                "calendoc_permanence_code": "OTHER01",
            }
        )
        Calendar = cls.env["resource.calendar"]
        # Monday to Friday 8:30-12:00 and 14:00-18:00, Paris time.
        cls.calendar = Calendar.create(weekly("Cabinet", [(8.5, 12.0), (14.0, 18.0)]))
        cls.holidays = Calendar.create(
            {"name": "Fériés", "attendance_ids": [Command.clear()]}
        )
        cls.practice = cls.env["calendoc.practice"].create(
            {
                "name": "Cabinet Test",
                "account_id": cls.account.id,
                "tz": "Europe/Paris",
                "holiday_calendar_id": cls.holidays.id,
            }
        )
        Practitioner = cls.env["calendoc.practitioner"]
        cls.doctor = Practitioner.create(
            {
                "name": "Dr Alice Test",
                "account_id": cls.account.id,
                "tz": "Europe/Paris",
            }
        )
        cls.doctor2 = Practitioner.create(
            {
                "name": "Dr Bruno Test",
                "account_id": cls.account.id,
                "tz": "Europe/Paris",
            }
        )
        cls.env["calendoc.schedule"].create(
            [
                {
                    "practitioner_id": practitioner.id,
                    "practice_id": cls.practice.id,
                    "calendar_id": cls.calendar.id,
                }
                for practitioner in cls.doctor | cls.doctor2
            ]
        )
        cls.consult = cls.env["calendoc.appointment.type"].create(
            {
                "name": "Consultation",
                "practice_id": cls.practice.id,
                "duration_minutes": 30,
                "min_notice_hours": 0,
                "max_horizon_days": 365,
                "online_bookable": True,
                "practitioner_ids": [Command.set((cls.doctor | cls.doctor2).ids)],
            }
        )
        cls.secretary = new_test_user(
            cls.env,
            login="calendoc_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
            name="Secrétaire Test",
        )
        cls.account.calendoc_secretary_ids = [Command.link(cls.secretary.id)]
        cls.requester = cls.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.account.id,
                "calendoc_last_name": "Dupont",
                "calendoc_first_name": "Jeanne",
                "mobile": "06 12 34 56 78",
                "email": "jeanne.dupont@example.fr",
            }
        )

    @staticmethod
    def utc(*args):
        """A naive UTC datetime, the way Odoo stores them."""
        return datetime(*args)

    def book(self, start, practitioner=None, apt_type=None, **values):
        apt_type = apt_type or self.consult
        return self.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": (practitioner or self.doctor).id,
                "calendoc_type_id": apt_type.id,
                "calendoc_requester_id": self.requester.id,
                "start": start,
                **values,
            }
        )
