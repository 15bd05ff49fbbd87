from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import VoipCase


@tagged("post_install", "-at_install")
class TestPbxAccess(VoipCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pbx = cls.env["calendoc.pbx"].create(
            {
                "name": "Asterisk Angers",
                "kind": "asterisk_ari",
                "ari_url": "http://10.0.0.5:8088",
                "ari_user": "calendoc",
                "ari_password": "pbx-secret",
            }
        )
        cls.manager = new_test_user(
            cls.env, "voip_pbx_manager", groups="calendoc_agenda.group_calendoc_manager"
        )
        cls.auditor = new_test_user(
            cls.env, "voip_pbx_auditor", groups="calendoc_agenda.group_calendoc_auditor"
        )
        cls.portal = new_test_user(
            cls.env, "voip_pbx_portal", groups="base.group_portal"
        )

    def test_a_manager_reads_and_writes_the_password(self):
        pbx = self.pbx.with_user(self.manager)
        self.assertEqual(pbx.ari_password, "pbx-secret")
        pbx.ari_password = "changed"
        self.assertEqual(pbx.ari_password, "changed")

    def test_an_auditor_reads_the_connection_but_not_the_password(self):
        pbx = self.pbx.with_user(self.auditor)
        self.assertEqual(pbx.read(["name"])[0]["name"], "Asterisk Angers")
        with self.assertRaises(AccessError):
            pbx.read(["ari_password"])
        with self.assertRaises(AccessError):
            pbx.write({"ari_url": "http://203.0.113.9:8088"})

    def test_secretaries_and_portal_users_read_nothing(self):
        for user in (self.secretary, self.portal):
            with self.assertRaises(AccessError):
                self.pbx.with_user(user).read(["name"])
            with self.assertRaises(AccessError):
                self.env["calendoc.pbx"].with_user(user).create({"name": "x"})

    def test_an_ari_connection_needs_a_url_a_user_and_endpoint_patterns(self):
        for wrong in (
            {"ari_url": "10.0.0.5:8088"},
            {"ari_user": False},
            {"phone_endpoint": "PJSIP/201"},
            {"trunk_endpoint": "PJSIP/{numero}@trunk"},
        ):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.pbx.write(wrong)
