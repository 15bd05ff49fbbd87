from stdnum import iban as stdnum_iban
from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..models.sms_sms import PROVIDERS
from ..tools.sms_gateway import PARAM_PREFIX
from ..tools.sms_ovh import OvhSmsApi

# The firm's identity, as the company holds it.
COMPANY_FIELDS = (
    "name",
    "logo",
    "street",
    "street2",
    "zip",
    "city",
    "country_id",
    "phone",
    "email",
    "website",
    "vat",
    "company_registry",
)


class CalendocFirmSetup(models.TransientModel):
    """First-run set-up of the firm, for a secretariat manager without developer
    mode: the company (name, address, logo, SIRET, VAT), its bank account and,
    for system administrators, the SMS gateway (and, with calendoc_voip, the
    telephony bridge). Odoo's Settings need administrator rights and hide the
    company's legal numbers in the company form."""

    _name = "calendoc.firm.setup"
    _description = "First-run set-up of the firm"

    name = fields.Char(
        string="Company name",
        required=True,
        default=lambda self: self._default_company("name"),
    )
    logo = fields.Binary(default=lambda self: self._default_company("logo"))
    street = fields.Char(default=lambda self: self._default_company("street"))
    street2 = fields.Char(default=lambda self: self._default_company("street2"))
    zip = fields.Char(default=lambda self: self._default_company("zip"))
    city = fields.Char(default=lambda self: self._default_company("city"))
    country_id = fields.Many2one(
        "res.country",
        string="Country",
        default=lambda self: self._default_company("country_id"),
    )
    phone = fields.Char(default=lambda self: self._default_company("phone"))
    email = fields.Char(default=lambda self: self._default_company("email"))
    website = fields.Char(default=lambda self: self._default_company("website"))
    vat = fields.Char(
        string="VAT number", default=lambda self: self._default_company("vat")
    )
    company_registry = fields.Char(
        string="SIRET",
        help="The firm's SIRET, printed on quotations and invoices.",
        default=lambda self: self._default_company("company_registry"),
    )
    bank_acc_number = fields.Char(
        string="IBAN",
        help="The account clients pay their packs into by wire transfer.",
        default=lambda self: self._default_company("bank_acc_number"),
    )
    # The SMS gateway: system parameters, system administrators only (as in
    # the Settings).
    calendoc_sms_provider = fields.Selection(
        PROVIDERS,
        string="SMS provider",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_sms_provider"),
    )
    calendoc_ovh_endpoint = fields.Char(
        string="OVH API endpoint",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_ovh_endpoint"),
    )
    calendoc_ovh_application_key = fields.Char(
        string="OVH application key",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_ovh_application_key"),
    )
    calendoc_ovh_application_secret = fields.Char(
        string="OVH application secret",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_ovh_application_secret"),
    )
    calendoc_ovh_consumer_key = fields.Char(
        string="OVH consumer key",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_ovh_consumer_key"),
    )
    calendoc_ovh_service_name = fields.Char(
        string="OVH SMS account",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_ovh_service_name"),
    )
    calendoc_ovh_sender = fields.Char(
        string="SMS sender",
        groups="base.group_system",
        default=lambda self: self._default_param("calendoc_ovh_sender"),
    )

    @api.model
    def _default_company(self, fname):
        """The current company's value of ``fname`` (the form opens on it)."""
        if fname == "bank_acc_number":
            return self.env.company.partner_id.bank_ids[:1].acc_number
        value = self.env.company[fname]
        return value.id if fname == "country_id" else value

    @api.model
    def _default_param(self, fname):
        """The system parameter behind ``fname``, for system administrators."""
        if not self.env.user.has_group("base.group_system"):
            return False
        key, default = self._calendoc_system_params()[fname]
        return self.env["ir.config_parameter"].get_param(key, default)

    @api.model
    def _calendoc_system_params(self):
        """Field -> (system parameter, default) of the settings only system
        administrators read and change. calendoc_voip adds the bridge's."""
        return {
            "calendoc_sms_provider": (f"{PARAM_PREFIX}sms_provider", "iap"),
            "calendoc_ovh_endpoint": (
                f"{PARAM_PREFIX}ovh_endpoint",
                OvhSmsApi.DEFAULT_ENDPOINT,
            ),
            "calendoc_ovh_application_key": (
                f"{PARAM_PREFIX}ovh_application_key",
                False,
            ),
            "calendoc_ovh_application_secret": (
                f"{PARAM_PREFIX}ovh_application_secret",
                False,
            ),
            "calendoc_ovh_consumer_key": (f"{PARAM_PREFIX}ovh_consumer_key", False),
            "calendoc_ovh_service_name": (f"{PARAM_PREFIX}ovh_service_name", False),
            "calendoc_ovh_sender": (f"{PARAM_PREFIX}ovh_sender", False),
        }

    def action_save(self):
        """Write the firm's identity on the current company, its bank account,
        and (system administrators) the gateways' settings. Nothing is written
        when a value is refused."""
        self.ensure_one()
        if not self.env.user.has_group("calendoc_agenda.group_calendoc_manager"):
            raise AccessError(
                self.env._("Only a secretariat manager sets the firm up.")
            )
        company = self.env.company
        iban = self._calendoc_checked_iban()
        self._calendoc_check_siret()
        values = {
            fname: self[fname].id if fname == "country_id" else self[fname]
            for fname in COMPANY_FIELDS
        }
        # sudo: Odoo lets only access-rights administrators write a company; the
        # secretariat manager sets his own firm's identity (these fields of his
        # current company, no right among them).
        company.sudo().write(values)
        if iban:
            banks = company.partner_id.sudo().bank_ids
            known = banks.filtered(
                lambda bank: bank.sanitized_acc_number == iban.replace(" ", "")
            )
            if not known:
                # sudo: as above, the firm's own account (partner managers only)
                self.env["res.partner.bank"].sudo().create(
                    {
                        "acc_number": iban,
                        "partner_id": company.partner_id.id,
                        "company_id": company.id,
                        "allow_out_payment": True,
                    }
                )
        if self.env.user.has_group("base.group_system"):
            params = self.env["ir.config_parameter"]
            for fname, (key, _default) in self._calendoc_system_params().items():
                params.set_param(key, self[fname] or False)
        return {"type": "ir.actions.act_window_close"}

    def _calendoc_checked_iban(self):
        """The IBAN typed, formatted, or nothing; a wrong one is refused."""
        if not self.bank_acc_number:
            return False
        try:
            return stdnum_iban.format(stdnum_iban.validate(self.bank_acc_number))
        except ValueError as error:
            raise ValidationError(
                self.env._("The IBAN %(iban)s is not valid.", iban=self.bank_acc_number)
            ) from error

    def _calendoc_check_siret(self):
        """A French firm's company ID is its SIRET: 14 digits with their key."""
        if (
            self.company_registry
            and self.country_id.code == "FR"
            and not stdnum_siret.is_valid(self.company_registry)
        ):
            raise ValidationError(
                self.env._(
                    "The SIRET %(siret)s is not valid: 14 digits, the last one a "
                    "check digit.",
                    siret=self.company_registry,
                )
            )
