from odoo import models

from odoo.addons.calendoc_agenda.tools.local_time import format_prose, local_tz


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_calendoc_gdpr_export(self):
        """Access or portability request (GDPR articles 15 and 20) of these
        requesters: one export bundle each (calendoc.gdpr.export), its
        download link shown to the manager. Secretariat managers only."""
        exports = self.env["calendoc.gdpr.export"]._calendoc_create_bundles(self)
        action = {
            "type": "ir.actions.act_window",
            "res_model": "calendoc.gdpr.export",
            "name": self.env._("Personal data exports"),
            "target": "current",
        }
        if len(exports) == 1:
            return {**action, "view_mode": "form", "res_id": exports.id}
        return {
            **action,
            "view_mode": "list,form",
            "domain": [("id", "in", exports.ids)],
        }

    def _calendoc_gdpr_summary(self):
        """What the French PDF summary of the bundle shows of this requester:
        {"stores": [(description, count)], "appointments": [(when, practitioner,
        state)]}, times in the practice's time zone."""
        self.ensure_one()
        # sudo: the summary lists what the export bundle holds (the manager's
        # right is checked when the bundle is created)
        records = self.sudo()._calendoc_gdpr_records()
        stores = [
            (self.env[model]._description, len(found))
            for model, found in sorted(records.items())
        ]
        appointments = []
        events = records.get("calendar.event") or self.env["calendar.event"]
        for event in events.sorted("start"):
            tz = local_tz(self.env, event.calendoc_practice_id)
            appointments.append(
                (
                    format_prose(self.env, event.start, tz),
                    event.calendoc_practitioner_id.name or "",
                    dict(
                        event._fields["calendoc_state"]._description_selection(self.env)
                    ).get(event.calendoc_state, ""),
                )
            )
        return {"stores": stores, "appointments": appointments}
