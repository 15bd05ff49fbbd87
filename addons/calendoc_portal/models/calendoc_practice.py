import re
import secrets
from collections import Counter, OrderedDict
from datetime import datetime, time, timedelta
from html import escape

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date

from odoo.addons.calendoc_agenda.tools.local_time import (
    format_day,
    format_local_time,
    format_prose,
    upper_first,
)
from odoo.addons.calendoc_agenda.tools.params import parse_text
from odoo.addons.calendoc_agenda.tools.phone import to_e164
from odoo.addons.calendoc_agenda.tools.tz import timezone

# slots offered after a lost race, per practitioner of the type
NEXT_SLOTS = 6


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
    # One line of HTML: a Char, so that Odoo's copy button shows with it.
    online_embed_code = fields.Char(
        string="Code for the practice's website",
        compute="_compute_online_url",
        help="Paste it in a page of the practice's own website: the booking pages "
        "show inside it.",
    )
    online_terms = fields.Text(
        string="Terms for patients",
        translate=True,
        help="Shown on the booking form; the patient must accept them. Each "
        "change (in any language) is a new version; each online appointment "
        "records the version its patient accepted.",
    )
    online_terms_version = fields.Integer(
        string="Terms version",
        readonly=True,
        copy=False,
        help="Goes up by one each time the terms for patients change.",
    )
    online_terms_date = fields.Datetime(
        string="Terms changed on", readonly=True, copy=False
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
        # terms written before they had versions are their first version
        self.env.cr.execute(
            SQL(
                "UPDATE calendoc_practice SET online_terms_version = 1 "
                "WHERE online_terms IS NOT NULL "
                "AND COALESCE(online_terms_version, 0) = 0"
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
            if vals.get("online_terms"):
                vals["online_terms_version"] = 1
                vals["online_terms_date"] = fields.Datetime.now()
        return super().create(vals_list)

    def write(self, vals):
        changed = self.browse()
        if "online_terms" in vals:
            changed = self.filtered(
                lambda p: (p.online_terms or False) != (vals["online_terms"] or False)
            )
        result = super().write(vals)
        changed._online_new_terms_version()
        return result

    def _update_field_translations(
        self, field_name, translations, digest=None, source_lang=None
    ):
        # the terms translated in another language are terms changed too
        result = super()._update_field_translations(
            field_name, translations, digest=digest, source_lang=source_lang
        )
        if field_name == "online_terms":
            self._online_new_terms_version()
        return result

    def action_online_new_token(self):
        """Draw a new link token: the old token link stops working at once."""
        for practice in self:
            practice.online_token = secrets.token_urlsafe(18)

    def _online_new_terms_version(self):
        """A new version of these practices' terms for patients: the version
        the next bookings record."""
        now = fields.Datetime.now()
        for practice in self:
            practice.write(
                {
                    "online_terms_version": practice.online_terms_version + 1,
                    "online_terms_date": now,
                }
            )

    def _online_address(self):
        """The practice's address as the French write it on one line:
        "12 rue des Lices, 49100 Angers"."""
        self.ensure_one()
        town = " ".join(filter(None, [self.zip, self.city]))
        return ", ".join(filter(None, [self.street, self.street2, town]))

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

    def _online_choice(self, type_id, practitioner_id):
        """(appointment type, practitioner) a visitor chose by their ids, each
        empty unless bookable online here."""
        self.ensure_one()
        apt_type = self._online_types().filtered(lambda t: t.id == type_id)
        practitioners = apt_type.practitioner_ids or self.practitioner_ids
        return apt_type, practitioners.filtered(lambda p: p.id == practitioner_id)

    def _online_slot_page(self, type_id, practitioner_id, week, after=None):
        """What the booking page shows: the online types, the one chosen
        (``type_id``, or the only one), its practitioners and the free slots of
        the practice's local week ``week`` (0: this one; at most the type's
        horizon) — of the practitioner ``practitioner_id``, or of any of them,
        each start offered with the least busy of the day. With ``after`` (a
        slot just lost to another booking), the next free slots from then."""
        self.ensure_one()
        types = self._online_types()
        apt_type = types.filtered(lambda t: t.id == type_id)
        if not apt_type and len(types) == 1:
            apt_type = types
        practitioners = apt_type.practitioner_ids or self.practitioner_ids
        practitioners = practitioners.filtered("active")
        chosen = practitioners.filtered(lambda p: p.id == practitioner_id)
        max_week = self._online_max_week(apt_type)
        week = min(week, max_week)
        monday, date_from, date_to = self._online_week(week)
        days, next_days = [], []
        available = self.account_id._calendoc_service_allowed("booking")
        if apt_type and available:
            engine = self.env["calendoc.slot.engine"]
            slots = engine._find_slots(
                apt_type,
                date_from,
                date_to,
                practitioners=chosen or None,
                online=True,
            )
            days = self._online_days(slots, not chosen)
            if after:
                upcoming = engine._find_slots(
                    apt_type,
                    after,
                    after + timedelta(days=apt_type.max_horizon_days),
                    practitioners=chosen or None,
                    online=True,
                    limit=NEXT_SLOTS * max(1, len(practitioners)),
                )
                next_days = self._online_days(upcoming, not chosen)
        return {
            "practice": self,
            "types": types,
            "apt_type": apt_type,
            "practitioners": practitioners,
            "practitioner": chosen,
            "week": week,
            "max_week": max_week,
            "week_label": format_date(self.env, monday, date_format="long"),
            "days": days,
            "next_days": next_days,
            "available": available,
            "names": {p.id: p.name for p in practitioners},
            "key": self._online_key(),
        }

    def _online_max_week(self, apt_type):
        """The last week (0: this one) in which ``apt_type`` may be booked."""
        return (apt_type.max_horizon_days + 6) // 7 if apt_type else 0

    def _online_week(self, week):
        """(Monday, naive UTC start, naive UTC end) of the practice's local
        week ``week`` (0: this one)."""
        self.ensure_one()
        tz = timezone(self.tz)
        today = datetime.now(tz).date()
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
        local = [datetime.combine(monday + timedelta(days=n), time()) for n in (0, 7)]
        bounds = [
            tz.localize(d).astimezone(pytz.utc).replace(tzinfo=None) for d in local
        ]
        return monday, bounds[0], bounds[1]

    def _online_week_of(self, start):
        """The local week (0: this one) of ``start`` (naive UTC)."""
        self.ensure_one()
        tz = timezone(self.tz)
        today = datetime.now(tz).date()
        day = pytz.utc.localize(start).astimezone(tz).date()
        return max(0, ((day - today).days + today.weekday()) // 7)

    def _online_days(self, slots, any_practitioner):
        """``slots`` of the slot engine grouped by the practice's local day:
        [{'label', 'slots': [{'label', 'start', 'practitioner_id'}]}], one
        slot per start when any practitioner will do."""
        self.ensure_one()
        tz = timezone(self.tz)
        days = OrderedDict()
        seen = set()
        if any_practitioner:
            slots = self._online_least_busy(slots)
        for slot in slots:
            if any_practitioner and slot["start"] in seen:
                continue
            seen.add(slot["start"])
            local = pytz.utc.localize(slot["start"]).astimezone(tz)
            day = days.get(local.date())
            if day is None:
                # one date label per day (Babel is slow): not one per slot
                day = days[local.date()] = {
                    "label": upper_first(format_day(self.env, local)),
                    "slots": [],
                }
            day["slots"].append(
                {
                    "label": format_local_time(slot["start"], tz),
                    "start": slot["start"].isoformat(),
                    "practitioner_id": slot["practitioner_id"],
                }
            )
        return list(days.values())

    def _online_least_busy(self, slots):
        """``slots`` ordered so that, at each start, the practitioner with the
        fewest appointments that (local) day comes first, ties by id: "any
        practitioner" spreads the bookings instead of filling the first one."""
        if not slots:
            return slots
        tz = timezone(self.tz)
        day = {}
        for slot in slots:
            day[id(slot)] = pytz.utc.localize(slot["start"]).astimezone(tz).date()
        first, last = min(day.values()), max(day.values())
        bounds = [
            tz.localize(datetime.combine(d, time())).astimezone(pytz.utc)
            for d in (first, last + timedelta(days=1))
        ]
        load = Counter()
        # sudo: appointments are counted, never shown (the engine reads them so)
        for event in (
            self.env["calendar.event"]
            .sudo()
            .search_fetch(
                [
                    (
                        "calendoc_practitioner_id",
                        "in",
                        list({s["practitioner_id"] for s in slots}),
                    ),
                    ("calendoc_state", "!=", "cancelled"),
                    ("start", ">=", bounds[0].replace(tzinfo=None)),
                    ("start", "<", bounds[1].replace(tzinfo=None)),
                ],
                ["start", "calendoc_practitioner_id"],
            )
        ):
            local = pytz.utc.localize(event.start).astimezone(tz).date()
            load[event.calendoc_practitioner_id.id, local] += 1
        return sorted(
            slots,
            key=lambda s: (
                s["start"],
                load[s["practitioner_id"], day[id(s)]],
                s["practitioner_id"],
            ),
        )

    def _online_when(self, moment):
        """``moment`` (naive UTC) in words, in the practice's time zone, to the
        minute: "mercredi 9 décembre 2026 à 10 h 00"."""
        self.ensure_one()
        return format_prose(self.env, moment, self.tz)

    def _online_e164(self, number):
        """``number`` as typed by a visitor, in E.164 (the practice's country,
        else its account's, else France), or ``None``."""
        self.ensure_one()
        region = (self.country_id or self.account_id.country_id).code or "FR"
        return to_e164(number, region)
