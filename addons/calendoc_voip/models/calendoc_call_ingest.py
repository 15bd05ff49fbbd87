import base64
import binascii

import psycopg2

from odoo import api, models
from odoo.tools import SQL, mute_logger

from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.calendoc_agenda.tools.phone import to_e164

from .calendoc_call import (
    ACCOUNT_FIELDS,
    PRACTICE_FIELDS,
    VoipEventError,
    _logger,
    _utc,
)
from .calendoc_call_popup import CARD_SCOPES

EVENTS = ("ringing", "answered", "ended", "recorded")
# Largest recording accepted in one event (base64 in JSON).
MAX_RECORDING_BYTES = 20 * 1024 * 1024


class CalendocCall(models.Model):
    """The event API's side of a call: the signed events of the bridge (or of
    any PBX speaking the same API) recorded once each, and the call's state
    moved by them."""

    _inherit = "calendoc.call"

    @api.model
    def _ingest_event(self, payload):
        """Record one call event sent by the bridge; return what the bridge must do.

        Idempotent: an event (call id, type) is stored once; a replay answers the
        first answer again and changes nothing. Raises ``VoipEventError`` for
        events to refuse (4xx). Runs as the superuser: the bridge is not a user,
        it is authenticated by the HMAC signature checked by the controller."""
        event, call_key, when, direction = self._parse_event(payload)
        self.flush_model()
        self.env["calendoc.call.event"].flush_model()
        # the call and whether this event of it is known, in one query
        self.env.cr.execute(
            SQL(
                "SELECT call.id, event.id IS NOT NULL, event.response "
                "FROM calendoc_call call LEFT JOIN calendoc_call_event event "
                "ON event.sip_call_id = call.sip_call_id AND event.kind = %s "
                "WHERE call.sip_call_id = %s",
                event,
                call_key,
            )
        )
        call_id, known, response = self.env.cr.fetchone() or (None, False, None)
        if known:
            _logger.info("call %s: %s replayed, ignored", call_key, event)
            return dict(response or {}, duplicate=True)
        call, callers = self.browse(call_id), None
        if not call:
            if direction == "out":
                raise VoipEventError(404, f"unknown outgoing call {call_key}")
            call, callers = self._create_incoming(call_key, payload, when)
        elif call.state == "done" and event in ("ringing", "answered"):
            # a late 'ringing'/'answered' (bridge retry) after the end: keep the end
            response = {"action": "none", "call": call.id}
            call._store_event(event, when, payload, response)
            return response
        if event == "ringing":
            response = call._on_ringing(when, payload, callers)
        else:
            response = getattr(call, f"_on_{event}")(when, payload)
        if event == "recorded":
            # the audio lives in the attachment, not twice in the event log
            payload = {k: v for k, v in payload.items() if k != "recording"}
        call._store_event(event, when, payload, response)
        return response

    @api.model
    def _parse_event(self, payload):
        if not isinstance(payload, dict):
            raise VoipEventError(400, "the event must be a JSON object")
        if params.json_has_nul(payload):
            # the event is stored as sent (jsonb), which refuses NUL bytes
            raise VoipEventError(400, "the event holds a NUL byte")
        event = payload.get("event")
        if not isinstance(event, str) or event not in EVENTS:
            raise VoipEventError(400, f"unknown event type {event!r:.40}")
        call_key = params.parse_text(payload.get("call_id"), max_length=255)
        if not call_key:
            raise VoipEventError(400, "call_id is missing")
        direction = payload.get("direction", "in")
        if not isinstance(direction, str) or direction not in ("in", "out"):
            raise VoipEventError(400, f"unknown direction {direction!r:.40}")
        epoch = params.parse_epoch(payload.get("time"))
        if epoch is None:
            raise VoipEventError(400, "time (epoch seconds) is missing")
        for key in ("from", "to", "extension", "reason"):
            value = payload.get(key)
            if value is not None and params.parse_text(value) is None:
                raise VoipEventError(400, f"{key} must be a short string")
        rang = payload.get("rang")
        if rang is not None and params.parse_epoch(rang) is None:
            raise VoipEventError(400, "rang (epoch seconds) is not a time")
        return event, call_key, _utc(epoch), direction

    @api.model
    def _create_incoming(self, call_key, payload, when):
        """(the incoming call of ``call_key``, created from its first event;
        the first five requesters found by the caller's number, for the popup,
        or None when a concurrent request created the call)."""
        called = to_e164(payload.get("to") or "")
        # the line, its practice and account, and the account's country (for
        # the caller's national number), in one query
        self.env["calendoc.practice.line"].flush_model(
            ["number", "active", "practice_id", "account_id", "company_id"]
        )
        self.env["res.partner"].flush_model(["country_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT line.id, line.practice_id, line.account_id,
                       line.company_id, country.code
                  FROM calendoc_practice_line line
                  JOIN res_partner account ON account.id = line.account_id
             LEFT JOIN res_country country ON country.id = account.country_id
                 WHERE line.number = %s AND line.active
              ORDER BY line.id
                 LIMIT 1
                """,
                called,
            )
        )
        found = called and self.env.cr.fetchone()
        if not found:
            raise VoipEventError(
                404, f"no practice line for the dialled number {payload.get('to')!r}"
            )
        line_id, practice_id, account_id, company_id, country = found
        # what the call and its popup read of the practice and the account,
        # not every column of them (the ORM's prefetch): on every incoming call
        self.env["calendoc.practice"].browse(practice_id).fetch(PRACTICE_FIELDS)
        account = self.env["res.partner"].browse(account_id)
        account.fetch(ACCOUNT_FIELDS)
        caller = to_e164(payload.get("from") or "", country or "FR")
        requesters = (
            self.env["res.partner"]._calendoc_search_by_phone(
                caller, account, fetch=["name"]
            )
            if caller
            else self.env["res.partner"]
        )
        values = {
            "sip_call_id": call_key,
            "direction": "in",
            "caller_number": caller or payload.get("from") or "",
            "called_number": called,
            "line_id": line_id,
            "practice_id": practice_id,
            "account_id": account_id,
            "requester_id": requesters[:1].id,
            "company_id": company_id,
        }
        if payload.get("event") == "ringing":
            # set at creation: one INSERT, no UPDATE of the times computed from it
            values["ring_date"] = when
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                # the requesters found are handed to the popup: no second lookup
                return self.create(values), requesters[:5]
        except psycopg2.errors.UniqueViolation:
            # the same call created by a concurrent request: use that one
            return self.search([("sip_call_id", "=", call_key)]), None

    def _store_event(self, event, when, payload, response):
        self.env["calendoc.call.event"].create(
            {
                "call_id": self.id,
                "sip_call_id": self.sip_call_id,
                "kind": event,
                "event_date": when,
                "payload": payload,
                "response": response,
            }
        )

    def _on_ringing(self, when, payload, callers=None):
        """Route an incoming call: the phones to ring, the popup to the
        secretaries rung. ``callers``: the requesters found by the caller's
        number as the call was created (None: the popup looks them up)."""
        if not self.ring_date:  # set by the INSERT of a call created ringing
            self.ring_date = when
        if self.direction == "out":
            return {"action": "none", "call": self.id}
        if not self.account_id._calendoc_service_allowed("calls"):
            _logger.warning(
                "call %s to %s refused: calls are not allowed for account %s",
                self.sip_call_id,
                self.called_number,
                self.account_id.id,
            )
            self.write({"state": "done", "outcome": "refused", "end_date": when})
            return {"action": "refuse", "call": self.id}
        secretaries, overflow_users, reach = self._routing(CARD_SCOPES)
        targets, ring_timeout = self._ring_plan(secretaries, overflow_users)
        if secretaries:
            # who got the popup: told when another one takes the call
            self.rung_user_ids = secretaries
            self._notify_secretaries(secretaries, reach, callers)
        account = self.account_id
        return {
            "action": "ring",
            "call": self.id,
            "practice": self.practice_id.name,
            # for a PBX that records: only with the account's consent, after
            # the announcement
            "record": account.calendoc_call_recording,
            "announcement": account.calendoc_call_recording
            and (account.calendoc_recording_announcement or ""),
            "ring_timeout": ring_timeout,
            "targets": targets,
        }

    def _on_answered(self, when, payload):
        values = {"answer_date": when, "state": "in_progress"}
        extension = payload.get("extension")
        if extension:
            endpoint = self.env["calendoc.sip.endpoint"].search(
                [("extension", "=", extension)], limit=1
            )
            values["secretary_id"] = endpoint.user_id.id or self.secretary_id.id
        self.write(values)
        # the popups shown at ringing close (the roster may have changed since)
        others = self.rung_user_ids - self.secretary_id
        self.env["bus.bus"]._calendoc_send_now(
            [
                (partner, "calendoc_voip/call_taken", {"call": self.id})
                for partner in others.partner_id
            ]
        )
        return {"action": "none", "call": self.id}

    def _on_recorded(self, when, payload):
        if not self.account_id.calendoc_call_recording:
            raise VoipEventError(
                403, f"recording is not allowed for the account of {self.sip_call_id}"
            )
        data = payload.get("recording")
        if not isinstance(data, str) or not data:
            raise VoipEventError(400, "recording (base64) is missing")
        if len(data) > MAX_RECORDING_BYTES * 4 // 3 + 4:
            raise VoipEventError(413, "recording too large")
        try:
            base64.b64decode(data, validate=True)
        except (ValueError, binascii.Error) as error:
            raise VoipEventError(400, "recording is not base64") from error
        mimetype = payload.get("mimetype") or "audio/wav"
        if mimetype not in ("audio/wav", "audio/x-wav", "audio/mpeg", "audio/ogg"):
            raise VoipEventError(400, f"unsupported recording type {mimetype!r}")
        self.recording_id = self.env["ir.attachment"].create(
            {
                "name": f"{self.sip_call_id}.{mimetype.rsplit('/', 1)[-1]}",
                "datas": data,
                "mimetype": mimetype,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {"action": "none", "call": self.id}

    def _on_ended(self, when, payload):
        values = {"end_date": when, "state": "done"}
        if not self.ring_date:
            # Odoo was unreachable when the call rang: the bridge says when
            rang = params.parse_epoch(payload.get("rang"))
            values["ring_date"] = _utc(rang) if rang is not None else when
        if self.outcome == "refused":
            values.pop("end_date")
        elif self.answer_date:
            values["outcome"] = "answered"
        elif (
            payload.get("reason") in ("no_answer", "odoo_unreachable")
            or self.direction == "out"
        ):
            values["outcome"] = "missed"
        else:
            values["outcome"] = "abandoned"
        self.write(values)
        return {"action": "none", "call": self.id}
