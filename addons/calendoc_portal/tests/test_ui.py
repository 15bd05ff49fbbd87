from odoo.tests import HttpCase, tagged

from odoo.addons.calendoc_agenda.tests.common import always_open_practice


@tagged("post_install", "-at_install")
class TestOnlineBookingUi(HttpCase):
    def test_new_patient_books_online_in_the_browser(self):
        env = self.env(context={"tracking_disable": True})
        _account, practice, doctor, consult = always_open_practice(
            env,
            {"online_booking": True, "online_slug": "cabinet-tour"},
            {"online_bookable": True},
        )
        self.start_tour(
            f"/rdv/cabinet-tour?type_id={consult.id}&week=1",
            "calendoc_online_booking_tour",
        )
        booked = env["calendar.event"].search(
            [("calendoc_practice_id", "=", practice.id)]
        )
        self.assertEqual(len(booked), 1)
        self.assertEqual(booked.calendoc_source, "online")
        self.assertEqual(booked.calendoc_practitioner_id, doctor)
        self.assertTrue(booked._calendoc_online_can_change())
        self.assertEqual(booked.calendoc_requester_id.name, "TOURNESOL Tryphon")
        self.assertEqual(
            str(booked.calendoc_requester_id.calendoc_birthdate), "1950-02-03"
        )

    def test_new_client_signs_up_buys_and_pays_a_pack_in_the_browser(self):
        env = self.env(context={"tracking_disable": True})
        env["ir.config_parameter"].set_param("sale.automatic_invoice", True)
        # the demo provider is the only payment provider offered
        env["payment.provider"].search([]).write({"is_published": False})
        demo = env.ref("payment.payment_provider_demo")
        demo.write({"state": "test", "is_published": True})
        if not env["calendoc.terms.version"]._in_force_for(env["res.partner"]):
            env["calendoc.terms.version"].create(
                {"name": "CGV", "date_effective": "2018-05-25", "state": "published"}
            )
        # the tour's pack, the only one on sale
        env["product.template"].search([("is_calendoc_pack", "=", True)]).write(
            {"sale_ok": False}
        )
        env["product.template"].create(
            {
                "name": "Pack Tour 5 RDV",
                "type": "service",
                "is_calendoc_pack": True,
                "calendoc_offer": "avantage",
                "calendoc_appointment_credits": 5,
                "list_price": 100.0,
            }
        )
        self.start_tour("/calendoc/signup", "calendoc_signup_tour")
        account = env["res.partner"].search([("calendoc_siret", "=", "44211961600013")])
        self.assertEqual(account.name, "Cabinet Tournesol")
        self.assertTrue(account.is_calendoc_client)
        self.assertEqual(account._calendoc_balances()["appointment"], 5)
        order = env["sale.order"].search(
            [("partner_id.commercial_partner_id", "=", account.id)]
        )
        self.assertEqual(order.state, "sale")
        self.assertIn(order.invoice_ids.payment_state, ("paid", "in_payment"))
