from odoo.tests import tagged

from .common import PortalCase


@tagged("post_install", "-at_install")
class TestGdprRestrictionOnline(PortalCase):
    """A requester whose processing is restricted (GDPR article 18) cannot be
    booked from the public page either: the visitor reads a clear message on
    the form (400), nothing is created."""

    def test_a_restricted_returning_patient_gets_a_message_not_a_booking(self):
        patient = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.account.id,
                "calendoc_last_name": "Martin",
                "calendoc_first_name": "Paul",
                "calendoc_birthdate": "1980-05-17",
                "mobile": "06 98 76 54 32",
            }
        )
        patient.calendoc_restricted = True
        slot = self.free_slots()[0]
        response = self.post_booking(slot)
        self.assertEqual(response.status_code, 400)
        self.assertIn("please call the practice", response.text)
        self.assertIn('id="calendoc_last_name"', response.text)
        self.assertFalse(self.online_events())
        # lifted: the same booking goes through
        patient.calendoc_restricted = False
        response = self.post_booking(slot)
        self.assertEqual(response.status_code, 303, response.text[:300])
        self.assertEqual(self.online_events().calendoc_requester_id, patient)
