from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTwoFactorUi(HttpCase):
    def test_client_turns_two_factor_on_and_signs_in_with_permanence_code(self):
        account = self.env["res.partner"].create(
            {
                "name": "Cabinet Authentificateur",
                "is_company": True,
                "is_calendoc_client": True,
                "calendoc_permanence_code": "TFA02",
            }
        )
        # the tour types this password and user id (calendoc_totp_tour.js)
        client = new_test_user(
            self.env,
            login="tfa_portal_client",
            password="client-pass-12",
            email="secretariat1@tfa02.example.fr",
            groups="calendoc_agenda.group_calendoc_portal_client",
        )
        client.write(
            {
                "calendoc_permanence_account_id": account.id,
                "calendoc_permanence_login": "secretariat1",
            }
        )
        client.partner_id.parent_id = account
        self.assertFalse(client.totp_enabled)
        self.start_tour(
            "/my/security", "calendoc_totp_portal_tour", login="TFA02/secretariat1"
        )
        self.assertTrue(client.totp_enabled)
        self.assertEqual(client._mfa_type(), "totp")
