from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL


def _utc_text(value):
    return fields.Datetime.to_string(value) if value else False


# What a card of the day board shows: a change to one of them refreshes the
# boards that show the appointment.
BOARD_FIELDS = {
    "name",
    "start",
    "stop",
    "active",
    "calendoc_practitioner_id",
    "calendoc_practice_id",
    "calendoc_type_id",
    "calendoc_requester_id",
    "calendoc_state",
    "calendoc_remarks",
}


class CalendarEvent(models.Model):
    """The day board's side of appointments: moves made from the board stay in
    the practitioner's hours, and every change is told to the boards over the
    bus (``calendoc.board._notify``)."""

    _inherit = "calendar.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        self.env["calendoc.board"]._notify(events._calendoc_board_keys())
        return events

    def write(self, vals):
        if self.env.context.get("calendoc_board_move") and (
            {"start", "stop", "calendoc_practitioner_id"} & set(vals)
        ):
            self._calendoc_check_board_seen(self.env.context.get("calendoc_board_seen"))
            self._calendoc_check_board_move(vals)
        shown = BOARD_FIELDS & set(vals)
        before = self._calendoc_board_keys() if shown else set()
        result = super().write(vals)
        if shown:
            self.env["calendoc.board"]._notify(before | self._calendoc_board_keys())
        return result

    def unlink(self):
        keys = self._calendoc_board_keys()
        result = super().unlink()
        self.env["calendoc.board"]._notify(keys)
        return result

    def _calendoc_board_keys(self):
        """{(account id, practitioner id)} of these appointments."""
        return {
            (event.calendoc_account_id.id, event.calendoc_practitioner_id.id)
            for event in self
            if event.calendoc_practitioner_id
        }

    def _calendoc_check_board_seen(self, seen):
        """A card is moved from what its board showed (``seen``: the card's
        ``version``, ``start``, ``stop`` and ``practitioner_id``): when another
        secretary changed the appointment meanwhile, the move is refused
        rather than silently overwriting hers. The rows are locked first: a
        move racing another one waits for it, then fails to serialise, and
        the request's retry finds the new version and refuses."""
        if not self:
            return
        if not isinstance(seen, dict):
            seen = {}
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM calendar_event WHERE id IN %s FOR NO KEY UPDATE",
                tuple(self.ids),
            )
        )
        for event in self:
            shown = (
                _utc_text(event.write_date),
                _utc_text(event.start),
                _utc_text(event.stop),
                event.calendoc_practitioner_id.id,
            )
            asked = (
                seen.get("version"),
                seen.get("start"),
                seen.get("stop"),
                seen.get("practitioner_id"),
            )
            if shown != asked:
                raise UserError(
                    self.env._(
                        "This appointment was changed meanwhile (moved or "
                        "updated by someone else): the board shows it again as "
                        "it is now; move it again if need be."
                    )
                )

    def _calendoc_check_board_move(self, vals):
        """A card dropped on the board lands in the practitioner's hours at the
        appointment's practice (not on a closed slot, an absence or a public
        holiday): the slot engine decides. Overlaps are the exclusion
        constraint's to refuse, in ``write``."""
        engine = self.env["calendoc.slot.engine"]
        Practitioner = self.env["calendoc.practitioner"]
        for event in self.filtered("calendoc_practitioner_id"):
            practitioner = (
                Practitioner.browse(vals["calendoc_practitioner_id"])
                if vals.get("calendoc_practitioner_id")
                else event.calendoc_practitioner_id
            )
            start = fields.Datetime.to_datetime(vals.get("start")) or event.start
            stop = fields.Datetime.to_datetime(vals.get("stop")) or event.stop
            if start and stop and stop <= start:
                raise ValidationError(
                    self.env._("An appointment must end after it starts.")
                )
            if not engine._is_within_hours(
                practitioner, event.calendoc_practice_id, start, stop
            ):
                raise ValidationError(
                    self.env._(
                        "%(practitioner)s does not consult at %(practice)s at "
                        "that time (closed, absent or a public holiday): the "
                        "appointment stays where it was.",
                        practitioner=practitioner.name,
                        practice=event.calendoc_practice_id.name,
                    )
                )
