import logging
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.tools import email_normalize, format_date

from odoo.addons.calendoc_agenda.exceptions import SlotTakenError
from odoo.addons.calendoc_agenda.tools import params
from odoo.addons.calendoc_agenda.tools.local_time import (
    format_prose,
    local_tz,
    upper_first,
)
from odoo.addons.calendoc_agenda.tools.tz import tz_name

_logger = logging.getLogger(__name__)

# Appointments a patient can still cancel or move online.
CHANGEABLE_STATES = ("booked", "confirmed")


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    # Only the signed link reads it: no user needs to see it.
    calendoc_access_token = fields.Char(
        string="Patient link token", copy=False, groups="base.group_system"
    )
    calendoc_online_sms_consent = fields.Datetime(
        string="SMS accepted online on",
        readonly=True,
        copy=False,
        help="When the patient, booking online, agreed to receive the "
        "confirmation and reminder by SMS. Empty: he did not, and gets no SMS "
        "about this appointment.",
    )
    calendoc_online_terms_version = fields.Integer(
        string="Practice's terms accepted (version)",
        readonly=True,
        copy=False,
        help="The version of the practice's terms for online booking that the "
        "patient accepted when booking (0: the practice had none).",
    )

    # --- business methods ------------------------------------------------------
    @api.model
    def _calendoc_online_book(self, apt_type, practitioner, start, identity):
        """Book ``apt_type`` with ``practitioner`` at ``start`` (naive UTC) for
        the patient described by ``identity`` (dict: last_name, first_name,
        birthdate, mobile, email, lang, accept_terms, accept_sms), as the
        public booking page does (and ``terms_version``, the version of the
        practice's terms shown to him). Without ``accept_sms`` the appointment
        gets no SMS at all (and costs none). Returns the appointment.

        Called with sudo() by the public pages (see the controller); everything
        a visitor sends is checked here. A returning patient (same mobile and
        birth date in this client account) is matched silently: the visitor is
        told the same thing whether or not he was known. Raises ``UserError``
        with a message for the visitor; a slot taken meanwhile (or no longer
        offered) raises ``SlotTakenError``, any other refusal of the agenda its
        ``ValidationError``."""
        practice = apt_type.practice_id
        if not params.parse_datetime(start):
            raise UserError(self.env._("Please choose a slot among those offered."))
        # "today" (for the birth date's check) is the practice's, not the public
        # user's; pack validity follows the client account's own day anyway
        self = self.with_context(tz=tz_name(practice.tz))  # noqa: PLW0642
        if not (practice.online_booking and apt_type.online_bookable):
            raise UserError(self.env._("This appointment cannot be booked online."))
        if practitioner not in (apt_type.practitioner_ids or practice.practitioner_ids):
            raise UserError(self.env._("This practitioner cannot be booked here."))
        values = self._calendoc_online_check_identity(practice, identity)
        account = practice.account_id
        if not account._calendoc_service_allowed("booking"):
            raise UserError(
                self.env._(
                    "Online booking is not available at the moment: please call "
                    "the practice."
                )
            )
        engine = self.env["calendoc.slot.engine"]
        if not engine._is_slot_free(apt_type, practitioner, start, online=True):
            raise SlotTakenError(
                self.env._(
                    "This slot is no longer available. Please choose another slot."
                )
            )
        self._calendoc_online_check_pending(practice, values["mobile_e164"])
        # one savepoint: a refused booking leaves no new requester behind
        try:
            with self.env.cr.savepoint():
                requester = self._calendoc_online_requester(account, values)
                event = self.create(
                    {
                        "calendoc_practitioner_id": practitioner.id,
                        "calendoc_practice_id": practice.id,
                        "calendoc_type_id": apt_type.id,
                        "calendoc_requester_id": requester.id,
                        "calendoc_source": "online",
                        "start": start,
                        # no consent, no SMS (neither sent nor charged)
                        "calendoc_sms_refused": not values["sms_consent"],
                        "calendoc_online_sms_consent": values["sms_consent"],
                        "calendoc_online_terms_version": values["terms_version"],
                        # a visitor organises nothing: no organizer, no invitation
                        "user_id": False,
                        "calendoc_access_token": secrets.token_urlsafe(32),
                    }
                )
        except ValidationError:
            raise
        except UserError as exc:
            # the account's credits are the client's business, not the visitor's
            _logger.info(
                "CalenDoc: online booking refused at practice %s: %s",
                practice.id,
                exc.args[0] if exc.args else exc,
            )
            raise UserError(
                self.env._(
                    "Online booking is not available at the moment: please call "
                    "the practice."
                )
            ) from exc
        event._calendoc_online_send_email(values["email"], values["lang"], "booked")
        return event

    def _calendoc_online_check_token(self, token):
        """Whether ``token`` opens this appointment (constant-time comparison)."""
        self.ensure_one()
        return params.same_token(self.sudo().calendoc_access_token, token)

    def _calendoc_manage_url(self):
        self.ensure_one()
        event = self.sudo()
        if not event.calendoc_access_token:
            event.calendoc_access_token = secrets.token_urlsafe(32)
        return f"{self.get_base_url()}/rdv/appointment/{self.id}/{event.calendoc_access_token}"

    def _calendoc_online_change_deadline(self):
        """Until when the patient may cancel or move this appointment online."""
        self.ensure_one()
        notice = self.calendoc_type_id.cancel_notice_hours
        return self.start - timedelta(hours=notice)

    def _calendoc_online_can_change(self):
        self.ensure_one()
        return (
            self.calendoc_state in CHANGEABLE_STATES
            and fields.Datetime.now() <= self._calendoc_online_change_deadline()
        )

    def _calendoc_online_check_change(self):
        self.ensure_one()
        if self.calendoc_state not in CHANGEABLE_STATES:
            raise UserError(self.env._("This appointment can no longer be changed."))
        if fields.Datetime.now() > self._calendoc_online_change_deadline():
            raise UserError(
                self.env._(
                    "This appointment can no longer be changed online (less than "
                    "%(hours)s hours before it): please call the practice.",
                    hours=self.calendoc_type_id.cancel_notice_hours,
                )
            )

    def _calendoc_online_cancel(self):
        """Cancel this appointment at the patient's request (signed link), and
        email him so (in the language of the page)."""
        self._calendoc_online_check_change()
        self.calendoc_cancel(self.env._("Cancelled online by the patient."))
        self._calendoc_online_notify("cancelled")
        return True

    def _calendoc_online_move(self, start):
        """Move this appointment to ``start`` (naive UTC), a free online slot of
        the same practitioner and type (signed link), and email the patient
        so. A slot taken meanwhile (or no longer offered) raises
        ``SlotTakenError``."""
        self.ensure_one()
        self._calendoc_online_check_change()
        if not params.parse_datetime(start):
            raise UserError(self.env._("Please choose a slot among those offered."))
        engine = self.env["calendoc.slot.engine"]
        if not engine._is_slot_free(
            self.calendoc_type_id, self.calendoc_practitioner_id, start, online=True
        ):
            raise SlotTakenError(
                self.env._(
                    "This slot is no longer available. Please choose another slot."
                )
            )
        duration = self.stop - self.start
        self.write({"start": start, "stop": start + duration})
        self._calendoc_online_notify("moved")
        return True

    def _calendoc_online_page(self):
        """What the patient's page of this appointment shows (signed link):
        when, and until when he may change it online."""
        self.ensure_one()
        practice = self.calendoc_practice_id
        return {
            "event": self,
            "practice": practice,
            "when": practice._online_when(self.start),
            "can_change": self._calendoc_online_can_change(),
            "deadline": practice._online_when(self._calendoc_online_change_deadline()),
            "sms_confirmation": self._calendoc_online_sms_confirmation(),
        }

    def _calendoc_online_sms_confirmation(self):
        """Whether an SMS confirmation of this appointment is queued or sent
        (not refused, not failed, not left out for want of credits): what the
        patient's page may say."""
        self.ensure_one()
        # sudo: the SMS queue is the system's; only this appointment's own
        # confirmation is counted, nothing of it is shown
        return bool(
            self.env["sms.sms"]
            .sudo()
            .search_count(
                [
                    ("calendoc_event_id", "=", self.id),
                    ("calendoc_kind", "=", "confirmation"),
                    ("state", "in", ("outgoing", "process", "pending", "sent")),
                ],
                limit=1,
            )
        )

    def _calendoc_online_move_page(self, week):
        """What the page to move this appointment shows (signed link): the free
        slots of its practitioner and type in the practice's local week
        ``week`` (0: this one; at most the type's horizon)."""
        self.ensure_one()
        practice = self.calendoc_practice_id
        max_week = practice._online_max_week(self.calendoc_type_id)
        week = min(week, max_week)
        monday, date_from, date_to = practice._online_week(week)
        slots = self._calendoc_online_slots(date_from, date_to)
        return {
            "event": self,
            "practice": practice,
            "when": practice._online_when(self.start),
            "days": practice._online_days(slots, False),
            "week": week,
            "max_week": max_week,
            "week_label": format_date(self.env, monday, date_format="long"),
        }

    def _calendoc_online_slots(self, date_from, date_to, practitioner=None):
        """Free online slots of this appointment's type and practitioner."""
        self.ensure_one()
        return self.env["calendoc.slot.engine"]._find_slots(
            self.calendoc_type_id,
            date_from,
            date_to,
            practitioners=practitioner or self.calendoc_practitioner_id,
            online=True,
        )

    def _calendoc_portal_appointment(self):
        """What the client portal's page of this appointment shows, if the
        current user may read it: ``AccessError`` or ``MissingError``
        otherwise (a foreign, deleted or non-CalenDoc event)."""
        self.check_access("read")
        if not self.exists() or not self.calendoc_practitioner_id:
            raise MissingError(self.env._("No such appointment."))
        return {
            # sudo: read access to this appointment was checked just above
            "event": self.sudo(),
            # the page's title: "Mercredi 9 décembre 2026 à 10 h 00"
            "when": upper_first(
                format_prose(
                    self.env,
                    self.start,
                    local_tz(self.env, self.sudo().calendoc_practice_id),
                )
            ),
        }

    # --- helpers ---------------------------------------------------------------
    @api.model
    def _calendoc_online_check_identity(self, practice, identity):
        """The visitor's identity, checked and normalised; ``UserError`` naming
        the first field to fix."""
        env = self.env
        last_name = params.check_text(
            env, identity.get("last_name"), env._("Last name")
        )
        first_name = params.check_text(
            env, identity.get("first_name"), env._("First name")
        )
        if not last_name or not first_name:
            raise UserError(self.env._("Please give your last name and first name."))
        if len(last_name) > 100 or len(first_name) > 100:
            raise UserError(self.env._("Your name is too long."))
        birthdate = identity.get("birthdate")
        if isinstance(birthdate, str):
            birthdate = birthdate.strip()
        birthdate = params.parse_date(birthdate)
        today = fields.Date.context_today(self)
        if not birthdate or birthdate > today:
            raise UserError(self.env._("Please give a valid birth date."))
        mobile = params.check_text(env, identity.get("mobile"), env._("Mobile"))
        mobile_e164 = practice._online_e164(mobile)
        if not mobile_e164:
            raise UserError(
                self.env._(
                    "Please give a valid mobile number, such as 06 12 34 56 78 or "
                    "+33 6 12 34 56 78."
                )
            )
        email = email_normalize(
            params.check_text(env, identity.get("email"), env._("Email"))
        )
        if not email:
            raise UserError(self.env._("Please give a valid email address."))
        if not identity.get("accept_terms"):
            raise UserError(
                self.env._("Please accept the practice's terms to book online.")
            )
        terms_version = practice.online_terms_version if practice.online_terms else 0
        shown = params.parse_int(identity.get("terms_version"), 0, 2**31 - 1, 0)
        if shown != terms_version:
            raise UserError(
                self.env._(
                    "The practice's terms changed while you were booking: please "
                    "read them again and accept them."
                )
            )
        lang = identity.get("lang")
        if lang not in dict(self.env["res.lang"].get_installed()):
            lang = False
        return {
            "last_name": last_name,
            "first_name": first_name,
            "birthdate": birthdate,
            "mobile": mobile,
            "mobile_e164": mobile_e164,
            "email": email,
            "lang": lang,
            "sms_consent": fields.Datetime.now()
            if identity.get("accept_sms")
            else False,
            "terms_version": terms_version,
        }

    @api.model
    def _calendoc_online_check_pending(self, practice, mobile_e164):
        pending = self.search_count(
            [
                ("calendoc_practice_id", "=", practice.id),
                ("calendoc_source", "=", "online"),
                ("calendoc_state", "in", CHANGEABLE_STATES),
                ("start", ">", fields.Datetime.now()),
                ("calendoc_requester_id.calendoc_mobile_e164", "=", mobile_e164),
            ]
        )
        if pending >= practice.online_max_pending:
            raise UserError(
                self.env._(
                    "This phone number already has %(count)s appointments to come "
                    "booked online here: please call the practice to book more.",
                    count=pending,
                )
            )

    @api.model
    def _calendoc_online_requester(self, account, values):
        """The client account's requester with this mobile and birth date, or a
        new one. Nothing of a matched requester is shown or changed."""
        Partner = self.env["res.partner"]
        known = Partner.search(
            [
                ("is_calendoc_requester", "=", True),
                ("calendoc_account_id", "=", account.id),
                ("calendoc_mobile_e164", "=", values["mobile_e164"]),
                ("calendoc_birthdate", "=", values["birthdate"]),
            ],
            order="id",
        )
        same_name = known.filtered(
            lambda p: (
                (p.calendoc_last_name or "").strip().upper()
                == values["last_name"].upper()
            )
        )
        if known:
            return (same_name or known)[:1]
        return Partner.create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": account.id,
                "calendoc_last_name": values["last_name"],
                "calendoc_first_name": values["first_name"],
                "calendoc_birthdate": values["birthdate"],
                "mobile": values["mobile"],
                "email": values["email"],
                "lang": values["lang"] or False,
            }
        )

    def _calendoc_online_notify(self, kind):
        """Email the patient of this appointment, if he has an address, that
        it is ``kind`` ("cancelled", "moved"), in the language of the page."""
        self.ensure_one()
        if self.calendoc_requester_id.email:
            self._calendoc_online_send_email(
                self.calendoc_requester_id.email, self.env.lang, kind
            )

    def _calendoc_online_send_email(self, email, lang, kind):
        """Email the patient the appointment and its signed link. Sent to the
        address typed by the visitor; it names no one and holds no health data
        beyond what he chose himself."""
        self.ensure_one()
        event = self.with_context(lang=lang or self.env.context.get("lang"))
        tz = local_tz(self.env, self.calendoc_practice_id)
        subjects = {
            "booked": event.env._("Your appointment is booked"),
            "moved": event.env._("Your appointment is moved"),
            "cancelled": event.env._("Your appointment is cancelled"),
        }
        body = event.env["ir.qweb"]._render(
            "calendoc_portal.calendoc_online_email",
            {
                "event": event,
                "kind": kind,
                "when": format_prose(event.env, event.start, tz),
                "manage_url": event._calendoc_manage_url(),
            },
        )
        # sudo: the mail queue belongs to the system; a visitor only queues the
        # message about his own booking.
        return (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": subjects[kind],
                    "email_to": email,
                    "body_html": body,
                    "auto_delete": True,
                    "model": self._name,
                    "res_id": self.id,
                }
            )
        )
