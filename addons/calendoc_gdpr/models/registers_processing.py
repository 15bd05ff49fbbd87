"""The processor's register (GDPR article 30.2): the categories of processing
the firm carries out for its client accounts (the controllers), with the
sub-processors each one uses, the transfers outside the EU they imply and
the firm's security measures; one register per client account, printed as a
PDF (report ``calendoc_gdpr.calendoc_gdpr_register_report``)."""

from odoo import api, fields, models


class CalendocGdprProcessing(models.Model):
    _name = "calendoc.gdpr.processing"
    _description = "Category of processing (processor's register)"
    _order = "sequence, id"

    # the firm's own register: written in its language by its manager, like
    # its company data (not translated)
    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    purpose = fields.Text(required=True)
    data_categories = fields.Text(string="Categories of personal data")
    subject_categories = fields.Text(string="Categories of data subjects")
    retention = fields.Text(string="Retention")
    all_accounts = fields.Boolean(
        string="For every client account",
        default=True,
        help="Carried out for every client account; otherwise only for the "
        "accounts listed.",
    )
    account_ids = fields.Many2many(
        "res.partner",
        "calendoc_gdpr_processing_account_rel",
        "processing_id",
        "account_id",
        string="Client accounts",
        domain=[("is_calendoc_client", "=", True)],
    )
    subprocessor_ids = fields.Many2many(
        "calendoc.gdpr.subprocessor", string="Sub-processors"
    )

    @api.model
    def _calendoc_register_of(self, account):
        """The categories of processing carried out for ``account``."""
        return self.search(
            ["|", ("all_accounts", "=", True), ("account_ids", "in", account.ids)]
        )


class ResCompany(models.Model):
    _inherit = "res.company"

    calendoc_gdpr_security_measures = fields.Text(
        string="Security measures (processor's register)",
        help="General description of the technical and organisational security "
        "measures (GDPR article 32), printed in each client's register.",
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _calendoc_gdpr_register(self):
        """What the register of this client account holds: its categories of
        processing, the sub-processors in force for them and the transfers
        outside the EU. Read by the PDF report (managers)."""
        self.ensure_one()
        processings = self.env["calendoc.gdpr.processing"]._calendoc_register_of(self)
        subprocessors = processings.subprocessor_ids.filtered(
            lambda sub: sub.state == "active"
        )
        return {
            "processings": processings,
            "subprocessors": subprocessors,
            "transfers": subprocessors.filtered("outside_eu"),
            "company": self.env.company,
        }

    def _calendoc_portal_register_pdf(self):
        """(PDF, file name) of this account's register, for its portal
        administrators."""
        self._calendoc_portal_check_own()
        # sudo: the register's models are the firm's (managers only); the
        # report holds this account's categories of processing only, and the
        # user is its administrator (checked just above)
        pdf, _type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("calendoc_gdpr.calendoc_gdpr_register_report", self.ids)
        )
        return pdf, f"Registre-{self.calendoc_permanence_code or self.id}.pdf"

    def action_calendoc_gdpr_register(self):
        """The PDF register of this client account (article 30.2)."""
        self.ensure_one()
        return self.env.ref(
            "calendoc_gdpr.calendoc_gdpr_register_report"
        ).report_action(self)
