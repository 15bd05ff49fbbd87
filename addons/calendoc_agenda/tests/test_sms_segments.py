from odoo.tests import TransactionCase, tagged

from ..tools.sms_segments import sms_segments


@tagged("post_install", "-at_install")
class TestSmsSegments(TransactionCase):
    def assertCount(self, text, encoding, units, segments):
        count = sms_segments(text)
        self.assertEqual(
            (count.encoding, count.units, count.segments),
            (encoding, units, segments),
            text[:20],
        )

    def test_gsm7_single_and_concatenated(self):
        self.assertCount("", "gsm7", 0, 0)
        self.assertCount("a" * 160, "gsm7", 160, 1)
        self.assertCount("a" * 161, "gsm7", 161, 2)
        self.assertCount("a" * 306, "gsm7", 306, 2)
        self.assertCount("a" * 307, "gsm7", 307, 3)

    def test_french_accents_of_the_gsm_table_stay_gsm7(self):
        self.assertCount("Rendez-vous confirmé à 9h, àèéùì", "gsm7", 32, 1)
        # ê and ç (lower case) are not in the GSM 03.38 table: the whole SMS turns UCS-2.
        self.assertEqual(sms_segments("Fête").encoding, "ucs2")
        self.assertEqual(sms_segments("reçu").encoding, "ucs2")

    def test_euro_sign_counts_two_units(self):
        self.assertCount("€" * 80, "gsm7", 160, 1)
        self.assertCount("€" * 81, "gsm7", 162, 2)

    def test_escape_is_never_split_across_segments(self):
        # 152 plain characters then '€' (2 units) would straddle the 153 boundary.
        self.assertEqual(sms_segments("a" * 152 + "€" + "a" * 10).segments, 2)
        self.assertEqual(sms_segments("a" * 152 + "€" + "a" * 152).segments, 3)

    def test_ucs2_and_emoji(self):
        self.assertCount("ê" * 70, "ucs2", 70, 1)
        self.assertCount("ê" * 71, "ucs2", 71, 2)
        self.assertCount("🙂", "ucs2", 2, 1)
        # 66 units then an emoji (a surrogate pair) cannot straddle the 67 boundary.
        self.assertEqual(sms_segments("ê" * 66 + "🙂" + "ê" * 66).segments, 3)
