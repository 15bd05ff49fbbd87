from datetime import timedelta

from odoo.tests import HttpCase, new_test_user, tagged

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
                "calendoc_credit_ids": env["calendoc.credit.kind"]._credit_commands(
                    {"appointment": 5}
                ),
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

    def _online_practice(self):
        env = self.env(context={"tracking_disable": True})
        return env, *always_open_practice(
            env,
            {"online_booking": True, "online_slug": "cabinet-tour"},
            {"online_bookable": True},
        )

    def test_returning_patient_books_online_in_the_browser(self):
        env, account, practice, _doctor, consult = self._online_practice()
        known = env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": account.id,
                "calendoc_last_name": "Tournesol",
                "calendoc_first_name": "Tryphon",
                "calendoc_birthdate": "1950-02-03",
                "mobile": "+33655443322",
                "email": "old-address@example.fr",
            }
        )
        requesters = env["res.partner"].search_count(
            [("is_calendoc_requester", "=", True)]
        )
        self.start_tour(
            f"/rdv/cabinet-tour?type_id={consult.id}&week=1",
            "calendoc_online_booking_tour",
        )
        booked = env["calendar.event"].search(
            [("calendoc_practice_id", "=", practice.id)]
        )
        self.assertEqual(len(booked), 1)
        self.assertEqual(booked.calendoc_requester_id, known)
        self.assertEqual(
            env["res.partner"].search_count([("is_calendoc_requester", "=", True)]),
            requesters,
        )

    def test_visitor_loses_a_race_for_a_slot_in_the_browser(self):
        env, _account, practice, _doctor, consult = self._online_practice()
        self.start_tour(
            f"/rdv/cabinet-tour?type_id={consult.id}&week=1",
            "calendoc_online_race_tour",
        )
        booked = env["calendar.event"].search(
            [("calendoc_practice_id", "=", practice.id)]
        )
        self.assertEqual(len(booked), 1, "one booking: the winner's")
        self.assertEqual(booked.calendoc_requester_id.name, "CASTAFIORE Bianca")
        self.assertFalse(
            env["res.partner"].search([("calendoc_last_name", "=ilike", "haddock")])
        )

    def _practitioner_with_two_patients(self):
        """Dr Tour (portal user dr_tour) and Dr Autre of the same practice, one
        appointment each: Tintin with Dr Tour, Milou with Dr Autre."""
        env, account, practice, doctor, consult = self._online_practice()
        colleague = env["calendoc.practitioner"].create(
            {"name": "Dr Autre", "account_id": account.id}
        )
        env["calendoc.schedule"].create(
            {
                "practitioner_id": colleague.id,
                "practice_id": practice.id,
                "calendar_id": doctor.schedule_ids.calendar_id.id,
            }
        )
        consult.practitioner_ids |= colleague
        env["calendoc.pack"]._create_pack(
            account,
            env["product.template"].create(
                {
                    "name": "Pack Tour",
                    "type": "service",
                    "is_calendoc_pack": True,
                    "calendoc_offer": "avantage",
                    "calendoc_credit_ids": env["calendoc.credit.kind"]._credit_commands(
                        {"appointment": 10}
                    ),
                }
            ),
            1,
            key_prefix="tour-practitioner",
        )
        start = env.cr.now().replace(tzinfo=None, minute=0, second=0, microsecond=0)
        for practitioner, name in ((doctor, "Tintin"), (colleague, "Milou")):
            patient = env["res.partner"].create(
                {
                    "is_calendoc_requester": True,
                    "calendoc_account_id": account.id,
                    "calendoc_last_name": name,
                }
            )
            env["calendar.event"].create(
                {
                    "calendoc_type_id": consult.id,
                    "calendoc_practitioner_id": practitioner.id,
                    "calendoc_requester_id": patient.id,
                    "start": start + timedelta(days=2),
                }
            )
        user = new_test_user(
            env,
            login="dr_tour",
            password="dr_tour_password",
            groups="calendoc_agenda.group_calendoc_portal_practitioner",
        )
        user.partner_id.parent_id = account
        doctor.user_id = user
        return env, account, user

    def test_practitioner_sees_only_his_own_agenda_in_the_browser(self):
        self._practitioner_with_two_patients()
        self.start_tour(
            "/my/calendoc/appointments",
            "calendoc_portal_practitioner_tour",
            login="dr_tour",
        )

    def test_practitioner_writes_to_the_secretariat_about_a_patient(self):
        env, account, user = self._practitioner_with_two_patients()
        secretary = new_test_user(
            env,
            login="tour_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        account.calendoc_secretary_ids = secretary
        self.start_tour(
            "/my/calendoc/appointments",
            "calendoc_portal_message_tour",
            login="dr_tour",
        )
        thread = env["calendoc.requester.thread"].search(
            [("account_id", "=", account.id)]
        )
        self.assertEqual(thread.name, "TINTIN")
        message = thread.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(message.author_id, user.partner_id)
        self.assertIn("Rappeler le patient", message.body)
        self.assertIn(secretary.partner_id, message.notification_ids.res_partner_id)
        self.assertTrue(thread.needs_reply)

    def test_manager_invites_a_portal_practitioner_who_signs_in(self):
        env, account, _user = self._practitioner_with_two_patients()
        account.calendoc_permanence_code = "TOUR01"
        colleague = env["calendoc.practitioner"].search(
            [("name", "=", "Dr Autre"), ("account_id", "=", account.id)]
        )
        new_test_user(
            env,
            login="tour_manager",
            password="tour_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        # without developer mode: the tour's URL has no ?debug
        self.start_tour("/odoo", "calendoc_invite_user_tour", login="tour_manager")
        invited = env["res.users"].search([("login", "=", "TOUR01/dr.autre")])
        self.assertTrue(invited.share)
        self.assertEqual(colleague.user_id, invited)
        self.assertEqual(invited.email, "dr.autre@cabinet-tour.fr")
        self.assertEqual(invited.partner_id.parent_id, account)
        # he follows the e-mailed link and chooses his password; here it is set
        invited.password = "autre-password-2026"
        self.start_tour("/web/login", "calendoc_invited_user_signin_tour")
