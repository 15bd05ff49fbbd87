from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCallPersonalData(TransactionCase):
    """Calls declare the requester's data they hold (invariant 4): the list
    calendoc_gdpr reads for access, erasure and retention (that every declared
    field exists is checked for all models by the suite's
    tests/test_personal_data.py)."""

    def test_calls_declare_the_numbers_the_requester_and_the_recording(self):
        self.assertEqual(
            set(self.env["calendoc.call"]._calendoc_personal_fields),
            {"caller_number", "called_number", "requester_id", "recording_id"},
        )
        self.assertEqual(
            self.env["calendoc.call.event"]._calendoc_personal_fields, ("payload",)
        )
