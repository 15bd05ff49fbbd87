from psycopg2 import errors as pg_errors

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CalendocCase


@tagged("post_install", "-at_install")
class TestRequester(CalendocCase):
    def test_phones_are_stored_in_e164_whatever_the_format(self):
        Partner = self.env["res.partner"]
        formats = [
            "06 12 34 56 78",
            "+33 6 12 34 56 78",
            "0033612345678",
            "0612345678",
            "+33612345678",
        ]
        requesters = Partner.create(
            [
                {
                    "is_calendoc_requester": True,
                    "calendoc_account_id": self.account.id,
                    "calendoc_last_name": f"Format{i}",
                    "mobile": number,
                }
                for i, number in enumerate(formats)
            ]
        )
        self.assertEqual(
            set(requesters.mapped("calendoc_mobile_e164")), {"+33612345678"}
        )
        for number in formats:
            found = Partner._calendoc_search_by_phone(number, self.account)
            self.assertEqual(found, requesters | self.requester, number)
        self.assertFalse(
            Partner._calendoc_search_by_phone("06 12 34 56 78", self.other_account)
        )

    def test_invalid_phone_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a valid phone number"):
            self.env["res.partner"].create(
                {
                    "is_calendoc_requester": True,
                    "calendoc_account_id": self.account.id,
                    "calendoc_last_name": "Faux",
                    "mobile": "06 12",
                }
            )
        with self.assertRaises(ValidationError):
            self.requester.mobile = "not a number"
        self.assertEqual(self.requester.calendoc_mobile_e164, "+33612345678")

    def test_requester_needs_an_account_and_gets_a_full_name(self):
        self.assertEqual(self.requester.name, "DUPONT Jeanne")
        self.requester.calendoc_first_name = "Jeanne-Marie"
        self.assertEqual(self.requester.name, "DUPONT Jeanne-Marie")
        with self.assertRaisesRegex(ValidationError, "client account"):
            self.env["res.partner"].create(
                {"name": "Orphan", "is_calendoc_requester": True}
            )

    def test_client_account_siret_and_permanence_code(self):
        account = self.env["res.partner"].create(
            {"name": "Nouveau client", "is_company": True, "is_calendoc_client": True}
        )
        self.assertRegex(account.calendoc_permanence_code, r"^[A-Z2-9]{6}$")
        account.calendoc_siret = "73282932000074"
        with self.assertRaisesRegex(ValidationError, "SIRET"):
            account.calendoc_siret = "73282932000075"
        with self.assertRaisesRegex(ValidationError, "permanence code"):
            account.calendoc_permanence_code = "a b"
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(pg_errors.UniqueViolation),
            self.cr.savepoint(),
        ):
            account.calendoc_permanence_code = "TEST01"
            account.flush_recordset()

    def test_practice_line_numbers_are_normalised_and_unique(self):
        line = self.env["calendoc.practice.line"].create(
            {"practice_id": self.practice.id, "number": "02 41 00 00 99"}
        )
        self.assertEqual(line.number, "+33241000099")
        with self.assertRaisesRegex(ValidationError, "not a valid phone number"):
            line.number = "12"
        self.assertEqual(line.number, "+33241000099")
