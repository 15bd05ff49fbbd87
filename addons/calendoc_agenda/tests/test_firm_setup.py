import base64
from pathlib import Path

from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CalendocCase

LOGO = Path(__file__).resolve().parent.parent / "static/img/demo_company_logo.png"


@tagged("post_install", "-at_install")
class TestFirmSetup(CalendocCase):
    """The first-run set-up of the firm (issue 19, point 5), as a secretariat
    manager without developer mode."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="calendoc_firm_manager",
            groups="calendoc_agenda.group_calendoc_manager",
            name="Gestionnaire Test",
        )
        cls.company = cls.env.company

    def form_fields(self, user):
        Setup = self.env["calendoc.firm.setup"].with_user(user)
        views = Setup.get_views([(False, "form")])
        arch = etree.fromstring(views["views"]["form"]["arch"])
        return {node.get("name") for node in arch.iter("field")}

    def values(self, **overrides):
        return {
            "name": "Télésecrétariat du Maine",
            "street": "4 place du Ralliement",
            "zip": "49000",
            "city": "Angers",
            "country_id": self.env.ref("base.fr").id,
            "phone": "+33 2 41 11 22 33",
            "email": "contact@maine.example.fr",
            "website": "https://maine.example.fr",
            "vat": "FR19812345676",
            "company_registry": "81234567600017",
            "logo": base64.b64encode(LOGO.read_bytes()),
            "bank_acc_number": "FR76 3000 4005 5000 0123 4567 840",
            **overrides,
        }

    def test_a_manager_without_developer_mode_finds_the_setup_in_the_menu(self):
        self.assertFalse(self.manager.has_group("base.group_no_one"))
        self.assertFalse(self.manager.has_group("base.group_system"))
        menu = self.env.ref("calendoc_agenda.calendoc_firm_setup_menu")
        visible = self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        action = (
            self.env["ir.actions.actions"]
            .with_user(self.manager)
            ._for_xml_id("calendoc_agenda.calendoc_firm_setup_action")
        )
        self.assertEqual(action["res_model"], "calendoc.firm.setup")
        fields = self.form_fields(self.manager)
        self.assertLessEqual(
            {"name", "street", "city", "logo", "vat", "company_registry"}, fields
        )
        self.assertIn("bank_acc_number", fields)
        # the gateways' credentials are the system administrator's
        self.assertNotIn("calendoc_sms_provider", fields)
        self.assertNotIn("calendoc_ovh_application_secret", fields)

    def test_the_setup_opens_on_the_company_as_it_is(self):
        self.company.write({"name": "Secrétariat Test", "company_registry": "123"})
        Setup = self.env["calendoc.firm.setup"].with_user(self.manager)
        values = Setup.default_get(["name", "company_registry", "bank_acc_number"])
        self.assertEqual(values["name"], "Secrétariat Test")
        self.assertEqual(values["company_registry"], "123")

    def test_a_manager_saves_the_firm_and_its_bank_account(self):
        Setup = self.env["calendoc.firm.setup"].with_user(self.manager)
        Setup.create(self.values()).action_save()
        company = self.company
        self.assertEqual(company.name, "Télésecrétariat du Maine")
        self.assertEqual(company.partner_id.name, "Télésecrétariat du Maine")
        self.assertEqual(
            (company.street, company.zip, company.city, company.country_id.code),
            ("4 place du Ralliement", "49000", "Angers", "FR"),
        )
        self.assertEqual(company.vat, "FR19812345676")
        self.assertEqual(company.company_registry, "81234567600017")
        self.assertEqual(company.email, "contact@maine.example.fr")
        self.assertTrue(company.logo)
        banks = company.partner_id.bank_ids
        self.assertIn(
            "FR7630004005500001234567840", banks.mapped("sanitized_acc_number")
        )
        # saved twice: still one account of that number
        Setup.create(self.values()).action_save()
        self.assertEqual(
            company.partner_id.bank_ids.mapped("sanitized_acc_number").count(
                "FR7630004005500001234567840"
            ),
            1,
        )

    def test_a_wrong_iban_or_siret_is_refused_and_changes_nothing(self):
        name = self.company.name
        banks = self.company.partner_id.bank_ids
        Setup = self.env["calendoc.firm.setup"].with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "IBAN"):
            Setup.create(
                self.values(bank_acc_number="FR76 3000 4005 5000 0123 4567 841")
            ).action_save()
        with self.assertRaisesRegex(ValidationError, "SIRET"):
            Setup.create(self.values(company_registry="81234567600018")).action_save()
        self.assertEqual(self.company.name, name)
        self.assertEqual(self.company.partner_id.bank_ids, banks)

    def test_a_secretary_cannot_set_the_firm_up(self):
        Setup = self.env["calendoc.firm.setup"].with_user(self.secretary)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            Setup.create(self.values()).action_save()
        self.assertNotEqual(self.company.name, "Télésecrétariat du Maine")

    def test_a_manager_cannot_change_the_sms_gateway_through_it(self):
        params = self.env["ir.config_parameter"]
        params.set_param("calendoc_agenda.sms_provider", "iap")
        Setup = self.env["calendoc.firm.setup"].with_user(self.manager)
        with mute_logger("odoo.models"):
            try:
                Setup.create(self.values(calendoc_sms_provider="ovh")).action_save()
            except AccessError:
                pass
        self.assertEqual(params.get_param("calendoc_agenda.sms_provider"), "iap")

    def test_an_administrator_sets_the_sms_gateway_there_too(self):
        admin = self.env.ref("base.user_admin")
        self.assertFalse(admin.has_group("base.group_no_one"))
        fields = self.form_fields(admin)
        self.assertLessEqual(
            {"calendoc_sms_provider", "calendoc_ovh_service_name"}, fields
        )
        Setup = self.env["calendoc.firm.setup"].with_user(admin)
        defaults = Setup.default_get(list(Setup._fields))
        Setup.create(
            {
                **defaults,
                **self.values(),
                "calendoc_sms_provider": "ovh",
                "calendoc_ovh_service_name": "sms-ab12345-1",
                "calendoc_ovh_sender": "SecretOuest",
            }
        ).action_save()
        params = self.env["ir.config_parameter"]
        self.assertEqual(params.get_param("calendoc_agenda.sms_provider"), "ovh")
        self.assertEqual(
            params.get_param("calendoc_agenda.ovh_service_name"), "sms-ab12345-1"
        )
        self.assertEqual(self.company.name, "Télésecrétariat du Maine")
