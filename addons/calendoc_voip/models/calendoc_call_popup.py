from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL, format_datetime

# Who reaches a call's account without these scopes (a delegation of calls
# only) sees the number in the popup, not who calls nor his appointments.
CARD_SCOPES = ("requesters", "agenda_read")
# Appointment types and slots each the popup shows (the slot finder behind
# "Book" shows the rest).
POPUP_TYPES = 2
POPUP_SLOTS = 3


class CalendocCall(models.Model):
    """The incoming-call popup: the practice card and the callers sent on the
    bus at ringing, the next free slots asked by the popup once open."""

    _inherit = "calendoc.call"

    def _notify_secretaries(self, secretaries, reach, callers=None):
        """The popup to each of ``secretaries``: the whole card to who reaches
        the account's requesters and agenda (``reach``: {user id: scopes}),
        the number only to the others. ``callers``: see ``_popup_payload``."""
        payload = self._popup_payload(callers)
        restricted = dict(payload, requesters=[], restricted=True)
        self.env["bus.bus"]._calendoc_send_now(
            [
                (
                    user.partner_id,
                    "calendoc_voip/incoming_call",
                    payload if reach[user.id].issuperset(CARD_SCOPES) else restricted,
                )
                for user in secretaries
            ]
        )

    def _popup_payload(self, callers=None):
        """What the incoming-call popup shows at once: the practice card and the
        caller. ``callers``: the requesters found by the caller's number when
        the call was created (the first five), None to look them up. The next
        free slots are asked by the popup when it opens
        (``calendoc_next_slots``): the card must be on the bus within the first
        ring, and the slot engine is the slowest part of it."""
        self.ensure_one()
        practice = self.practice_id
        if callers is None and self.caller_number:
            callers = self.env["res.partner"]._calendoc_search_by_phone(
                self.caller_number, self.account_id
            )[:5]
        elif callers is None:
            callers = self.env["res.partner"]
        now = fields.Datetime.now()
        return {
            "call": self.id,
            "caller_number": self.caller_number,
            "practice": {
                "id": practice.id,
                "name": practice.name,
                "account": self.account_id.name,
                "greeting": practice.greeting or "",
                "questions_to_ask": practice.questions_to_ask or "",
                "urgent_policy": practice.urgent_policy or "",
                "instructions": str(practice.instructions or ""),
                "practitioners": self.env["calendoc.practitioner"]
                .search_fetch(
                    [("schedule_ids.practice_id", "=", practice.id)], ["name"]
                )
                .mapped("name"),
            },
            "requesters": self._caller_cards(callers, now),
        }

    def _caller_cards(self, callers, now, shown=5):
        """``callers`` (requesters) as the popup shows them: name, ``shown``
        upcoming and ``shown`` past appointments each (not cancelled), with the
        practitioner and the type, in one query for all of them (the popup is
        on the path from the phone ringing to the secretary's screen). Their
        ``start`` is UTC as stored: the popup prints only how many there are."""
        if not callers:
            return []
        callers.fetch(["name"])
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
                ids=callers.ids,
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
            for requester in callers
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

    def calendoc_next_slots(self):
        """The next free slots of the called practice, for the popup: the first
        appointment types, a few slots each in the coming week. Each slot's
        ``start`` is UTC (as stored); ``when`` is the time the popup prints, in
        the practice's time zone and the user's language."""
        self.ensure_one()
        # the record rules of calls: only who serves the account's calls
        self.check_access("read")
        practice = self.practice_id
        if not practice:
            return []
        tz = practice._calendoc_tz().zone
        now = fields.Datetime.now()
        # sudo: the slot engine reads the practitioners' busy times (other
        # patients' appointments) to give free times only, no personal data
        engine = self.env["calendoc.slot.engine"].sudo()
        slots = []
        for apt_type in practice.sudo().appointment_type_ids[:POPUP_TYPES]:
            for slot in engine._find_slots(
                apt_type, now, now + timedelta(days=7), limit=POPUP_SLOTS
            ):
                slots.append(
                    {
                        "type": apt_type.name,
                        "start": fields.Datetime.to_string(slot["start"]),
                        "when": format_datetime(
                            self.env, slot["start"], tz=tz, dt_format="short"
                        ),
                        "practitioner": engine.env["calendoc.practitioner"]
                        .browse(slot["practitioner_id"])
                        .name,
                    }
                )
        return slots
