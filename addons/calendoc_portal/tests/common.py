"""Shared set-up of the portal tests: the agenda's account, practice and
practitioners (CalendocCase), packs (PacksCase), the practice open to online
booking, and portal users of this account and of another one."""

import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user

from odoo.addons.calendoc_packs.tests.common import PacksCase

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def signup_form(terms, **values):
    """What a new client types in the sign-up form (a valid SIRET, the terms
    in force accepted), with ``values`` instead."""
    return {
        "company_name": "Cabinet Nouveau",
        "siret": "442 119 616 00013",
        "street": "1 rue des Lices",
        "zip": "49100",
        "city": "Angers",
        "name": "Claire Nouvel",
        "email": "claire@cabinet-nouveau.fr",
        "password": "un mot de passe sûr",
        "password_confirm": "un mot de passe sûr",
        "terms_version_id": terms.id,
        "accept_terms": "1",
        **values,
    }


class PortalCase(HttpCase, PacksCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the pages in English (asked by the visitors' cookie, see setUp),
        # whatever languages the database has
        cls.env["res.lang"]._activate_lang("en_US")
        cls.practice.write(
            {
                "online_booking": True,
                "online_slug": "cabinet-test",
                "online_terms": "Conditions du cabinet Test",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        pack = cls.Pack._create_pack(
            cls.account, cls.pack_rdv, 2, key_prefix="portal-test"
        )
        # valid whatever the time zone of whoever books around midnight
        pack.date_start -= timedelta(days=1)
        cls.client_admin = cls._portal_user(
            "client_admin", cls.account, "calendoc_agenda.group_calendoc_portal_client"
        )
        cls.other_admin = cls._portal_user(
            "other_admin",
            cls.other_account,
            "calendoc_agenda.group_calendoc_portal_client",
        )
        cls.doctor_user = cls._portal_user(
            "doctor_portal",
            cls.account,
            "calendoc_agenda.group_calendoc_portal_practitioner",
        )
        cls.doctor.user_id = cls.doctor_user
        cls.plain_portal = new_test_user(
            cls.env,
            login="plain_portal",
            password="plain_portal",
            groups="base.group_portal",
        )

    def setUp(self):
        super().setUp()
        # the pages in English whatever languages the database has
        self.opener.cookies.set("frontend_lang", "en_US")
        # requests counted before the test (a benchmark run) do not count
        self.env.cr.execute("DELETE FROM calendoc_portal_throttle")

    @classmethod
    def _portal_user(cls, login, account, group):
        # the firm's policy asks 12 characters; HttpCase.authenticate() opens
        # the session without checking the password
        user = new_test_user(
            cls.env, login=login, password=f"{login}-password", groups=group
        )
        user.partner_id.parent_id = account
        return user

    # --- helpers -------------------------------------------------------------------
    def free_slots(self, days_from=3, days=14, practitioner=None):
        """Free online slots of the consultation, at least ``days_from`` days
        ahead (past the cancellation notice)."""
        start = fields.Datetime.now().replace(second=0, microsecond=0) + timedelta(
            days=days_from
        )
        return self.env["calendoc.slot.engine"]._find_slots(
            self.consult,
            start,
            start + timedelta(days=days),
            practitioners=practitioner,
            online=True,
        )

    def book_url(self, slot, key="cabinet-test"):
        return (
            f"/rdv/{key}/book?type_id={self.consult.id}"
            f"&practitioner_id={slot['practitioner_id']}"
            f"&start={slot['start'].isoformat()}"
        )

    def csrf(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return CSRF.search(response.text).group(1)

    def identity(self, **values):
        return {
            "last_name": "Martin",
            "first_name": "Paul",
            "birthdate": "1980-05-17",
            "mobile": "06 98 76 54 32",
            "email": "paul.martin@example.fr",
            "accept_terms": "1",
            "accept_sms": "1",
            # the version of the practice's terms the form showed
            "terms_version": str(self.practice.online_terms_version),
            **values,
        }

    def post_booking(self, slot, allow_redirects=False, csrf=True, **values):
        url = self.book_url(slot)
        data = self.identity(**values)
        data.update(
            type_id=self.consult.id,
            practitioner_id=slot["practitioner_id"],
            start=slot["start"].isoformat(),
        )
        if csrf:
            data["csrf_token"] = self.csrf(url)
        return self.url_open(
            "/rdv/cabinet-test/book", data=data, allow_redirects=allow_redirects
        )

    def online_events(self):
        return self.env["calendar.event"].search(
            [
                ("calendoc_source", "=", "online"),
                ("calendoc_practice_id", "=", self.practice.id),
            ]
        )

    def requesters(self):
        return self.env["res.partner"].search(
            [
                ("is_calendoc_requester", "=", True),
                ("calendoc_account_id", "=", self.account.id),
            ]
        )
