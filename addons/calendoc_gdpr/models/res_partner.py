from odoo import api, fields, models
from odoo.exceptions import AccessError

MANAGER = "calendoc_agenda.group_calendoc_manager"


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _calendoc_gdpr_stores(self):
        """The names of the models that declare personal data (the stores
        export, erasure, restriction and retention walk), sorted."""
        return [
            name
            for name in sorted(self.env.registry)
            if not self.env[name]._abstract
            and not self.env[name]._transient
            and self.env[name]._calendoc_personal_fields
        ]

    def _calendoc_gdpr_records(self):
        """{model: records} of every declared store about these requesters:
        the one collection export and erasure both read, so that they cover
        the same data."""
        # sudo: an access or erasure request covers every record about him,
        # those kept by the system too (SMS sent, call events); callers check
        # the manager's right first
        return {
            name: records
            for name in self._calendoc_gdpr_stores()
            if (records := self.env[name].sudo()._calendoc_personal_records(self))
        }

    def _calendoc_gdpr_data(self):
        """{model: rows} of every model that declares personal data, about
        this requester, from the declared lists only."""
        self.ensure_one()
        data = {
            "requester": self.name,
            "exported": fields.Datetime.now(),
        }
        for name in self._calendoc_gdpr_stores():
            # sudo: as in _calendoc_gdpr_records
            rows = self.env[name].sudo()._calendoc_personal_data(self)
            if rows:
                data[name] = rows
        return data

    def _calendoc_gdpr_erase(self, request=None):
        """Erase these requesters' data, store by store, per each store's
        declared erasure mode; {model: count}. Secretariat managers only
        (checked here: the stores are walked with sudo)."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager erases personal data.")
            )
        counts = {}
        records = self._calendoc_gdpr_records()
        # the requesters themselves last: the other stores point to them
        for name in sorted(records, key=lambda name: name == "res.partner"):
            counts[name] = records[name]._calendoc_erase_personal()
        return counts

    def _calendoc_gdpr_restrict(self, restricted=True, request=None):
        """Restrict (GDPR article 18) or lift the restriction of these
        requesters. Secretariat managers only."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager restricts processing.")
            )
        self.check_access("write")
        # sudo: the flag is read-only on the form, set by this path only
        self.sudo().write({"calendoc_restricted": restricted})
