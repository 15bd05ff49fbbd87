from lxml import etree

from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFirmSetupTelephony(TransactionCase):
    """The telephony bridge in the first-run set-up of the firm: for system
    administrators, without developer mode; hidden from other managers."""

    def fields_of(self, user):
        Setup = self.env["calendoc.firm.setup"].with_user(user)
        arch = etree.fromstring(
            Setup.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        return {node.get("name") for node in arch.iter("field")}

    def test_an_administrator_sets_the_bridge_in_the_first_run_setup(self):
        admin = self.env.ref("base.user_admin")
        self.assertFalse(admin.has_group("base.group_no_one"))
        self.assertLessEqual(
            {"calendoc_voip_bridge_url", "calendoc_voip_secret"}, self.fields_of(admin)
        )
        Setup = self.env["calendoc.firm.setup"].with_user(admin)
        values = Setup.default_get(list(Setup._fields))
        values.update(
            calendoc_voip_bridge_url="http://127.0.0.1:5099",
            calendoc_voip_secret="un-secret-assez-long-pour-le-pont",
        )
        Setup.create(values).action_save()
        params = self.env["ir.config_parameter"]
        self.assertEqual(
            params.get_param("calendoc_voip.bridge_url"), "http://127.0.0.1:5099"
        )
        self.assertEqual(
            params.get_param("calendoc_voip.secret"),
            "un-secret-assez-long-pour-le-pont",
        )
        # opened again, it shows what was saved
        self.assertEqual(
            Setup.default_get(["calendoc_voip_bridge_url"])["calendoc_voip_bridge_url"],
            "http://127.0.0.1:5099",
        )

    def test_a_manager_does_not_see_the_bridge_secret(self):
        manager = new_test_user(
            self.env,
            login="voip_setup_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        self.assertFalse(
            {"calendoc_voip_bridge_url", "calendoc_voip_secret"}
            & self.fields_of(manager)
        )
        self.env["ir.config_parameter"].set_param(
            "calendoc_voip.secret", "s3cret-du-pont"
        )
        values = (
            self.env["calendoc.firm.setup"]
            .with_user(manager)
            .default_get(["calendoc_voip_secret", "name"])
        )
        self.assertFalse(values.get("calendoc_voip_secret"))
        self.assertNotIn("s3cret-du-pont", str(values))
