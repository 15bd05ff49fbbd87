from odoo.addons.calendoc_agenda.tests.common import CalendocCase


class PacksCase(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Template = cls.env["product.template"]
        cls.pack_rdv = Template.create(
            {
                "name": "Pack Avantage 5 RDV",
                "type": "service",
                "is_calendoc_pack": True,
                "calendoc_offer": "avantage",
                "calendoc_appointment_credits": 5,
                "calendoc_sms_credits": 10,
                "list_price": 100.0,
            }
        )
        cls.pack_combined = Template.create(
            {
                "name": "Pack Premium 3 crédits",
                "type": "service",
                "is_calendoc_pack": True,
                "calendoc_offer": "premium",
                "calendoc_combined_credits": 3,
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
