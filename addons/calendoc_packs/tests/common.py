import subprocess

from odoo import Command

from odoo.addons.calendoc_agenda.tests.common import CalendocCase


def pay_with_demo_provider(env, order):
    """Pay ``order`` online with Odoo's demo provider (module payment_demo),
    as its payment form does: a transaction, then the provider's "done"
    notification and the post-processing. Returns the transaction."""
    provider = env.ref("payment.payment_provider_demo")
    provider.state = "test"
    Transaction = env["payment.transaction"].sudo()
    tx = Transaction.create(
        {
            "provider_id": provider.id,
            "payment_method_id": provider.payment_method_ids[:1].id,
            "amount": order.amount_total,
            "currency_id": order.currency_id.id,
            "partner_id": order.partner_id.id,
            "reference": f"CDOC-{order.name}",
            "operation": "online_direct",
            "sale_order_ids": [Command.set(order.ids)],
        }
    )
    Transaction._handle_notification_data(
        "demo", {"reference": tx.reference, "simulated_state": "done"}
    )
    tx._post_process()
    return tx


PDF_TIMEOUT = 120


def pdf_text(pdf):
    """The text of ``pdf`` (bytes) as ``pdftotext`` reads it, its white space
    made single spaces (a table cell may wrap)."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=PDF_TIMEOUT,
    ).stdout.decode()
    return " ".join(text.split())


class PacksCase(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Template = cls.env["product.template"]
        credits = cls.env["calendoc.credit.kind"]._credit_commands
        cls.pack_rdv = Template.create(
            {
                "name": "Pack Avantage 5 RDV",
                "type": "service",
                "is_calendoc_pack": True,
                "calendoc_offer": "avantage",
                "calendoc_credit_ids": credits({"appointment": 5, "sms": 10}),
                "list_price": 100.0,
            }
        )
        cls.pack_combined = Template.create(
            {
                "name": "Pack Premium 3 crédits",
                "type": "service",
                "is_calendoc_pack": True,
                "calendoc_offer": "premium",
                "calendoc_credit_ids": credits({"combined": 3}),
                "list_price": 10.0,
            }
        )
        cls.Pack = cls.env["calendoc.pack"]

    def grant(self, template=None, account=None, key="test"):
        return self.Pack._create_pack(
            account or self.account, template or self.pack_rdv, 1, key_prefix=key
        )

    def ledger_sum(self, account=None):
        moves = self.env["calendoc.credit.move"].search(
            [("account_id", "=", (account or self.account).id)]
        )
        return sum(moves.mapped("quantity"))
