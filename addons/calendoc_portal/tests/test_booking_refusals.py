from odoo import Command
from odoo.tests import tagged

from .common import PortalCase


@tagged("post_install", "-at_install")
class TestBookingRefusals(PortalCase):
    """Only a slot taken is answered "slot taken" (409, with the next free
    slots): the agenda's other refusals come back on the form, with what is
    wrong (400)."""

    def post(self, slot, token):
        data = self.identity(
            csrf_token=token,
            type_id=self.consult.id,
            practitioner_id=slot["practitioner_id"],
            start=slot["start"].isoformat(),
        )
        return self.url_open("/rdv/cabinet-test/book", data=data)

    def test_practitioner_who_does_not_consult_here_is_not_a_slot_taken(self):
        slot = self.free_slots(practitioner=self.doctor)[0]
        token = self.csrf(self.book_url(slot))
        requesters = self.requesters()
        # the agenda no longer counts the practice among Dr Alice's (as after
        # a schedule restored from the archive) while the slot engine still
        # reads her hours there: the booking is refused by the appointment's
        # own check, not by a taken slot
        self.doctor.practice_ids = [Command.unlink(self.practice.id)]
        response = self.post(slot, token)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Dr Alice Test does not consult at Cabinet Test", response.text)
        self.assertNotIn("was just booked by someone else", response.text)
        self.assertNotIn('id="calendoc_next_slots"', response.text)
        # the form again, as the visitor filled it
        self.assertIn('id="calendoc_last_name"', response.text)
        self.assertIn('value="Martin"', response.text)
        self.assertFalse(self.online_events())
        self.assertEqual(self.requesters(), requesters)
