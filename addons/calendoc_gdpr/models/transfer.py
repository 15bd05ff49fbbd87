"""Transfers outside the EU (issue 20, point 8): each client account
authorises or refuses them; the Google Calendar sync is one, and stays off
(no push, no pull, no connection) until its account authorised it. And the
firm's data protection officer, shown to clients and patients."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER = "calendoc_agenda.group_calendoc_manager"
DPO_KEYS = ("dpo_name", "dpo_email", "dpo_address")


class ResPartner(models.Model):
    _inherit = "res.partner"

    calendoc_transfer_outside_eu = fields.Selection(
        [("authorised", "Authorised"), ("refused", "Refused")],
        string="Transfers outside the EU",
        readonly=True,
        copy=False,
        tracking=True,
        help="The client account's decision on transfers of its patients' data "
        "outside the European Union (Google Calendar synchronisation among "
        "them). Empty: not decided, no transfer.",
    )
    calendoc_transfer_date = fields.Datetime(
        string="Transfers decided on", readonly=True, copy=False
    )
    calendoc_transfer_user_id = fields.Many2one(
        "res.users", string="Transfers decided by", readonly=True, copy=False
    )

    def action_calendoc_transfer_authorise(self):
        return self._calendoc_transfer_decide("authorised")

    def action_calendoc_transfer_refuse(self):
        return self._calendoc_transfer_decide("refused")

    def _calendoc_transfer_decide(self, decision):
        """Record the accounts' decision (secretariat managers, on the client's
        written instruction)."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager records this decision.")
            )
        if not self or not all(self.mapped("is_calendoc_client")):
            raise UserError(self.env._("Transfers are decided by client accounts."))
        self.check_access("write")
        self.write(
            {
                "calendoc_transfer_outside_eu": decision,
                "calendoc_transfer_date": fields.Datetime.now(),
                "calendoc_transfer_user_id": self.env.uid,
            }
        )
        return True

    def _calendoc_transfers_allowed(self):
        """Whether this client account authorised transfers outside the EU."""
        self.ensure_one()
        # sudo: the decision is the account's, read for whoever syncs
        return self.sudo().calendoc_transfer_outside_eu == "authorised"

    @api.model
    def _calendoc_dpo_contact(self):
        """The firm's data protection officer: {name, email, address}, empty
        values when not set. Shown on public pages."""
        # sudo: public pages read the firm's published contact
        params = self.env["ir.config_parameter"].sudo()
        return {
            key.removeprefix("dpo_"): params.get_param(f"calendoc_gdpr.{key}") or ""
            for key in DPO_KEYS
        }


class CalendocGoogleConnection(models.Model):
    _inherit = "calendoc.google.connection"

    def _calendoc_check_transfers(self):
        for connection in self:
            account = connection.sudo().account_id
            if not account or not account._calendoc_transfers_allowed():
                raise UserError(
                    self.env._(
                        "Google Calendar is a transfer of patients' data outside "
                        "the European Union: the client account has not "
                        "authorised it (Transfers outside the EU, on the "
                        "account), so the synchronisation stays off."
                    )
                )

    def action_connect(self):
        # the rights first: the refusal below tells about the account
        self.check_access("write")
        self._calendoc_check_transfers()
        return super().action_connect()

    def _google_client(self):
        # every call to Google goes through the client: none without consent
        self._calendoc_check_transfers()
        return super()._google_client()

    def _google_pull(self, raise_errors=False):
        try:
            self._calendoc_check_transfers()
        except UserError:
            if raise_errors:
                raise
            return 0
        return super()._google_pull(raise_errors=raise_errors)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    calendoc_dpo_name = fields.Char(
        string="DPO name", config_parameter="calendoc_gdpr.dpo_name"
    )
    calendoc_dpo_email = fields.Char(
        string="DPO e-mail", config_parameter="calendoc_gdpr.dpo_email"
    )
    calendoc_dpo_address = fields.Char(
        string="DPO address", config_parameter="calendoc_gdpr.dpo_address"
    )
