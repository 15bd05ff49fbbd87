from odoo import fields, models

# What a Google event may show of a requester (practice option "requester").
NAME_FIELDS = {"name", "calendoc_last_name", "calendoc_first_name"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        result = super().write(vals)
        if NAME_FIELDS & set(vals):
            self._calendoc_google_rename()
        return result

    def _calendoc_google_rename(self):
        """A requester renamed (or anonymised on erasure): the Google copies of
        his coming appointments that show his name follow."""
        requesters = self.filtered("is_calendoc_requester")
        if not requesters:
            return
        # sudo: whoever may rename the requester; only ids are queued
        events = (
            self.env["calendar.event"]
            .sudo()
            .search(
                [
                    ("calendoc_requester_id", "in", requesters.ids),
                    ("calendoc_practice_id.google_title", "=", "requester"),
                    ("calendoc_state", "!=", "cancelled"),
                    ("stop", ">", fields.Datetime.now()),
                ]
            )
        )
        events._calendoc_google_enqueue("patch")
