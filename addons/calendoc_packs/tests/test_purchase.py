from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import str2bool

from odoo.addons.calendoc_agenda.tools.local_time import format_day

from .common import PacksCase, pay_with_demo_provider


@tagged("post_install", "-at_install")
class TestPurchase(PacksCase):
    def pay_by_transfer(self, order):
        """Invoice the order and register the bank transfer, as an accountant
        reconciling the client's payment would."""
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        return invoice

    def test_pack_paid_by_bank_transfer_grants_its_credits_once(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.account.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.pack_rdv.product_variant_id.id,
                            "product_uom_qty": 2,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self.assertFalse(
            self.account.calendoc_pack_ids, "nothing is granted before payment"
        )
        self.env["res.lang"]._activate_lang("fr_FR")
        self.account.lang = "fr_FR"
        invoice = self.pay_by_transfer(order)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        pack = self.account.calendoc_pack_ids
        # the account's chatter says until when, in words (not an ISO date)
        note = self.account.message_ids.filtered(lambda m: "Pack" in (m.body or ""))
        self.assertIn(format_day(self.env, pack.date_end, "fr_FR"), note[:1].body)
        self.assertNotIn(str(pack.date_end), note[:1].body)
        self.assertEqual(len(pack), 1)
        self.assertEqual(
            {move.kind: move.quantity for move in pack.grant_move_ids},
            {"appointment": 10, "sms": 20},
        )
        self.assertEqual(pack.invoice_id, invoice)
        self.assertEqual(self.account._calendoc_balances()["appointment"], 10)
        self.assertEqual(self.account.calendoc_offer, "avantage")
        with self.assertRaisesRegex(UserError, "already granted"):
            self.Pack._grant_from_invoice_line(pack.invoice_line_id)
        self.assertEqual(self.account._calendoc_balances()["appointment"], 10)
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            order._action_cancel()

    def test_pack_paid_online_with_the_demo_provider_is_invoiced_and_granted(self):
        # out of the box: a pack paid online is invoiced at once (its paid
        # invoice grants the credits and shows on the client's portal)
        self.assertTrue(
            str2bool(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param("sale.automatic_invoice")
            )
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.account.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.pack_combined.product_variant_id.id}
                    )
                ],
            }
        )
        pay_with_demo_provider(self.env, order)
        self.assertEqual(order.state, "sale")
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.account.calendoc_pack_ids.invoice_id, invoice)
        self.assertEqual(self.account._calendoc_balances()["combined"], 3)
        self.assertEqual(
            order.calendoc_terms_version_id, self.env.ref("calendoc_packs.terms_2018")
        )

    def test_a_pack_quotation_carries_the_french_20_percent_vat(self):
        # the demo's packs are made before the chart of accounts: they take the
        # company's default sale tax when the chart loads
        for template, price in (
            (self.env.ref("calendoc_packs.demo_pack_standard_100"), 29.0),
            (self.pack_rdv, 100.0),
        ):
            with self.subTest(pack=template.name):
                order = self.env["sale.order"].create(
                    {
                        "partner_id": self.account.id,
                        "order_line": [
                            Command.create(
                                {"product_id": template.product_variant_id.id}
                            )
                        ],
                    }
                )
                line = order.order_line
                self.assertEqual(line.tax_id.mapped("amount"), [20.0])
                self.assertEqual(line.tax_id.invoice_label, "TVA 20%")
                self.assertEqual(order.currency_id.name, "EUR")
                self.assertAlmostEqual(order.amount_untaxed, price)
                self.assertAlmostEqual(order.amount_tax, price * 0.2)
                self.assertAlmostEqual(order.amount_total, price * 1.2)

    def test_pack_product_needs_credits_and_validity(self):
        with self.assertRaisesRegex(Exception, "positive number of credits"):
            self.env["product.template"].create(
                {"name": "Vide", "is_calendoc_pack": True, "calendoc_offer": "standard"}
            )
