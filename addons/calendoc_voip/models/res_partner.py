import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    _inherit = "res.partner"

    calendoc_call_recording = fields.Boolean(
        string="Record calls",
        help="The client account allows its calls to be recorded. The caller "
        "hears the consent announcement first; the PBX attaches the recording "
        "to the call.",
    )
    calendoc_recording_announcement = fields.Text(
        string="Consent announcement",
        translate=True,
        help="What the caller hears before a recorded call.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        call_id = self.env.context.get("calendoc_voip_call_id")
        requesters = partners.filtered("is_calendoc_requester")
        if call_id and requesters:
            call = self.env["calendoc.call"].browse(call_id).exists()
            # the requester created from the popup of an unknown number is the
            # caller: a write on a call the secretary may handle (record rules)
            if call and not call.requester_id:
                call.requester_id = requesters[:1]
        return partners

    def action_calendoc_call(self):
        """Click-to-call: the PBX rings the secretary's phone (auto-answer),
        then calls this requester with the practice line as caller id (the
        call is logged here, placed by ``calendoc.call._calendoc_dial``)."""
        self.ensure_one()
        number = self.calendoc_mobile_e164 or self.calendoc_phone_e164
        if not number:
            raise UserError(
                self.env._("%(name)s has no valid phone number.", name=self.name)
            )
        endpoint = self.env["calendoc.sip.endpoint"].search(
            [("user_id", "=", self.env.uid)], limit=1
        )
        if not endpoint:
            raise UserError(
                self.env._("You have no phone: ask a manager to set your extension.")
            )
        account = self.calendoc_account_id or self.commercial_partner_id
        line = self.env["calendoc.practice.line"].search(
            [("account_id", "=", account.id)], limit=1
        )
        if not line:
            raise UserError(
                self.env._(
                    "%(account)s has no practice line to call from.",
                    account=account.name,
                )
            )
        # created as the user: the record rules check she may handle this
        # account's calls
        call = self.env["calendoc.call"].create(
            {
                "sip_call_id": f"c2c-{uuid.uuid4().hex}@calendoc",
                "direction": "out",
                "caller_number": line.number,
                "called_number": number,
                "line_id": line.id,
                "practice_id": line.practice_id.id,
                "account_id": account.id,
                "requester_id": self.id if self.is_calendoc_requester else False,
                "secretary_id": self.env.uid,
                "ring_date": fields.Datetime.now(),
            }
        )
        call._calendoc_dial(endpoint)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "Your phone rings; pick up to call %(number)s.", number=number
                ),
            },
        }
