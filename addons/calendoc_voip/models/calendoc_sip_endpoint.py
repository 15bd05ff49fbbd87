import hashlib
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.calendoc_agenda.tools.params import parse_text


class CalendocSipEndpoint(models.Model):
    """The phone (softphone or desk phone) a secretary answers on."""

    _name = "calendoc.sip.endpoint"
    _description = "Secretary's SIP endpoint"
    _order = "extension"
    _rec_name = "extension"

    user_id = fields.Many2one(
        "res.users",
        string="Secretary",
        required=True,
        ondelete="cascade",
        domain=[("share", "=", False)],
    )
    extension = fields.Char(
        required=True, help="Short number of the phone, as 201: its SIP user name."
    )
    contact_uri = fields.Char(
        string="Contact",
        help="Where the bridge reaches the phone: host:port (UDP), as "
        "192.0.2.10:5060. Empty for a phone that registers with the bridge (its "
        "registration wins over this address anyway).",
    )
    device = fields.Char(help="Softphone or desk phone model, for the record.")
    auto_answer = fields.Boolean(
        default=True,
        help="Ask the phone to pick up by itself (Call-Info answer-after=0), as "
        "the terms recommend: the secretary is on the line at once.",
    )
    sip_password = fields.Char(
        string="SIP password",
        copy=False,
        groups="calendoc_agenda.group_calendoc_manager",
        help="The phone's password for the bridge's registrar (digest "
        "authentication). Empty: the phone registers without one, from the "
        "phones' network only.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("user_uniq", "unique (user_id)", "A secretary has one phone."),
        ("extension_uniq", "unique (extension)", "This extension is already used."),
    ]

    @api.constrains("extension", "contact_uri")
    def _check_address(self):
        for endpoint in self:
            if not re.fullmatch(r"[0-9A-Za-z_.-]{1,32}", endpoint.extension or ""):
                raise ValidationError(
                    self.env._(
                        "%(extension)s is not a valid extension (letters, digits, "
                        "dots and dashes).",
                        extension=endpoint.extension,
                    )
                )
            if endpoint.contact_uri and not re.fullmatch(
                r"[0-9A-Za-z_.-]+:[0-9]{1,5}", endpoint.contact_uri
            ):
                raise ValidationError(
                    self.env._(
                        "%(contact)s is not a phone address: type host:port.",
                        contact=endpoint.contact_uri,
                    )
                )

    @api.model
    def _digest_ha1(self, extension, realm):
        """(found, HA1) of the phone ``extension`` for the registrar's digest
        (RFC 2617/8760, MD5: what SIP phones speak): the hash of
        ``extension:realm:password``, never the password; HA1 None when the
        phone has no password."""
        extension, realm = parse_text(extension), parse_text(realm)
        if not extension or realm is None:
            return False, None
        # sudo: the bridge asks, authenticated by its signature; the password
        # is readable by managers only and leaves Odoo only hashed with the realm
        endpoint = self.sudo().search([("extension", "=", extension)], limit=1)
        if not endpoint:
            return False, None
        if not endpoint.sip_password:
            return True, None
        secret = f"{extension}:{realm}:{endpoint.sip_password}".encode()
        return True, hashlib.md5(secret, usedforsecurity=False).hexdigest()
