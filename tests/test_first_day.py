"""The first day in the browser (issue 19, point 10): what a new user met that
no other test saw — a widget missing from the client, a requester's history
cluttered by e-invoicing fields, a login field called "Email"."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytz
from stdnum import iban
from stdnum.fr import siret, tva

from odoo import fields
from odoo.modules.module import get_module_path
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase

# registry.category("fields").add("name", ...), and the registry kept in a
# variable (fieldRegistry.add("name", ...)) in files that name the fields one.
FIELD_ADD = re.compile(r"""\.add\(\s*["']([\w.]+)["']\s*,""")


@tagged("post_install", "-at_install")
class TestWidgetsExist(TransactionCase):
    def registered_field_widgets(self):
        modules = self.env["ir.module.module"].search([("state", "=", "installed")])
        names = set()
        for module in modules.mapped("name"):
            path = get_module_path(module, display_warning=False)
            if not path:
                continue
            for source in Path(path, "static", "src").rglob("*.js"):
                text = source.read_text(encoding="utf-8", errors="replace")
                if 'category("fields")' in text:
                    names.update(FIELD_ADD.findall(text))
        return names

    def test_every_widget_of_calendoc_views_is_in_the_client(self):
        widgets = self.registered_field_widgets()
        self.assertIn(
            "CopyClipboardChar", widgets, "the client's widgets were not read"
        )
        views = self.env["ir.ui.view"].search(
            [("type", "in", ("form", "list", "kanban", "search", "calendar"))]
        )
        own = views.filtered(lambda v: v.xml_id.startswith("calendoc_"))
        self.assertGreater(len(own), 20)
        for view in own:
            for widget in set(re.findall(r'widget="([\w.]+)"', view.arch_db or "")):
                with self.subTest(view=view.xml_id, widget=widget):
                    self.assertIn(
                        widget,
                        widgets,
                        f"{view.xml_id} uses widget {widget!r}, which no installed "
                        "module registers: the field shows without it and the "
                        "browser's console says 'Missing widget'",
                    )


@tagged("post_install", "-at_install")
class TestActionsHaveTitles(TransactionCase):
    def test_every_window_action_a_button_returns_has_a_title(self):
        """Without "name", the dialog or the breadcrumb reads "Odoo"."""
        addons = Path(__file__).resolve().parent.parent / "addons"
        actions = 0
        for path in sorted(addons.glob("calendoc_*/**/*.py")):
            if "tests" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Dict):
                    continue
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                values = [
                    v.value
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)
                    and k.value == "type"
                    and isinstance(v, ast.Constant)
                ]
                if values != ["ir.actions.act_window"]:
                    continue
                actions += 1
                with self.subTest(file=str(path.relative_to(addons)), line=node.lineno):
                    self.assertIn("name", keys, "a window action without a title")
        self.assertGreater(actions, 5, "no window action found")


@tagged("post_install", "-at_install")
class TestRequesterHistory(CalendocCase):
    def test_a_requester_history_has_no_e_invoicing_line(self):
        # CalendocCase sets up without tracking: this test is about it
        self.env = self.env(context=dict(self.env.context, tracking_disable=False))
        self.account = self.account.with_env(self.env)
        Partner = self.env["res.partner"]
        self.assertIn("peppol_eas", Partner._fields, "account_edi_ubl_cii is there")
        requester = (
            Partner.with_user(self.secretary)
            .create(
                {
                    "is_calendoc_requester": True,
                    "calendoc_account_id": self.account.id,
                    "calendoc_last_name": "Martin",
                    "calendoc_first_name": "Paul",
                    "mobile": "06 11 22 33 44",
                }
            )
            .sudo()
        )
        requester.with_user(self.secretary).write(
            {"country_id": self.env.ref("base.fr").id}
        )
        self.env.flush_all()
        self.env.cr.precommit.run()
        requester.with_user(self.secretary).write(
            {"country_id": self.env.ref("base.be").id}
        )
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = requester.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertFalse({"peppol_eas", "peppol_endpoint"} & set(tracked), tracked)
        # the accounts, which are invoiced, keep Odoo's history of them
        self.account.write({"country_id": self.env.ref("base.be").id})
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertIn(
            "peppol_eas",
            self.account.message_ids.tracking_value_ids.field_id.mapped("name"),
        )


@tagged("post_install", "-at_install")
class TestDemoHistory(TransactionCase):
    def test_demo_records_have_no_half_english_creation_line(self):
        data = self.env["ir.model.data"].search(
            [("module", "like", "calendoc_%"), ("model", "like", "calendoc.%")]
        )
        models = set(data.mapped("model"))
        self.assertIn("calendoc.practice", models, "the demo is installed")
        for model in sorted(models):
            Model = self.env[model]
            if "message_ids" not in Model._fields:
                continue
            english = self.env["ir.model"]._get(model).with_context(lang="en_US").name
            ids = data.filtered(lambda d, m=model: d.model == m).mapped("res_id")
            messages = self.env["mail.message"].search(
                [("model", "=", model), ("res_id", "in", ids)]
            )
            with self.subTest(model=model):
                self.assertFalse(
                    [m.body for m in messages if f"{english} créé" in (m.body or "")]
                )


@tagged("post_install", "-at_install")
class TestDemoBooking(HttpCase):
    def test_a_demo_practice_takes_online_bookings_at_the_link_make_run_prints(self):
        logins = Path(__file__).resolve().parent.parent / "scripts" / "logins.sh"
        link = re.search(r"/rdv/[\w-]+", logins.read_text(encoding="utf-8"))
        self.assertTrue(link, "make run prints no booking link")
        page = self.url_open(link.group(0))
        self.assertEqual(page.status_code, 200)
        self.assertIn("Cabinet des Lices", page.text)
        self.assertIn("Consultation", page.text)


@tagged("post_install", "-at_install")
class TestDemoShowsTheProduct(TransactionCase):
    def test_the_demo_has_a_call_log_a_paid_pack_and_a_delegation(self):
        calls = self.env.ref("calendoc_voip.demo_call_answered") | self.env.ref(
            "calendoc_voip.demo_call_missed"
        )
        self.assertEqual(calls.mapped("outcome"), ["answered", "missed"])
        self.assertEqual(self.env.ref("calendoc_voip.demo_call_answered").duration, 202)
        lices = self.env.ref("calendoc_agenda.demo_account_lices")
        self.assertTrue(lices._calendoc_valid_packs(), "no paid pack")
        # paid as a client pays: its invoice is on the account's portal
        invoice = lices._calendoc_valid_packs().invoice_id
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        direction = self.env["res.users"].search([("login", "=", "LICES49/direction")])
        self.assertEqual(
            self.env["account.move"]
            .with_user(direction)
            .search([("move_type", "=", "out_invoice")]),
            invoice,
        )
        delegation = self.env.ref("calendoc_agenda.demo_delegation_lices_secretary2")
        self.assertEqual(delegation.state, "active")
        # the delegation opens the Lices agenda to the Loire centre's secretary
        secretary2 = self.env.ref("calendoc_agenda.demo_user_secretary2")
        practitioners = (
            self.env["calendoc.practitioner"].with_user(secretary2).search([])
        )
        self.assertIn(lices, practitioners.mapped("account_id"))


@tagged("post_install", "-at_install")
class TestDemoWeek(TransactionCase):
    def test_the_demo_agenda_is_full_this_week_at_round_local_times(self):
        """The demo's appointments are this week's (from the install day on),
        at round local times, within each practitioner's hours, in every
        demo practice: not next week, not "08:00:32"."""
        events = self.env["calendar.event"].search(
            [
                ("calendoc_practitioner_id", "!=", False),
                ("create_date", ">=", fields.Datetime.now() - timedelta(days=7)),
            ]
        )
        demo = events.filtered(
            lambda e: (
                e.calendoc_practice_id
                in self.env.ref("calendoc_agenda.demo_practice_angers")
                | self.env.ref("calendoc_agenda.demo_practice_tours")
                | self.env.ref("calendoc_agenda.demo_practice_saumur")
            )
        )
        installed = min(demo.mapped("create_date")).date()
        self.assertGreater(len(demo), 30)
        self.assertEqual(len(demo.calendoc_practice_id), 3)
        engine = self.env["calendoc.slot.engine"]
        for event in demo:
            local = pytz.utc.localize(event.start).astimezone(
                pytz.timezone(event.calendoc_practice_id.tz)
            )
            with self.subTest(event=event.id):
                self.assertIn(local.minute, (0, 30))
                self.assertEqual(local.second, 0)
                self.assertLessEqual((local.date() - installed).days, 7)
                self.assertTrue(
                    engine._is_within_hours(
                        event.calendoc_practitioner_id,
                        event.calendoc_practice_id,
                        event.start,
                        event.stop,
                    )
                )
        # the first working day of the install has appointments in each practice
        first = min(
            pytz.utc.localize(e.start).astimezone(pytz.timezone("Europe/Paris")).date()
            for e in demo
        )
        self.assertLessEqual((first - installed).days, 3)


@tagged("post_install", "-at_install")
class TestLoginPage(HttpCase):
    def test_the_login_field_is_a_login_not_an_email(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        page = self.url_open("/web/login", headers={"Accept-Language": "fr-FR"})
        self.assertEqual(page.status_code, 200)
        label = re.search(r'<label for="login"[^>]*>\s*([^<]*?)\s*</label>', page.text)
        self.assertTrue(label, "no login field")
        self.assertEqual(label.group(1), "Identifiant")


@tagged("post_install", "-at_install")
class TestFrenchFirm(HttpCase):
    """A French firm out of the box (issue 19, point 5): make run's demo firm
    is French, in euros, with French VAT, and its clients can pay."""

    # what Odoo's own demo company shows when nobody set the firm up
    PLACEHOLDERS = ("YourCompany", "San Francisco", "Your logo")
    DOLLARS = re.compile(r"\$\s*\d|\d\s*\$")

    def test_the_demo_firm_is_french(self):
        company = self.env.ref("base.main_company")
        self.assertEqual(company.name, "Secrétariat Médical de l'Ouest")
        self.assertEqual(company.country_id.code, "FR")
        self.assertEqual(company.currency_id.name, "EUR")
        self.assertEqual((company.zip, company.city), ("49100", "Angers"))
        self.assertTrue(siret.is_valid(company.company_registry))
        self.assertTrue(tva.is_valid(company.vat))
        self.assertTrue(company.logo)
        self.assertEqual(company.chart_template, "fr")
        self.assertEqual(company.account_sale_tax_id.amount, 20.0)
        self.assertEqual(
            len(self.env["res.company"].search([])), 1, "a second demo company"
        )
        ibans = company.partner_id.bank_ids.mapped("sanitized_acc_number")
        self.assertTrue(ibans and iban.is_valid(ibans[0]), ibans)
        self.assertTrue(ibans[0].startswith("FR76"))
        # the wire transfer's instructions give that IBAN
        transfer = self.env.ref("payment.payment_provider_transfer")
        self.assertEqual((transfer.code, transfer.state), ("custom", "enabled"))
        self.assertIn(iban.format(ibans[0]), str(transfer.pending_msg))

    def test_the_login_page_shows_the_firm(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        page = self.url_open("/web/login", headers={"Accept-Language": "fr-FR"})
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("YourCompany", page.text)
        self.assertNotIn("San Francisco", page.text)

    def test_the_booking_page_shows_the_firm_not_odoo_placeholders(self):
        page = self.url_open("/rdv/cabinet-des-lices")
        self.assertEqual(page.status_code, 200)
        self.assertFalse([p for p in self.PLACEHOLDERS if p in page.text])
        self.assertFalse(self.DOLLARS.search(page.text))

    def test_the_client_pays_a_pack_by_wire_transfer_or_online(self):
        """ "Accepter & Payer" on the pack's quotation, as the demo's client
        administrator (README): wire transfer and the demo provider."""
        if not self.env.ref("payment.payment_provider_demo", raise_if_not_found=False):
            self.skipTest("payment_demo is not installed")
        self.authenticate("LICES49/direction", "direction-lices")
        packs = self.url_open("/my/calendoc/packs")
        self.assertEqual(packs.status_code, 200)
        self.assertFalse([p for p in self.PLACEHOLDERS if p in packs.text])
        token = re.search(r'name="csrf_token" value="([^"]+)"', packs.text).group(1)
        pack = self.env.ref("calendoc_packs.demo_pack_standard_100")
        response = self.url_open(
            "/my/calendoc/packs/buy",
            data={"csrf_token": token, "product_id": pack.id},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertFalse("Aucun mode de paiement disponible" in page.text)
        codes = set(re.findall(r'data-provider-code="(\w+)"', page.text))
        self.assertLessEqual({"custom", "demo"}, codes)
        # 29 € + TVA 20 %
        shown = {
            "total": "34,80</span>\xa0€" in page.text,
            "tax": "TVA 20%" in page.text,
            "dollars": bool(self.DOLLARS.search(page.text)),
            **{p: p in page.text for p in self.PLACEHOLDERS},
        }
        self.assertEqual(
            shown,
            {"total": True, "tax": True, "dollars": False}
            | dict.fromkeys(self.PLACEHOLDERS, False),
        )


@tagged("post_install", "-at_install")
class TestManagerMenus(TransactionCase):
    def test_every_menu_a_manager_sees_opens_for_him(self):
        """The secretariat manager of the demo (not an administrator) is
        shown only menus whose model he may read: "Settings", which only
        administrators open, was shown to him and ended on an access error."""
        manager = self.env["res.users"].search([("login", "=", "gestionnaire")])
        self.assertFalse(manager.has_group("base.group_system"))
        menus = self.env["ir.ui.menu"].with_user(manager).load_menus(False)
        root = self.env.ref("calendoc_agenda.calendoc_root_menu").id
        todo, seen = [root], []
        while todo:
            menu = menus[todo.pop()]
            todo.extend(menu["children"])
            if menu.get("action"):
                seen.append(menu)
        self.assertGreater(len(seen), 5)
        for menu in seen:
            model, action_id = menu["action"].split(",")
            action = self.env[model].browse(int(action_id)).sudo()
            if action._name != "ir.actions.act_window":
                continue
            with self.subTest(menu=menu["name"]):
                self.assertTrue(
                    self.env[action.res_model].with_user(manager).has_access("read"),
                    f"{menu['name']}: {action.res_model} is not readable",
                )
