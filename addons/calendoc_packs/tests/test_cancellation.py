from datetime import datetime

from odoo.tests import freeze_time, new_test_user, tagged

from .common import PacksCase

MONDAY = datetime(2026, 3, 23)


@tagged("post_install", "-at_install")
@freeze_time("2026-03-23 05:00:00")
class TestCancellationCredits(PacksCase):
    """The credit rule for cancellations (readme/USAGE.md): an appointment's
    credit is consumed when it is booked and is not given back when it is
    cancelled, nor when a manager deletes it once cancelled."""

    def appointment_moves(self, event):
        return self.env["calendoc.credit.move"].search(
            [
                ("origin_model", "=", "calendar.event"),
                ("origin_id", "=", event.id),
                ("kind", "=", "appointment"),
            ]
        )

    def test_a_cancelled_appointment_keeps_its_credit_charged(self):
        self.grant()
        event = self.book(MONDAY.replace(hour=8))
        self.assertEqual(self.account._calendoc_balances()["appointment"], 4)

        event.with_user(self.secretary).calendoc_cancel("Patient empêché")

        self.assertEqual(event.calendoc_state, "cancelled")
        self.assertEqual(self.account._calendoc_balances()["appointment"], 4)
        moves = self.appointment_moves(event)
        self.assertEqual(moves.mapped("move_type"), ["consumption"])
        self.assertFalse(
            self.env["calendoc.credit.move"].search(
                [("account_id", "=", self.account.id), ("move_type", "=", "refund")]
            )
        )

        manager = new_test_user(
            self.env,
            login="cancellation_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        event.with_user(manager).unlink()
        self.assertEqual(self.account._calendoc_balances()["appointment"], 4)
        # the ledger is append-only: the charge outlives the appointment
        self.assertEqual(self.appointment_moves(event).mapped("quantity"), [-1])
