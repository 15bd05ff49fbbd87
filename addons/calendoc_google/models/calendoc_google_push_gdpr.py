"""The Google sync queue as a store of requesters' data (ARCHITECTURE
invariant 4): its rows name an appointment (``event_ref``) and its Google
copy. An erasure keeps them: deleting an appointment queues the deletion of
its Google copy (``calendar.event.unlink``), and that queued row is what
erases the person from Google. The mapping itself (the Google id on the
appointment) goes with the appointment."""

from odoo import api, models


class CalendocGooglePush(models.Model):
    _inherit = "calendoc.google.push"

    _calendoc_personal_fields = ("event_ref", "google_event_id")
    _calendoc_erasure = "keep"
    _calendoc_erasure_reason = (
        "Ids only, no personal data: the queued deletions erase the Google "
        "copies of the appointments (GDPR article 17.2)."
    )
    _calendoc_retention = "appointments"

    # --- hooks (docs/extending.md) ------------------------------------------------
    @api.model
    def _calendoc_personal_records(self, requesters):
        docs = self.env.context.get("calendoc_gdpr_documents")
        if docs is None:
            events = (
                self.env["calendar.event"].sudo()._calendoc_personal_records(requesters)
            )
            docs = {"calendar.event": events.ids}
        if not docs.get("calendar.event"):
            return self.browse()
        return self.search([("event_ref", "in", docs["calendar.event"])], order="id")
