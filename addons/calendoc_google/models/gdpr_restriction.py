"""GDPR restriction (article 18) on the Google side: the appointments of a
restricted requester leave Google and are no longer synchronised; lifting
the restriction puts them back."""

from odoo import fields, models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    def _calendoc_google_pushable(self, connection):
        if self.calendoc_requester_id.calendoc_restricted:
            return False
        return super()._calendoc_google_pushable(connection)


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        result = super().write(vals)
        if "calendoc_restricted" in vals:
            self._calendoc_google_requeue(
                "patch" if vals["calendoc_restricted"] else "insert"
            )
        return result

    def _calendoc_google_requeue(self, operation):
        """Queue ``operation`` for the coming appointments of these requesters
        (a push of an appointment no longer pushable deletes its copy)."""
        requesters = self.filtered("is_calendoc_requester")
        if not requesters:
            return
        # sudo: whoever restricts the requester (a manager); only ids are queued
        events = (
            self.env["calendar.event"]
            .sudo()
            .search(
                [
                    ("calendoc_requester_id", "in", requesters.ids),
                    ("calendoc_state", "!=", "cancelled"),
                    ("stop", ">", fields.Datetime.now()),
                ]
            )
        )
        events._calendoc_google_enqueue(operation)
