import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import json_default

MANAGER = "calendoc_agenda.group_calendoc_manager"


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_calendoc_gdpr_export(self):
        """Access request (GDPR article 15) of these requesters: one JSON file
        each with what every model declaring personal data
        (``_calendoc_personal_fields``) holds about him, attached to him,
        noted in his chatter, downloaded. Secretariat managers only."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager exports personal data.")
            )
        requesters = self.filtered("is_calendoc_requester")
        if not requesters:
            raise UserError(self.env._("Select the requesters whose data to export."))
        requesters.check_access("read")
        attachments = self.env["ir.attachment"]
        for requester in requesters:
            data = requester._calendoc_gdpr_data()
            attachments |= self.env["ir.attachment"].create(
                {
                    "name": f"personal-data-{requester.id}.json",
                    "mimetype": "application/json",
                    "raw": json.dumps(
                        data, default=json_default, ensure_ascii=False, indent=1
                    ).encode(),
                    "res_model": "res.partner",
                    "res_id": requester.id,
                }
            )
            requester.message_post(
                body=self.env._(
                    "Personal data exported (access request) by %(user)s.",
                    user=self.env.user.name,
                ),
                attachment_ids=attachments[-1:].ids,
            )
        if len(attachments) > 1:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "message": self.env._(
                        "%(count)s exports attached to the requesters.",
                        count=len(attachments),
                    ),
                },
            }
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachments.id}?download=true",
            "target": "self",
        }

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
