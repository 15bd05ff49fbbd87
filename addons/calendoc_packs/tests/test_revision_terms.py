from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import PacksCase


@tagged("post_install", "-at_install")
class TestRevisionAndTerms(PacksCase):
    def test_syntec_revision_rounds_to_the_cent_and_keeps_history(self):
        Index = self.env["calendoc.syntec.index"]
        s0 = Index.create({"date": "2025-08-01", "value": 281.4})
        s1 = Index.create({"date": "2026-08-01", "value": 288.9})
        self.pack_rdv.list_price = 119.0
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Cabinets partenaires",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": self.pack_rdv.id,
                            "compute_price": "fixed",
                            "fixed_price": 99.99,
                        }
                    )
                ],
            }
        )
        wizard = self.env["calendoc.price.revision.wizard"].create(
            {
                "index_old_id": s0.id,
                "index_new_id": s1.id,
                "pricelist_ids": [Command.set(pricelist.ids)],
            }
        )
        action = wizard.action_apply()
        # 119.00 x 288.9 / 281.4 = 122.1716... -> 122.17; 99.99 x ... = 102.6549... -> 102.65
        self.assertAlmostEqual(self.pack_rdv.list_price, 122.17, places=2)
        self.assertAlmostEqual(pricelist.item_ids.fixed_price, 102.65, places=2)
        revision = self.env["calendoc.price.revision"].browse(action["res_id"])
        self.assertEqual(revision.index_old_id, s0)
        line = revision.line_ids.filtered(lambda rl: rl.pricelist_id == pricelist)
        self.assertEqual((line.old_price, round(line.new_price, 2)), (99.99, 102.65))
        # the next revision starts from the last S1
        self.assertEqual(
            self.env["calendoc.price.revision.wizard"].create({}).index_old_id, s1
        )

    def test_revision_without_an_index_changes_nothing(self):
        self.pack_rdv.list_price = 50.0
        s1 = self.env["calendoc.syntec.index"].create(
            {"date": "2026-08-01", "value": 288.9}
        )
        with self.assertRaisesRegex(UserError, "S0 and S1"):
            self.env["calendoc.price.revision.wizard"].create(
                {"index_old_id": False, "index_new_id": s1.id}
            ).action_apply()
        self.assertEqual(self.pack_rdv.list_price, 50.0)
        with self.assertRaises(ValidationError):
            self.env["calendoc.syntec.index"].create(
                {"date": "2026-09-01", "value": -1}
            )

    @freeze_time("2026-03-23 08:00:00")
    def test_objecting_client_keeps_old_terms_until_its_pack_ends(self):
        old = self.env.ref("calendoc_packs.terms_2018")
        pack = self.grant()  # valid until 2026-06-23
        new = self.env["calendoc.terms.version"].create(
            {"name": "CG 2026", "date_effective": "2026-04-01"}
        )
        self.env["res.lang"]._activate_lang("fr_FR")
        self.account.lang = "fr_FR"
        new.action_publish()
        body = self.account.message_ids[0].body
        self.assertIn("CG 2026", body)
        # days in the client's words, not ISO dates
        self.assertIn("mercredi 1 avril 2026", body)
        self.assertIn("6 avril 2026", body)
        self.assertNotIn("2026-04", body)
        Terms = self.env["calendoc.terms.version"]
        self.env["calendoc.terms.objection"].create(
            {"version_id": new.id, "account_id": self.account.id}
        )
        self.assertEqual(Terms._in_force_for(self.account, pack.date_end), old)
        self.assertEqual(Terms._in_force_for(self.other_account, pack.date_end), new)
        with freeze_time("2026-06-24"):
            self.assertEqual(Terms._in_force_for(self.account), new)
        with (
            freeze_time("2026-04-20"),
            self.assertRaisesRegex(UserError, "accepted until"),
        ):
            self.env["calendoc.terms.objection"].create(
                {"version_id": new.id, "account_id": self.other_account.id}
            )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.account.id,
                "order_line": [
                    Command.create({"product_id": self.pack_rdv.product_variant_id.id})
                ],
            }
        )
        with freeze_time("2026-04-02"):
            order.action_confirm()
        self.assertEqual(order.calendoc_terms_version_id, old)

    def test_invoice_amount_in_french_words_and_vat_checked(self):
        self.assertTrue(
            self.env.ref("base.main_company").display_invoice_amount_total_words
        )
        euro = self.env.ref("base.EUR")
        words = euro.with_context(lang="fr_FR").amount_to_text(119.0)
        self.assertIn("Cent Dix-Neuf", words)
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(
                {
                    "name": "Mauvais TVA",
                    "country_id": self.env.ref("base.fr").id,
                    "vat": "FR12345",
                }
            )
        self.env["res.partner"].create(
            {
                "name": "Bonne TVA",
                "country_id": self.env.ref("base.fr").id,
                "vat": "FR40303265045",
            }
        )
