import csv
import io
from datetime import timedelta

import pytz

from odoo.tests import tagged

from odoo.addons.calendoc_packs.tests.common import pay_with_demo_provider

from .common import CSRF, PortalCase

ROUTES = (
    "/my/calendoc/appointments",
    "/my/calendoc/appointments?scope=week",
    "/my/calendoc/statement",
    "/my/calendoc/packs",
)


@tagged("post_install", "-at_install")
class TestClientPortal(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        slot = cls.env["calendoc.slot.engine"]._find_slots(
            cls.consult,
            cls.env.cr.now().replace(tzinfo=None),
            cls.env.cr.now().replace(tzinfo=None) + cls._days(30),
            online=True,
        )[0]
        Event = cls.env["calendar.event"]
        values = {
            "calendoc_type_id": cls.consult.id,
            "calendoc_requester_id": cls.requester.id,
            "start": slot["start"],
        }
        cls.alice_event = Event.create(
            dict(values, calendoc_practitioner_id=cls.doctor.id)
        )
        cls.bruno_event = Event.create(
            dict(values, calendoc_practitioner_id=cls.doctor2.id)
        )

    @staticmethod
    def _days(count):
        from datetime import timedelta

        return timedelta(days=count)

    def test_anonymous_visitors_are_sent_to_the_login(self):
        for url in (*ROUTES, f"/my/calendoc/appointments/{self.alice_event.id}"):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertIn("/web/login", response.url)
                self.assertNotIn("o_calendoc_portal_row", response.text)

    def test_portal_user_without_calendoc_role_is_refused(self):
        self.authenticate("plain_portal", "plain_portal")
        for url in ROUTES:
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 403)
        self.assertEqual(
            self.url_open(
                f"/my/calendoc/appointments/{self.alice_event.id}"
            ).status_code,
            403,
        )

    def test_client_admin_sees_the_agenda_of_his_practitioners(self):
        self.authenticate("client_admin", "client_admin")
        response = self.url_open("/my/calendoc/appointments")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count("o_calendoc_portal_row"), 2)
        self.assertIn("Dr Bruno Test", response.text)
        detail = self.url_open(f"/my/calendoc/appointments/{self.alice_event.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("DUPONT Jeanne", detail.text)
        only_bruno = self.url_open(
            f"/my/calendoc/appointments?practitioner_id={self.doctor2.id}"
        )
        self.assertEqual(only_bruno.text.count("o_calendoc_portal_row"), 1)
        day = self.alice_event.start.date().isoformat()
        week = self.url_open(f"/my/calendoc/appointments?scope=week&day={day}")
        self.assertEqual(week.text.count("o_calendoc_portal_row"), 2)

    def test_week_grid_shows_each_appointment_on_its_day(self):
        local = pytz.utc.localize(self.alice_event.start).astimezone(
            pytz.timezone(self.practice.tz)
        )
        url = f"/my/calendoc/appointments?scope=grid&day={local.date()}"
        self.authenticate("client_admin", "client_admin")
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.text.count('class="o_calendoc_week_day'), 7)
        day = page.text.split(f'data-date="{local.date()}"')[1].split("</section>")[0]
        self.assertEqual(day.count("o_calendoc_grid_event"), 2)
        self.assertIn(local.strftime("%H:%M"), day)
        self.assertIn("Dr Bruno Test", day)
        self.assertIn(f"/my/calendoc/appointments/{self.alice_event.id}", day)
        self.assertEqual(page.text.count("o_calendoc_grid_event"), 2)
        # the grid starts on Monday whatever the day asked
        monday = local.date() - timedelta(days=local.weekday())
        self.assertIn(
            f'data-date="{monday}"', page.text.split("o_calendoc_week_day")[1]
        )
        self.authenticate("doctor_portal", "doctor_portal")
        self.assertEqual(self.url_open(url).text.count("o_calendoc_grid_event"), 1)
        self.authenticate("other_admin", "other_admin")
        other = self.url_open(url)
        self.assertEqual(other.text.count('class="o_calendoc_week_day'), 7)
        self.assertNotIn("o_calendoc_grid_event", other.text)

    def test_practitioner_sees_only_his_own_agenda(self):
        self.authenticate("doctor_portal", "doctor_portal")
        response = self.url_open("/my/calendoc/appointments")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text.count("o_calendoc_portal_row"), 1)
        self.assertNotIn("Dr Bruno Test</td>", response.text)
        own = self.url_open(f"/my/calendoc/appointments/{self.alice_event.id}")
        self.assertEqual(own.status_code, 200)
        other = self.url_open(f"/my/calendoc/appointments/{self.bruno_event.id}")
        self.assertEqual(other.status_code, 404)
        # statements and packs are the account administrator's
        self.assertEqual(self.url_open("/my/calendoc/statement").status_code, 403)
        self.assertEqual(self.url_open("/my/calendoc/packs").status_code, 403)

    def test_other_clients_user_sees_nothing_of_this_account(self):
        self.authenticate("other_admin", "other_admin")
        response = self.url_open("/my/calendoc/appointments")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_calendoc_portal_row", response.text)
        for event in (self.alice_event, self.bruno_event):
            self.assertEqual(
                self.url_open(f"/my/calendoc/appointments/{event.id}").status_code,
                404,
            )
        statement = self.url_open("/my/calendoc/statement?date_from=2000-01-01")
        self.assertEqual(statement.status_code, 200)
        self.assertNotIn("o_calendoc_statement_row", statement.text)
        csv_rows = self.url_open(
            "/my/calendoc/statement?date_from=2000-01-01&output=csv"
        ).content.decode("utf-8-sig")
        self.assertEqual(len(csv_rows.strip().splitlines()), 1, "header only")

    def test_client_admin_reads_his_statement_on_screen_csv_and_pdf(self):
        self.authenticate("client_admin", "client_admin")
        # the statement's days are the account's (Paris), not UTC's
        today = self.account._calendoc_today()
        url = f"/my/calendoc/statement?date_from=2000-01-01&date_to={today}"
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        # two grants (appointments, SMS), two appointments and their SMS
        self.assertEqual(page.text.count("o_calendoc_statement_row"), 6)
        self.assertIn('id="calendoc_statement_appointment">8<', page.text)
        response = self.url_open(url + "&output=csv")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        rows = list(
            csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        )
        self.assertEqual(len(rows), 7)
        quantities = [row[3] for row in rows[1:]]
        self.assertEqual(quantities[:2], ["10", "20"])
        self.assertEqual(quantities.count("-1"), 4)
        pdf = self.url_open(url + "&output=pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        # under tests Odoo renders reports as HTML unless forced (wkhtmltopdf
        # is slow): the statement document itself is what matters here
        self.assertTrue(
            pdf.content.startswith(b"%PDF")
            or b"o_calendoc_appointment_balance" in pdf.content
        )
        self.assertIn(self.account.name.encode(), pdf.content)

    def test_home_counters(self):
        self.authenticate("client_admin", "client_admin")
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {"counters": ["calendoc_appointment_count", "calendoc_pack_count"]},
        )
        self.assertEqual(counters["calendoc_appointment_count"], 2)
        self.assertEqual(counters["calendoc_pack_count"], 1)
        self.authenticate("doctor_portal", "doctor_portal")
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {"counters": ["calendoc_appointment_count", "calendoc_pack_count"]},
        )
        self.assertEqual(
            counters, {"calendoc_appointment_count": 1, "calendoc_pack_count": 0}
        )
        home = self.url_open("/my/home")
        self.assertIn("/my/calendoc/appointments", home.text)

    def test_client_admin_buys_a_pack_and_pays_online(self):
        self.env["ir.config_parameter"].set_param("sale.automatic_invoice", True)
        # the demo provider offered on the order page
        self.env.ref("payment.payment_provider_demo").state = "test"
        self.authenticate("client_admin", "client_admin")
        page = self.url_open("/my/calendoc/packs")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.pack_combined.name, page.text)
        token = CSRF.search(page.text).group(1)
        # nothing but a catalogue pack can be bought
        refused = self.url_open(
            "/my/calendoc/packs/buy",
            data={"csrf_token": token, "product_id": "999999"},
            allow_redirects=False,
        )
        self.assertIn("error=1", refused.headers["Location"])
        Order = self.env["sale.order"]
        before = Order.search([])
        response = self.url_open(
            "/my/calendoc/packs/buy",
            data={"csrf_token": token, "product_id": self.pack_combined.id},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        order = Order.search([]) - before
        self.assertEqual(len(order), 1)
        self.assertIn(f"/my/orders/{order.id}", response.headers["Location"])
        self.assertEqual(order.partner_id.commercial_partner_id, self.account)
        self.assertTrue(order._has_to_be_paid())
        order_page = self.url_open(response.headers["Location"])
        self.assertEqual(order_page.status_code, 200)
        self.assertEqual(self.account._calendoc_balances()["combined"], 0)
        pay_with_demo_provider(self.env, order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(self.account._calendoc_balances()["combined"], 3)
        packs = self.url_open("/my/calendoc/packs")
        self.assertEqual(packs.text.count("o_calendoc_pack_row"), 2)

    def test_a_second_click_on_buy_reuses_the_quotation_still_to_pay(self):
        self.env["ir.config_parameter"].set_param("sale.automatic_invoice", True)
        self.env.ref("payment.payment_provider_demo").state = "test"
        self.authenticate("client_admin", "client_admin")
        token = CSRF.search(self.url_open("/my/calendoc/packs").text).group(1)
        Order = self.env["sale.order"]
        before = Order.search([])

        def buy():
            response = self.url_open(
                "/my/calendoc/packs/buy",
                data={"csrf_token": token, "product_id": self.pack_combined.id},
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 303)
            return response.headers["Location"]

        first = buy()
        order = Order.search([]) - before
        self.assertEqual(len(order), 1)
        self.assertEqual(buy(), first)
        self.assertEqual(Order.search([]) - before, order, "a second quotation")
        # once paid, the next purchase is a new order
        pay_with_demo_provider(self.env, order)
        self.assertEqual(order.state, "sale")
        buy()
        self.assertEqual(len(Order.search([]) - before), 2)
        # a cancelled quotation is not offered again either
        newest = Order.search([]) - before - order
        newest.sudo()._action_cancel()
        buy()
        self.assertEqual(len(Order.search([]) - before), 3)

    def test_other_roles_cannot_buy(self):
        self.authenticate("doctor_portal", "doctor_portal")
        data = {
            "product_id": self.pack_combined.id,
            "csrf_token": self.csrf(self.book_url(self.free_slots()[0])),
        }
        before = self.env["sale.order"].search_count([])
        response = self.url_open("/my/calendoc/packs/buy", data=data)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.env["sale.order"].search_count([]), before)
