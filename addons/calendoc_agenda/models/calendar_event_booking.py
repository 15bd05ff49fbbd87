from odoo import models
from odoo.tools import SQL

from .calendar_event import OVERLAP_CONSTRAINT


class CalendarEvent(models.Model):
    """The database as the guard of the agendas (ARCHITECTURE invariant 1):
    the exclusion constraint that refuses a double booking, and the indexes
    the agendas and the slot engine read."""

    _inherit = "calendar.event"

    def init(self):
        cr = self.env.cr
        # btree_gist lets one GiST index compare the practitioner (=) and the time
        # range (&&): the database itself refuses a double booking, whatever the
        # number of workers racing for the slot.
        cr.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        cr.execute(
            SQL(
                "SELECT 1 FROM pg_constraint WHERE conname = %s",
                OVERLAP_CONSTRAINT,
            )
        )
        if not cr.fetchone():
            cr.execute(
                SQL(
                    """
                    ALTER TABLE calendar_event ADD CONSTRAINT %s
                    EXCLUDE USING gist (
                        calendoc_practitioner_id WITH =,
                        tsrange(start, stop, '[)') WITH &&
                    ) WHERE (
                        calendoc_practitioner_id IS NOT NULL
                        AND calendoc_state <> 'cancelled' AND active
                    )
                    """,
                    SQL.identifier(OVERLAP_CONSTRAINT),
                )
            )
        # The week agenda reads by practitioner and start.
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS calendar_event_calendoc_agenda_idx
            ON calendar_event (calendoc_practitioner_id, start)
            WHERE calendoc_practitioner_id IS NOT NULL
            """
        )
        # Practitioners' private events block their agenda: read by date range.
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS calendar_event_start_stop_idx
            ON calendar_event (start, stop)
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS calendar_event_res_partner_rel_partner_idx
            ON calendar_event_res_partner_rel (res_partner_id, calendar_event_id)
            """
        )
        # The slot engine skips events an attendee declined.
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS calendar_attendee_declined_idx
            ON calendar_attendee (event_id, partner_id) WHERE state = 'declined'
            """
        )
        return super().init()
