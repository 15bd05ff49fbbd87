from odoo import api, models


class Base(models.AbstractModel):
    """The declaration of a requester's personal data (ARCHITECTURE invariant
    4), on every model: ``_calendoc_personal_fields`` lists the fields that
    hold it, ``_calendoc_requester_link`` the path from a record to the
    requester it is about. calendoc_gdpr reads both; a model whose data needs
    more than its own fields overrides ``_calendoc_personal_data``."""

    _inherit = "base"

    _calendoc_personal_fields = ()
    _calendoc_requester_link = None

    @api.model
    def _calendoc_personal_data(self, requesters):
        """The declared fields of this model's records about ``requesters``
        (archived ones included), as ``read`` gives them."""
        if not self._calendoc_personal_fields or not self._calendoc_requester_link:
            return []
        records = self.with_context(active_test=False).search(
            [(self._calendoc_requester_link, "in", requesters.ids)], order="id"
        )
        return records.read(list(self._calendoc_personal_fields))
