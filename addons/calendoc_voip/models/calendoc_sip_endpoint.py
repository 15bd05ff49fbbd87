import hashlib
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.calendoc_agenda.tools.params import parse_text

# The realm of the phones' digest (system parameter; Kamailio's --realm).
PARAM_REALM = "calendoc_voip.sip_realm"
DEFAULT_REALM = "calendoc"
# What Kamailio reads and writes in Odoo's database (kamailio/, CONFIGURE.md):
# the phones' credentials (a view: user name, realm, HA1, never the password),
# their registrations (usrloc's table, Kamailio 5.6's "location" schema, version
# 9) and Kamailio's table of schema versions, named so that nothing of Odoo's
# clashes with them.
KAMAILIO_SUBSCRIBERS = "calendoc_sip_subscriber"
KAMAILIO_LOCATION = "calendoc_sip_location"
KAMAILIO_VERSION = "calendoc_sip_version"


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

    def init(self):
        """Kamailio's tables and the view of the phones' credentials it reads."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS %(version)s (
                    id SERIAL PRIMARY KEY NOT NULL,
                    table_name VARCHAR(32) NOT NULL UNIQUE,
                    table_version INTEGER DEFAULT 0 NOT NULL
                );
                INSERT INTO %(version)s (table_name, table_version)
                VALUES (%(location_name)s, 9) ON CONFLICT (table_name) DO NOTHING;
                CREATE TABLE IF NOT EXISTS %(location)s (
                    id SERIAL PRIMARY KEY NOT NULL,
                    ruid VARCHAR(64) DEFAULT '' NOT NULL UNIQUE,
                    username VARCHAR(64) DEFAULT '' NOT NULL,
                    domain VARCHAR(64) DEFAULT NULL,
                    contact VARCHAR(512) DEFAULT '' NOT NULL,
                    received VARCHAR(128) DEFAULT NULL,
                    path VARCHAR(512) DEFAULT NULL,
                    expires TIMESTAMP WITHOUT TIME ZONE
                        DEFAULT '2030-05-28 21:32:15' NOT NULL,
                    q REAL DEFAULT 1.0 NOT NULL,
                    callid VARCHAR(255) DEFAULT 'Default-Call-ID' NOT NULL,
                    cseq INTEGER DEFAULT 1 NOT NULL,
                    last_modified TIMESTAMP WITHOUT TIME ZONE
                        DEFAULT '2000-01-01 00:00:01' NOT NULL,
                    flags INTEGER DEFAULT 0 NOT NULL,
                    cflags INTEGER DEFAULT 0 NOT NULL,
                    user_agent VARCHAR(255) DEFAULT '' NOT NULL,
                    socket VARCHAR(64) DEFAULT NULL,
                    methods INTEGER DEFAULT NULL,
                    instance VARCHAR(255) DEFAULT NULL,
                    reg_id INTEGER DEFAULT 0 NOT NULL,
                    server_id INTEGER DEFAULT 0 NOT NULL,
                    connection_id INTEGER DEFAULT 0 NOT NULL,
                    keepalive INTEGER DEFAULT 0 NOT NULL,
                    partition INTEGER DEFAULT 0 NOT NULL
                );
                CREATE INDEX IF NOT EXISTS %(location_contact)s
                    ON %(location)s (username, domain, contact);
                CREATE INDEX IF NOT EXISTS %(location_expires)s
                    ON %(location)s (expires);
                CREATE OR REPLACE VIEW %(subscribers)s AS
                SELECT endpoint.id, endpoint.extension::varchar(64) AS username,
                       realm.value::varchar(64) AS domain,
                       md5(endpoint.extension || ':' || realm.value || ':'
                           || endpoint.sip_password)::varchar(128) AS ha1
                  FROM calendoc_sip_endpoint endpoint
                  JOIN res_users users ON users.id = endpoint.user_id
                 CROSS JOIN (
                       SELECT COALESCE(
                           (SELECT value FROM ir_config_parameter
                             WHERE key = %(realm_key)s),
                           %(realm_default)s) AS value
                       ) realm
                 WHERE endpoint.active AND users.active
                   AND COALESCE(endpoint.sip_password, '') <> ''
                """,
                version=SQL.identifier(KAMAILIO_VERSION),
                location=SQL.identifier(KAMAILIO_LOCATION),
                location_name=KAMAILIO_LOCATION,
                location_contact=SQL.identifier(f"{KAMAILIO_LOCATION}_contact_idx"),
                location_expires=SQL.identifier(f"{KAMAILIO_LOCATION}_expires_idx"),
                subscribers=SQL.identifier(KAMAILIO_SUBSCRIBERS),
                realm_key=PARAM_REALM,
                realm_default=DEFAULT_REALM,
            )
        )
