import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.calendoc_agenda.tools.params import parse_id, parse_text

KINDS = ("sip", "asterisk_ari")
STATUSES = ("connected", "disconnected")
# the longest status detail the bridge may send
MAX_DETAIL = 4000


class CalendocPbx(models.Model):
    """A PBX the bridge drives: its own SIP B2BUA, or Asterisk through ARI.

    The bridge is started with ``--pbx <id or name>`` and asks Odoo for this
    configuration through a signed route; the ARI password leaves Odoo only in
    that signed answer (never on a command line, in a log or on the bus)."""

    _name = "calendoc.pbx"
    _description = "PBX connection"
    _order = "name"

    name = fields.Char(required=True)
    kind = fields.Selection(
        [
            ("sip", "SIP (the bridge's own B2BUA and registrar)"),
            ("asterisk_ari", "Asterisk (ARI)"),
        ],
        required=True,
        default="sip",
    )
    ari_url = fields.Char(
        string="ARI URL",
        help="Asterisk's HTTP server, as http://10.0.0.5:8088 (http.conf).",
    )
    ari_app = fields.Char(
        string="Stasis application",
        default="calendoc",
        help="The name in the dialplan's Stasis(calendoc) of the practice lines.",
    )
    ari_user = fields.Char(string="ARI user", help="A user of Asterisk's ari.conf.")
    ari_password = fields.Char(
        string="ARI password",
        copy=False,
        groups="calendoc_agenda.group_calendoc_manager",
        help="Sent to the bridge only, in its signed configuration request.",
    )
    trunk_endpoint = fields.Char(
        default="PJSIP/{number}@trunk",
        help="How Asterisk reaches an outside number: {number} is replaced by "
        "the number in E.164.",
    )
    phone_endpoint = fields.Char(
        string="Secretaries' phones endpoint",
        default="PJSIP/{extension}",
        help="How Asterisk reaches a secretary's phone: {extension} is replaced "
        "by her extension.",
    )
    recording_announcement_media = fields.Char(
        string="Consent announcement sound",
        default="sound:calendoc-recording-consent",
        help="What Asterisk plays to the caller and the secretary before a call "
        "of an account that allows recording is recorded (an Asterisk media "
        "URI, as sound:name); its words are the account's consent announcement. "
        "Recording starts once it has been played.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    status = fields.Selection(
        [("connected", "Connected"), ("disconnected", "Disconnected")],
        readonly=True,
        copy=False,
        help="As the bridge last reported it.",
    )
    status_detail = fields.Char(readonly=True, copy=False)
    last_contact = fields.Datetime(
        readonly=True, copy=False, help="When the bridge last reported on this PBX."
    )

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A PBX connection with this name exists."),
    ]

    @api.constrains("kind", "ari_url", "ari_app", "ari_user")
    def _check_ari(self):
        for pbx in self.filtered(lambda p: p.kind == "asterisk_ari"):
            if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", pbx.ari_url or ""):
                raise ValidationError(
                    self.env._(
                        "%(url)s is not an ARI URL: type http(s)://host:8088.",
                        url=pbx.ari_url or "",
                    )
                )
            if not re.fullmatch(r"[0-9A-Za-z_.-]{1,64}", pbx.ari_app or ""):
                raise ValidationError(
                    self.env._(
                        "The Stasis application name is letters, digits, dots "
                        "and dashes."
                    )
                )
            if not pbx.ari_user:
                raise ValidationError(self.env._("An ARI connection needs a user."))

    @api.constrains("kind", "trunk_endpoint", "phone_endpoint")
    def _check_endpoints(self):
        for pbx in self.filtered(lambda p: p.kind == "asterisk_ari"):
            for pattern, field in (
                (pbx.trunk_endpoint, "{number}"),
                (pbx.phone_endpoint, "{extension}"),
            ):
                if not pattern or field not in pattern:
                    raise ValidationError(
                        self.env._(
                            "The endpoint %(pattern)s must contain %(field)s.",
                            pattern=pattern or "",
                            field=field,
                        )
                    )
                try:
                    pattern.format(number="", extension="")
                except (KeyError, IndexError, ValueError) as error:
                    raise ValidationError(
                        self.env._(
                            "The endpoint %(pattern)s has an unknown {placeholder}.",
                            pattern=pattern,
                        )
                    ) from error

    @api.model
    def _bridge_config(self, reference):
        """The configuration the bridge runs with, for the PBX ``reference``
        (its id or its name); None when there is no such active PBX."""
        # sudo: the bridge asks, authenticated by its signature; the password
        # is readable by managers only and leaves Odoo only in this answer
        pbxs = self.sudo()
        pbx = pbxs.browse()
        pbx_id = parse_id(reference)
        if pbx_id:
            pbx = pbxs.search([("id", "=", pbx_id)], limit=1)
        name = parse_text(reference)
        if not pbx and name:
            pbx = pbxs.search([("name", "=", name)], limit=1)
        if not pbx:
            return None
        config = {"id": pbx.id, "name": pbx.name, "kind": pbx.kind}
        if pbx.kind == "asterisk_ari":
            config["ari"] = {
                "url": pbx.ari_url,
                "app": pbx.ari_app,
                "user": pbx.ari_user,
                "password": pbx.ari_password or "",
                "trunk_endpoint": pbx.trunk_endpoint,
                "phone_endpoint": pbx.phone_endpoint,
                "announcement_media": pbx.recording_announcement_media or "",
            }
        return config

    @api.model
    def _bridge_status(self, pbx_id, status, detail):
        """Record what the bridge reports on the PBX ``pbx_id``; False when
        there is no such PBX."""
        pbx_id = parse_id(pbx_id)
        # sudo: written by the signed bridge, not a user
        pbx = pbx_id and self.sudo().search([("id", "=", pbx_id)], limit=1)
        if not pbx:
            return False
        pbx.write(
            {
                "status": status,
                # what the bridge says, as far as it is text: 200 characters
                "status_detail": (parse_text(detail, MAX_DETAIL) or "")[:200],
                "last_contact": fields.Datetime.now(),
            }
        )
        return True
