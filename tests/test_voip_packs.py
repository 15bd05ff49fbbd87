"""Telephony and packs together: a client whose pack does not allow calls has
its calls refused, at the API and at SIP level (403), and logged as refused."""

import json

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.calendoc_voip.tests.common import VoipCase, sign
from odoo.addons.calendoc_voip.tests.sip_harness import BridgeProcess, Sipp, free_port
from odoo.addons.calendoc_voip.tests.test_ari_bridge import AriCase


@tagged("post_install", "-at_install")
class TestCallsRefusedByPack(VoipCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Premium without a valid pack: calls stop (terms, article 9)
        cls.account.calendoc_offer = "premium"

    @mute_logger("odoo.addons.calendoc_voip.models.calendoc_call")
    def test_the_api_tells_the_bridge_to_refuse_and_logs_it(self):
        self.assertFalse(self.account._calendoc_service_allowed("calls"))
        body = json.dumps(self.event("ringing", "pack-1")).encode()
        response = self.url_open("/calendoc_voip/event", data=body, headers=sign(body))
        self.assertEqual(response.json()["action"], "refuse")
        call = self.env["calendoc.call"].search([("sip_call_id", "=", "pack-1")])
        self.assertEqual((call.state, call.outcome), ("done", "refused"))
        self.assertFalse(self.bus_messages("calendoc_voip/incoming_call"))

    @mute_logger("odoo.addons.calendoc_voip.models.calendoc_call")
    def test_the_trunk_gets_403_and_no_phone_rings(self):
        trunk_port = free_port()
        bridge = BridgeProcess(self.base_url(), "test-secret-0123456789", trunk_port)
        self.addCleanup(bridge.cleanup)
        bridge.start()
        trunk = Sipp(
            "trunk_refused.xml",
            trunk_port,
            f"127.0.0.1:{bridge.sip_port}",
            caller="0612345678",
            called="+33241112233",
            status=403,
        )
        self.addCleanup(trunk.cleanup)
        self.assertEqual(trunk.wait(), 0, trunk.errors() + bridge.log())
        self.assertIn("refused: calls not allowed", bridge.log())
        with self.registry.test_lock:
            call = self.env["calendoc.call"].search(
                [("called_number", "=", "+33241112233")]
            )
            self.assertEqual(call.outcome, "refused")


@tagged("post_install", "-at_install")
class TestAriCallsRefusedByPack(AriCase):
    """The same refusal through Asterisk (ARI stand-in): the caller's channel
    is hung up with the 'rejected' cause, no phone rings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account.calendoc_offer = "premium"

    @mute_logger("odoo.addons.calendoc_voip.models.calendoc_call")
    def test_the_caller_is_hung_up_and_no_phone_rings(self):
        self.bridge = self.start_bridge()
        caller = self.ari.incoming("+33241112233", "0612345678")
        self.ari.wait_for(lambda: caller not in self.ari.channels, "the hang-up")
        self.assertEqual(self.ari.hangups, [(caller, "rejected")])
        self.assertEqual(self.ari.originated, [])
        self.assertIn("refused: calls not allowed, hung up", self.bridge.log())
        call = self.wait_for_call([("sip_call_id", "=", caller)])
        self.assertEqual(call.outcome, "refused")
        with self.registry.test_lock:
            self.assertFalse(self.bus_messages("calendoc_voip/incoming_call"))
