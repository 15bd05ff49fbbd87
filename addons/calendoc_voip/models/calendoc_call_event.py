from odoo import fields, models


class CalendocCallEvent(models.Model):
    """One event of a call as the bridge sent it. Unique per call id and type:
    a replayed or retried event is never recorded twice."""

    _name = "calendoc.call.event"
    _description = "Call event"
    _order = "event_date, id"
    _calendoc_account_link = "account_id"
    _calendoc_rule_fields = ("call_id",)
    # the event as the bridge sent it holds the caller's number
    _calendoc_personal_fields = ("payload",)
    _calendoc_requester_link = "call_id.requester_id"
    _calendoc_erasure = "delete"
    _calendoc_retention = "calls"
    _calendoc_retention_date = "event_date"

    call_id = fields.Many2one(
        "calendoc.call", required=True, ondelete="cascade", index=True
    )
    # in the INSERT, not a second UPDATE of every event recorded
    account_id = fields.Many2one(
        related="call_id.account_id", store=True, precompute=True
    )
    sip_call_id = fields.Char(required=True)
    kind = fields.Selection(
        [
            ("ringing", "Ringing"),
            ("answered", "Answered"),
            ("ended", "Ended"),
            ("recorded", "Recorded"),
        ],
        required=True,
    )
    event_date = fields.Datetime(required=True)
    payload = fields.Json()
    response = fields.Json()

    _sql_constraints = [
        (
            "call_kind_uniq",
            "unique (sip_call_id, kind)",
            "This event of this call is already recorded.",
        ),
    ]
