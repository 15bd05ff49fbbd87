from datetime import date, datetime

from odoo.tests import TransactionCase, tagged

from ..tools import params


@tagged("post_install", "-at_install")
class TestParams(TransactionCase):
    """What routes receive is parsed and bounded in one place: each hostile
    form of a value gives "not one" (None, a default, or a user error),
    never a Python or PostgreSQL exception."""

    def test_ids_are_ascii_digits_postgresql_can_hold(self):
        for value, expected in (
            ("42", 42),
            (42, 42),
            (str(params.MAX_ID), params.MAX_ID),
            (str(params.MAX_ID + 1), None),
            (2**31, None),
            ("9" * 400, None),
            (int("9" * 400), None),
            ("²", None),
            ("１２", None),
            ("٣", None),
            ("-1", None),
            (0, None),
            ("", None),
            ("1\x00", None),
            (True, None),
            (None, None),
            (["1"], None),
            (1.0, None),
        ):
            with self.subTest(value=value):
                self.assertEqual(params.parse_id(value), expected)

    def test_bounded_ints_fall_back_to_their_default(self):
        self.assertEqual(params.parse_int("3", 0, 10, 0), 3)
        self.assertEqual(params.parse_int("-2", -5, 5, 0), -2)
        for value in ("11", "-1", "²", "１", "9" * 400, "", None, [], "3.5", True):
            with self.subTest(value=value):
                self.assertEqual(params.parse_int(value, 0, 10, 7), 7)

    def test_timestamps_are_short_ascii_digits(self):
        self.assertEqual(params.parse_timestamp("1700000000"), 1700000000)
        self.assertEqual(params.parse_timestamp(1700000000), 1700000000)
        for value in ("²", "１７００", "9" * 400, "-5", "", "1.5", None, 10**12):
            with self.subTest(value=value):
                self.assertIsNone(params.parse_timestamp(value))

    def test_epochs_are_numbers_within_the_years_allowed(self):
        self.assertEqual(params.parse_epoch(1700000000.5), 1700000000.5)
        self.assertEqual(params.parse_epoch(1700000000), 1700000000.0)
        for value in (
            int("9" * 400),
            -int("9" * 400),
            1e308,
            float("inf"),
            float("nan"),
            "1700000000",
            True,
            None,
            [],
        ):
            with self.subTest(value=value):
                self.assertIsNone(params.parse_epoch(value))

    def test_dates_are_iso_within_the_years_allowed(self):
        self.assertEqual(params.parse_date("2026-03-23"), date(2026, 3, 23))
        self.assertEqual(params.parse_date(date(2026, 3, 23)), date(2026, 3, 23))
        self.assertEqual(
            params.parse_datetime("2026-03-23T08:30:00"), datetime(2026, 3, 23, 8, 30)
        )
        self.assertEqual(
            params.parse_datetime("2026-03-23 08:30:00"), datetime(2026, 3, 23, 8, 30)
        )
        for value in (
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "２０２６-03-23",
            "2026-02-30",
            "2026-03-23\x00",
            "x" * 100_000,
            "",
            None,
            ["2026-03-23"],
            date(9999, 12, 31),
        ):
            with self.subTest(value=value):
                self.assertIsNone(params.parse_date(value))
                self.assertIsNone(params.parse_datetime(value))
        self.assertIsNone(params.parse_datetime("2026-03-23T08:30:00+01:00"))
        self.assertIsNone(params.parse_datetime(datetime(9999, 12, 31)))

    def test_text_is_a_string_without_nul_within_its_length(self):
        self.assertEqual(params.parse_text("Jeanne"), "Jeanne")
        self.assertEqual(params.parse_text("Ѕесrеt"), "Ѕесrеt")
        self.assertEqual(params.parse_text(""), "")
        for value in ("Jea\x00nne", "x" * (params.MAX_TEXT + 1), None, ["x"], 3):
            with self.subTest(value=value):
                self.assertIsNone(params.parse_text(value))

    def test_typed_text_is_refused_with_the_field_named(self):
        env = self.env(context={"lang": "en_US"})
        self.assertEqual(params.check_text(env, "  Jeanne ", "Name"), "Jeanne")
        self.assertEqual(params.check_text(env, None, "Name"), "")
        self.assertEqual(params.check_text(env, " pass ", "Pw", strip=False), " pass ")
        with self.assertRaisesRegex(params.InvalidInput, "Name holds characters"):
            params.check_text(env, "Jea\x00nne", "Name")
        with self.assertRaisesRegex(params.InvalidInput, "Name holds characters"):
            params.check_text(env, ["Jeanne"], "Name")
        with self.assertRaisesRegex(params.InvalidInput, "Name is too long: 10"):
            params.check_text(env, "x" * 11, "Name", max_length=10)

    def test_tokens_are_compared_as_bytes(self):
        self.assertTrue(params.same_token("abc-123", "abc-123"))
        for given in ("abc-124", "Ѕесrеt", "²", "abc-12\x00", "", None, ["abc-123"]):
            with self.subTest(given=given):
                self.assertFalse(params.same_token("abc-123", given))
        self.assertTrue(params.same_token("Ѕесrеt", "Ѕесrеt"))
        # no secret set: nothing matches, not even nothing
        self.assertFalse(params.same_token("", ""))
        self.assertFalse(params.same_token(False, ""))

    def test_nul_bytes_are_found_anywhere_in_json(self):
        self.assertFalse(params.json_has_nul({"a": [1, "b", {"c": None}]}))
        for value in ("\x00", {"a\x00": 1}, {"a": ["b", {"c": "\x00"}]}):
            with self.subTest(value=value):
                self.assertTrue(params.json_has_nul(value))
