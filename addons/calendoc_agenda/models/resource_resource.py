from odoo import fields, models


class ResourceResource(models.Model):
    _inherit = "resource.resource"
    # Tenant isolation: a practitioner's resource (his name, his hours, his
    # absences) is his client account's.
    _calendoc_account_link = "calendoc_practitioner_ids.account_id"

    calendoc_practitioner_ids = fields.One2many(
        "calendoc.practitioner", "resource_id", string="Practitioner"
    )


class ResourceCalendarLeaves(models.Model):
    _inherit = "resource.calendar.leaves"
    _calendoc_account_link = "resource_id.calendoc_practitioner_ids.account_id"
    _calendoc_rule_fields = ("resource_id",)
