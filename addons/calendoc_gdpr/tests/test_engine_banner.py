from lxml import etree

from odoo.tests import tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase


@tagged("post_install", "-at_install")
class TestRestrictionBanner(CalendocCase):
    def test_the_requester_form_shows_the_restriction(self):
        view = self.env.ref("calendoc_agenda.res_partner_view_form_calendoc_requester")
        arch = etree.fromstring(
            self.env["res.partner"]
            .with_user(self.secretary)
            .get_view(view.id, "form")["arch"]
        )
        [banner] = arch.xpath("//div[hasclass('o_calendoc_restricted_banner')]")
        self.assertEqual(banner.get("invisible"), "not calendoc_restricted")
        self.assertIn("restricted", banner.text)
