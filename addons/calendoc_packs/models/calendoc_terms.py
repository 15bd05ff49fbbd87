from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.calendoc_agenda.tools.local_time import format_day


class CalendocTermsVersion(models.Model):
    """A version of the terms of service. Active clients are sent each new
    version and have 14 days to object; objecting clients keep the previous
    terms until their current pack ends."""

    _name = "calendoc.terms.version"
    _description = "Terms of service version"
    _order = "date_effective desc, id desc"

    name = fields.Char(required=True)
    date_effective = fields.Date(string="In force from", required=True)
    body = fields.Html(translate=True)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published")], default="draft", required=True
    )
    date_published = fields.Date(readonly=True)
    objection_days = fields.Integer(default=14)
    objection_ids = fields.One2many("calendoc.terms.objection", "version_id")

    def action_publish(self):
        """Publish this version and send it to every client with a valid pack."""
        for version in self:
            if version.state != "draft":
                raise UserError(self.env._("This version is already published."))
            version.write(
                {
                    "state": "published",
                    "date_published": fields.Date.context_today(self),
                }
            )
            today = fields.Date.context_today(self)
            clients = (
                self.env["calendoc.pack"]
                .search([("date_start", "<=", today), ("date_end", ">=", today)])
                .account_id
            )
            deadline = version.date_published + relativedelta(
                days=version.objection_days
            )
            for client in clients:
                # in the client's language, days in words (not ISO dates)
                env = self.with_context(lang=client.lang or self.env.lang).env
                client.message_post(
                    body=env._(
                        "New terms of service %(version)s, in force on %(date)s. You may "
                        "object until %(deadline)s; you then keep your current terms "
                        "until your pack ends.",
                        version=version.name,
                        date=format_day(env, version.date_effective, client.lang),
                        deadline=format_day(env, deadline, client.lang),
                    ),
                    partner_ids=client.ids if client.email else [],
                    subtype_xmlid="mail.mt_comment",
                )

    @api.model
    def _in_force_for(self, account, on_date=None):
        """The terms version that governs ``account`` on ``on_date``."""
        on_date = on_date or fields.Date.context_today(self)
        versions = self.search(
            [("state", "=", "published"), ("date_effective", "<=", on_date)]
        )
        for version in versions:  # newest first
            objection = version.objection_ids.filtered(
                lambda o: o.account_id == account
            )
            if not objection or objection.keep_until < on_date:
                return version
        return versions[-1:] if versions else self.browse()


class CalendocTermsObjection(models.Model):
    _name = "calendoc.terms.objection"
    _description = "Objection to new terms"

    version_id = fields.Many2one(
        "calendoc.terms.version", required=True, ondelete="cascade"
    )
    account_id = fields.Many2one("res.partner", required=True, string="Client account")
    date = fields.Date(required=True, default=fields.Date.context_today)
    keep_until = fields.Date(
        compute="_compute_keep_until",
        store=True,
        help="The previous terms apply until the pack in force when objecting ends.",
    )

    _sql_constraints = [
        ("uniq", "unique (version_id, account_id)", "This client already objected."),
    ]

    @api.depends("account_id", "date")
    def _compute_keep_until(self):
        for objection in self:
            packs = self.env["calendoc.pack"].search(
                [
                    ("account_id", "=", objection.account_id.id),
                    ("date_start", "<=", objection.date),
                    ("date_end", ">=", objection.date),
                ]
            )
            objection.keep_until = max(packs.mapped("date_end"), default=objection.date)

    @api.model_create_multi
    def create(self, vals_list):
        objections = super().create(vals_list)
        for objection in objections:
            version = objection.version_id
            deadline = (version.date_published or objection.date) + relativedelta(
                days=version.objection_days
            )
            if version.state != "published" or objection.date > deadline:
                raise UserError(
                    self.env._(
                        "Objections to %(version)s were accepted until %(deadline)s.",
                        version=version.name,
                        deadline=deadline,
                    )
                )
        return objections
