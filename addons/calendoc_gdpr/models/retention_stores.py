from odoo import api, models
from odoo.tools import SQL


class Base(models.AbstractModel):
    _inherit = "base"

    # --- hooks (docs/extending.md) -----------------------------------------------
    @api.model
    def _calendoc_retention_ids(self, category, cutoff):
        """The ids of this store's records of ``category`` whose retention
        date (``_calendoc_retention_date``) is before ``cutoff``: records
        about a requester only (an anonymised record has lost its link)."""
        if self._calendoc_retention != category or not self._calendoc_requester_link:
            # Odoo's stores (chatter, followers, attachments) reach a requester
            # through the documents they hang from: they go with them, never
            # by a search of their own (which would take everybody's)
            return []
        domain = [(self._calendoc_retention_date, "<", cutoff)]
        if self._calendoc_requester_link and self._calendoc_requester_link != "id":
            domain.append((self._calendoc_requester_link, "!=", False))
        return self.with_context(active_test=False).search(domain, order="id").ids


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _calendoc_retention_ids(self, category, cutoff):
        """Requester files created before ``cutoff`` without an appointment
        since (ending after ``cutoff``, future ones included)."""
        if category != "requesters":
            return super()._calendoc_retention_ids(category, cutoff)
        # an erased requester is an archived, anonymised contact: not again
        self.env["res.partner"].flush_model(
            ["is_calendoc_requester", "active", "create_date"]
        )
        self.env["calendar.event"].flush_model(["calendoc_requester_id", "stop"])
        # SQL: one anti-join over the appointments instead of a search of
        # every requester's appointments
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id FROM res_partner p
                 WHERE p.is_calendoc_requester AND p.active
                   AND p.create_date < %(cutoff)s
                   AND NOT EXISTS (
                       SELECT 1 FROM calendar_event e
                        WHERE e.calendoc_requester_id = p.id
                          AND e.stop >= %(cutoff)s)
                 ORDER BY p.id
                """,
                cutoff=cutoff,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]


class IrAttachment(models.Model):
    _inherit = "ir.attachment"
    # call recordings (calendoc_voip keeps them as attachments of the call)
    _calendoc_retention = "recordings"

    @api.model
    def _calendoc_retention_ids(self, category, cutoff):
        if category != "recordings" or "calendoc.call" not in self.env:
            return []
        return self.search(
            [("res_model", "=", "calendoc.call"), ("create_date", "<", cutoff)],
            order="id",
        ).ids
