from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import VoipCase
from .sip_harness import free_port


@tagged("post_install", "-at_install")
class TestClickToCall(VoipCase):
    def test_a_secretary_without_phone_is_told_so(self):
        self.endpoint.unlink()
        with self.assertRaisesRegex(UserError, "no phone"):
            self.requester.with_user(self.secretary).action_calendoc_call()

    def test_without_bridge_configured_nothing_is_called(self):
        with self.assertRaisesRegex(UserError, "not configured"):
            self.requester.with_user(self.secretary).action_calendoc_call()

    @mute_logger("odoo.addons.calendoc_voip.models.calendoc_call")
    def test_an_unreachable_bridge_is_a_clear_error(self):
        closed = free_port(__import__("socket").SOCK_STREAM)
        self.env["ir.config_parameter"].set_param(
            "calendoc_voip.bridge_url", f"http://127.0.0.1:{closed}"
        )
        with self.assertRaisesRegex(UserError, "cannot be reached"):
            self.requester.with_user(self.secretary).action_calendoc_call()

    def test_a_secretary_cannot_call_for_an_account_she_does_not_serve(self):
        stranger = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.other_account.id,
                "calendoc_last_name": "Ailleurs",
                "mobile": "06 99 88 77 66",
            }
        )
        self.env["ir.config_parameter"].set_param(
            "calendoc_voip.bridge_url", "http://127.0.0.1:9"
        )
        with self.assertRaises(AccessError):
            stranger.with_user(self.other_secretary).with_user(
                self.secretary
            ).action_calendoc_call()
