from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCallPersonalData(TransactionCase):
    """Calls declare the requester's data they hold (invariant 4): the list
    calendoc_gdpr reads for access, erasure and retention."""

    def test_calls_declare_the_numbers_the_requester_and_the_recording(self):
        self.assertEqual(
            set(self.env["calendoc.call"]._calendoc_personal_fields),
            {"caller_number", "called_number", "requester_id", "recording_id"},
        )
        self.assertEqual(
            self.env["calendoc.call.event"]._calendoc_personal_fields, ("payload",)
        )

    def test_every_declared_field_exists(self):
        for model in ("calendoc.call", "calendoc.call.event"):
            records = self.env[model]
            for name in records._calendoc_personal_fields:
                with self.subTest(model=model, field=name):
                    self.assertIn(name, records._fields)
