"""GDPR on the agenda's side (ARCHITECTURE invariants 4 and 8): how a
requester is anonymised on erasure, and what a restriction (article 18,
``calendoc_restricted``, set by calendoc_gdpr) stops here: no new appointment
for him and no SMS to him."""

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Command


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _calendoc_erase_personal(self):
        """Anonymise these requesters: the declared fields emptied, a neutral
        name (Odoo requires one on a contact), archived."""
        vals = {"active": False}
        for name in self._calendoc_personal_fields:
            field = self._fields[name]
            if field.type == "one2many":
                continue
            vals[name] = [Command.clear()] if field.type == "many2many" else False
        for partner in self:
            partner.write(
                dict(
                    vals,
                    name=self.env._("Anonymised requester %(id)s", id=partner.id),
                )
            )
        return len(self)

    def _calendoc_check_not_restricted(self):
        """Refuse (UserError) to process these requesters when restricted."""
        restricted = self.filtered("calendoc_restricted")
        if restricted:
            raise UserError(
                self.env._(
                    "The processing of %(names)s's data is restricted (GDPR "
                    "article 18): no appointment can be booked and no SMS sent "
                    "for this requester until a manager lifts the restriction.",
                    names=", ".join(restricted.mapped("name")),
                )
            )


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    @api.model_create_multi
    def create(self, vals_list):
        requester_ids = {
            vals["calendoc_requester_id"]
            for vals in vals_list
            if vals.get("calendoc_requester_id")
        }
        if requester_ids:
            # sudo: the flag only, of requesters the caller names
            self.env["res.partner"].sudo().browse(
                requester_ids
            )._calendoc_check_not_restricted()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("calendoc_requester_id"):
            # sudo: as in create
            self.env["res.partner"].sudo().browse(
                vals["calendoc_requester_id"]
            )._calendoc_check_not_restricted()
        return super().write(vals)

    def _calendoc_sms_allowed(self, kind):
        if self.calendoc_requester_id.calendoc_restricted:
            return False
        return super()._calendoc_sms_allowed(kind)
