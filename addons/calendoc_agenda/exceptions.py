"""CalenDoc's own exceptions, for callers that must tell them apart."""

from odoo.exceptions import ValidationError


class SlotTakenError(ValidationError):
    """The slot asked for is not free (any more): another appointment of the
    practitioner overlaps it, or it is no longer offered. Only this error
    means "slot taken" (the booking pages answer it with HTTP 409 and the next
    free slots); any other ``ValidationError`` is a refusal of what was sent.

    A ``ValidationError`` still, for whoever catches those; the web client
    shows it as one (``static/src/js/slot_taken_error.js``)."""
