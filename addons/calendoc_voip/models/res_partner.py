import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


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

    def _calendoc_call_cards(self, now, shown=5):
        """The callers as the popup shows them: name, ``shown`` upcoming and
        ``shown`` past appointments each (not cancelled), with the
        practitioner and the type, in one query for all of them (the popup is
        on the path from the phone ringing to the secretary's screen)."""
        if not self:
            return []
        self.fetch(["name"])
        self.env["calendar.event"].flush_model(
            [
                "active",
                "start",
                "calendoc_requester_id",
                "calendoc_state",
                "calendoc_practitioner_id",
                "calendoc_type_id",
            ]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT requester.id, event.upcoming, event.start, event.state,
                       resource.name,
                       COALESCE(apt_type.name->>%(lang)s, apt_type.name->>'en_US')
                  FROM unnest(%(ids)s::int[]) WITH ORDINALITY AS requester(id, rank)
                 CROSS JOIN LATERAL (
                       (SELECT TRUE AS upcoming, start, calendoc_state AS state,
                               calendoc_practitioner_id, calendoc_type_id
                          FROM calendar_event
                         WHERE calendoc_requester_id = requester.id AND active
                           AND calendoc_state IS DISTINCT FROM 'cancelled'
                           AND start >= %(now)s
                      ORDER BY start LIMIT %(shown)s)
                     UNION ALL
                       (SELECT FALSE, start, calendoc_state,
                               calendoc_practitioner_id, calendoc_type_id
                          FROM calendar_event
                         WHERE calendoc_requester_id = requester.id AND active
                           AND calendoc_state IS DISTINCT FROM 'cancelled'
                           AND start < %(now)s
                      ORDER BY start DESC LIMIT %(shown)s)
                 ) AS event
             LEFT JOIN calendoc_practitioner practitioner
                    ON practitioner.id = event.calendoc_practitioner_id
             LEFT JOIN resource_resource resource
                    ON resource.id = practitioner.resource_id
             LEFT JOIN calendoc_appointment_type apt_type
                    ON apt_type.id = event.calendoc_type_id
              ORDER BY requester.rank, event.upcoming DESC,
                       CASE WHEN event.upcoming THEN event.start END,
                       event.start DESC
                """,
                ids=self.ids,
                now=now,
                shown=shown,
                lang=self.env.lang or "en_US",
            )
        )
        cards = {
            requester.id: {
                "id": requester.id,
                "name": requester.name,
                "upcoming": [],
                "past": [],
            }
            for requester in self
        }
        for (
            requester_id,
            upcoming,
            start,
            state,
            practitioner,
            type_name,
        ) in self.env.cr.fetchall():
            cards[requester_id]["upcoming" if upcoming else "past"].append(
                {
                    "start": fields.Datetime.to_string(start),
                    "practitioner": practitioner or "",
                    "type": type_name or "",
                    "state": state,
                }
            )
        return list(cards.values())

    def action_calendoc_call(self):
        """Click-to-call: the bridge rings the secretary's phone (auto-answer),
        then calls this requester with the practice line as caller id."""
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
        call._originate(endpoint)
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
