import json

from odoo import fields, models
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

    def _calendoc_gdpr_data(self):
        """{model: rows} of every model that declares personal data, about
        this requester, from the declared lists only."""
        self.ensure_one()
        data = {
            "requester": self.name,
            "exported": fields.Datetime.now(),
        }
        for name in sorted(self.env.registry):
            model = self.env[name]
            if (
                model._abstract
                or model._transient
                or not model._calendoc_personal_fields
            ):
                continue
            # sudo: a manager's access export covers every record about him,
            # those kept by the system too (SMS sent, call events)
            rows = model.sudo()._calendoc_personal_data(self)
            if rows:
                data[name] = rows
        return data
