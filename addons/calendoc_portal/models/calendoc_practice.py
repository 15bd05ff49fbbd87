import re
import secrets
from html import escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.calendoc_agenda.tools.params import parse_text


class CalendocPractice(models.Model):
    _inherit = "calendoc.practice"

    online_booking = fields.Boolean(
        string="Online booking",
        help="Patients book the online-bookable appointment types of this practice "
        "at its public link.",
    )
    online_slug = fields.Char(
        string="Link name",
        copy=False,
        index="btree_not_null",
        help="Readable part of the public booking link (/rdv/<name>): lower-case "
        "letters, digits and dashes. Empty: the link uses the practice's token.",
    )
    # No default: a column default would give every existing practice the same
    # token; init() and create() draw one per practice.
    online_token = fields.Char(
        string="Link token", copy=False, readonly=True, index="btree_not_null"
    )
    online_url = fields.Char(string="Booking link", compute="_compute_online_url")
    online_embed_code = fields.Text(
        string="Code for the practice's website",
        compute="_compute_online_url",
        help="Paste it in a page of the practice's own website: the booking pages "
        "show inside it.",
    )
    online_terms = fields.Text(
        string="Terms for patients",
        translate=True,
        help="Shown on the booking form; the patient must accept them.",
    )
    online_max_pending = fields.Integer(
        string="Pending bookings per phone",
        default=3,
        help="How many appointments still to come one phone number may hold, "
        "booked online, at this practice.",
    )

    _sql_constraints = [
        (
            "online_slug_uniq",
            "unique (online_slug)",
            "This link name is already used by another practice.",
        ),
        (
            "online_token_uniq",
            "unique (online_token)",
            "This token is already used by another practice.",
        ),
    ]

    def init(self):
        result = super().init()
        self.env.cr.execute(
            SQL(
                "UPDATE calendoc_practice "
                "SET online_token = md5(random()::text || id::text || clock_timestamp()::text) "
                "WHERE online_token IS NULL"
            )
        )
        return result

    def _compute_online_url(self):
        base = self.get_base_url()
        for practice in self:
            url = f"{base}/rdv/{practice._online_key()}"
            practice.online_url = url
            title = self.env._("Book an appointment online")
            practice.online_embed_code = (
                f'<iframe src="{url}" title="{escape(title)}" loading="lazy" '
                'style="width: 100%; min-height: 720px; border: 0;"></iframe>'
            )

    @api.constrains("online_slug")
    def _check_online_slug(self):
        for practice in self.filtered("online_slug"):
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,63}", practice.online_slug):
                raise ValidationError(
                    self.env._(
                        "%(slug)s cannot be a link name: use 3 to 64 lower-case "
                        "letters, digits and dashes.",
                        slug=practice.online_slug,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("online_token", secrets.token_urlsafe(18))
        return super().create(vals_list)

    def action_online_new_token(self):
        """Draw a new link token: the old token link stops working at once."""
        for practice in self:
            practice.online_token = secrets.token_urlsafe(18)

    def _online_key(self):
        self.ensure_one()
        return self.online_slug or self.online_token

    @api.model
    def _online_from_key(self, key):
        """The practice whose public booking link ends with ``key`` (its link
        name or its token), if online booking is on; empty otherwise."""
        key = parse_text(key, max_length=64)
        if not key:
            return self.browse()
        return self.search(
            [
                ("online_booking", "=", True),
                "|",
                ("online_slug", "=", key),
                ("online_token", "=", key),
            ],
            limit=1,
        )

    def _online_types(self):
        """Appointment types patients may book online here."""
        self.ensure_one()
        return self.appointment_type_ids.filtered("online_bookable")
