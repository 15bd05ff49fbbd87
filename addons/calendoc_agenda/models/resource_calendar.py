from datetime import date, datetime, time, timedelta

import pytz
from dateutil.easter import easter

from odoo import api, models

from ..tools.tz import timezone, tz_name


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    @api.model
    def _calendoc_french_holidays(self, year):
        """The eleven public holidays of metropolitan France in ``year``."""
        easter_day = easter(year)
        return [
            (date(year, 1, 1), "Jour de l'an"),
            (easter_day + timedelta(days=1), "Lundi de Pâques"),
            (date(year, 5, 1), "Fête du travail"),
            (date(year, 5, 8), "Victoire 1945"),
            (easter_day + timedelta(days=39), "Ascension"),
            (easter_day + timedelta(days=50), "Lundi de Pentecôte"),
            (date(year, 7, 14), "Fête nationale"),
            (date(year, 8, 15), "Assomption"),
            (date(year, 11, 1), "Toussaint"),
            (date(year, 11, 11), "Armistice 1918"),
            (date(year, 12, 25), "Noël"),
        ]

    def _calendoc_add_french_holidays(self, years):
        """Add the French public holidays of ``years`` to this calendar as global
        time off (whole days in the default time zone, Paris), skipping the days it already has."""
        self.ensure_one()
        paris = timezone()
        existing = set(self.global_leave_ids.mapped("date_from"))
        values = []
        for year in years:
            for day, name in self._calendoc_french_holidays(year):
                start = paris.localize(datetime.combine(day, time())).astimezone(
                    pytz.utc
                )
                stop = paris.localize(
                    datetime.combine(day + timedelta(days=1), time())
                ).astimezone(pytz.utc)
                start, stop = start.replace(tzinfo=None), stop.replace(tzinfo=None)
                if start not in existing:
                    values.append(
                        {
                            "name": name,
                            "calendar_id": self.id,
                            "date_from": start,
                            "date_to": stop,
                            "resource_id": False,
                        }
                    )
        self.env["resource.calendar.leaves"].create(values)

    @api.model
    def _calendoc_install_french_holidays(self):
        calendar = self.env.ref("calendoc_agenda.resource_calendar_holidays_fr")
        calendar.tz = tz_name()  # the holidays of metropolitan France
        this_year = date.today().year
        calendar._calendoc_add_french_holidays(range(this_year - 1, this_year + 4))
