"""An SMS that is not sent gives its credits back (issue 19): one refund row
in the ledger per failure of an attempt, never two, whatever how many times
the failure is reported; an SMS sent again is paid again."""

import json

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import PacksCase


class SmsCase(PacksCase):
    def setUp(self):
        super().setUp()
        self.grant()
        # sudo: the SMS queue is the system's (as _calendoc_queue_sms writes it)
        self.sms = (
            self.env["sms.sms"]
            .sudo()
            .create(
                {
                    "number": "+33612345678",
                    "body": "Rendez-vous confirmé",
                    "partner_id": self.requester.id,
                    "calendoc_kind": "confirmation",
                    "calendoc_account_id": self.account.id,
                }
            )
        )

    def moves(self, move_type):
        return self.env["calendoc.credit.move"].search(
            [("account_id", "=", self.account.id), ("move_type", "=", move_type)]
        )

    def sms_left(self):
        return self.account._calendoc_balances()["sms"]


@tagged("post_install", "-at_install")
class TestSmsRefund(SmsCase):
    def test_failed_sms_is_refunded_once(self):
        self.assertEqual(self.sms_left(), 9)
        self.sms._update_sms_state_and_trackers(
            "error", failure_type="sms_number_format"
        )
        refund = self.moves("refund")
        self.assertEqual(len(refund), 1)
        self.assertEqual(
            (refund.quantity, refund.kind, refund.key, refund.origin_id),
            (1, "sms", f"sms.sms:{self.sms.id}:refund", self.sms.id),
        )
        self.assertEqual(refund.balance_after, 10)
        self.assertEqual(self.sms_left(), 10)
        # the gateway reports the failure again, a manager marks it again
        self.sms._update_sms_state_and_trackers("error", failure_type="sms_server")
        self.sms.action_set_error("sms_server")
        self.account._calendoc_refund_credits(f"sms.sms:{self.sms.id}", self.sms)
        self.assertEqual(self.moves("refund"), refund)
        self.assertEqual(self.sms_left(), 10)
        self.assertEqual(self.ledger_sum(), 15)

    def test_cancelled_sms_is_refunded(self):
        self.sms.action_set_canceled()
        self.assertEqual(len(self.moves("refund")), 1)
        self.assertEqual(self.sms_left(), 10)

    def test_sent_sms_keeps_its_charge(self):
        self.sms._update_sms_state_and_trackers("pending")
        self.sms._update_sms_state_and_trackers("sent")
        self.assertFalse(self.moves("refund"))
        self.assertEqual(self.sms_left(), 9)

    def test_sms_sent_again_is_paid_again_and_refunded_again(self):
        self.sms.action_set_error("sms_server")
        self.sms.action_set_outgoing()
        self.assertEqual(self.sms_left(), 9)
        self.assertEqual(self.sms.calendoc_attempt, 1)
        self.sms.action_set_error("sms_server")
        self.sms.action_set_error("sms_server")
        self.assertEqual(self.sms_left(), 10)
        self.assertEqual(
            sorted(self.moves("refund").mapped("key")),
            [f"sms.sms:{self.sms.id}:1:refund", f"sms.sms:{self.sms.id}:refund"],
        )

    def test_charge_split_over_packs_is_refunded_pack_by_pack(self):
        self.grant(self.pack_combined, key="combined")
        # 9 SMS credits left, then 3 combined ones: 11 segments take both
        self.account._calendoc_consume_credits("sms", 11, "split", None)
        charges = self.env["calendoc.credit.move"].search(
            [("key", "in", ("split", "split#2"))]
        )
        self.assertEqual(len(charges), 2)
        refunds = self.account._calendoc_refund_credits("split", None)
        self.assertEqual(len(refunds), 2)
        self.assertEqual(
            sorted(refunds.mapped("quantity")),
            sorted(-q for q in charges.mapped("quantity")),
        )
        self.assertEqual(self.account._calendoc_balances()["sms"], 9)
        self.assertEqual(self.account._calendoc_balances()["combined"], 3)
        self.assertEqual(self.account._calendoc_refund_credits("split", None), refunds)
        self.assertEqual(len(self.moves("refund")), 2)

    def test_unknown_charge_refunds_nothing(self):
        self.assertFalse(self.account._calendoc_refund_credits("nothing", None))
        self.assertFalse(self.moves("refund"))


@tagged("post_install", "-at_install")
class TestSmsDeliveryReports(HttpCase, SmsCase):
    """IAP reports what became of an SMS at Odoo's /sms/status."""

    def report(self, status, uuids):
        return self.url_open(
            "/sms/status",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "message_statuses": [{"sms_status": status, "uuids": uuids}]
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )

    def test_undelivered_sms_is_refunded_once_and_kept(self):
        self.sms._update_sms_state_and_trackers("pending")
        for _report in range(2):
            response = self.report("not_delivered", [self.sms.uuid])
            self.assertEqual(response.json().get("result"), "OK", response.text)
        self.sms.invalidate_recordset()
        self.assertEqual(self.sms.state, "error")
        self.assertFalse(self.sms.to_delete)
        self.assertEqual(len(self.moves("refund")), 1)
        self.assertEqual(self.sms_left(), 10)

    def test_delivered_sms_keeps_its_charge(self):
        self.sms._update_sms_state_and_trackers("pending")
        self.report("delivered", [self.sms.uuid])
        self.sms.invalidate_recordset()
        self.assertEqual(self.sms.state, "sent")
        self.assertFalse(self.moves("refund"))
        self.assertEqual(self.sms_left(), 9)

    @mute_logger("odoo.http")
    def test_malformed_report_changes_nothing(self):
        self.sms._update_sms_state_and_trackers("pending")
        for statuses in ("x", [{"sms_status": "not_delivered"}], [], [{"uuids": 3}]):
            with self.subTest(statuses=statuses):
                response = self.url_open(
                    "/sms/status",
                    data=json.dumps(
                        {
                            "jsonrpc": "2.0",
                            "method": "call",
                            "params": {"message_statuses": statuses},
                        }
                    ),
                    headers={"Content-Type": "application/json"},
                )
                self.assertEqual(
                    response.json()["error"]["data"]["name"],
                    "odoo.exceptions.UserError",
                )
        self.sms.invalidate_recordset()
        self.assertEqual(self.sms.state, "pending")
        self.assertFalse(self.moves("refund"))
