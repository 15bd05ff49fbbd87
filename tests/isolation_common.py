"""Two client accounts, A and B, with every kind of record CalenDoc and Odoo
keep for an account, and the users who attack B from A: the set-up of the
isolation, self-escalation and route suites.

Every text of account B carries ``MARK``: whatever a user of A gets back (a
read, an error message, an action, a page) must not contain it unless what he
holds opens it. The scope that opens each record of B is said by
``scope_of``; each user holds the scopes of ``ROLE_SCOPES`` on B.
"""

import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.calendoc_agenda.models.calendoc_delegation import SCOPE_NAMES
from odoo.addons.calendoc_agenda.tests.common import weekly

MARK = "ZEBRA"
# Scopes beyond the delegation's: 'staff' opens client accounts and their
# contacts to the firm's staff without a CalenDoc role; 'party' a delegation
# to those it names; 'manager' what only managers (and auditors) read.
ALL_SCOPES = {"config", *SCOPE_NAMES, "staff", "party", "manager"}

# What each user of A holds on account B. Delegation holders are A's
# secretaries to whom B lent rights, in every state a delegation can be in.
ROLE_SCOPES = {
    "secretary": set(),
    "practitioner": set(),
    "portal_client": set(),
    "portal_practitioner": set(),
    "public": set(),
    "staff": {"staff"},
    "auditor": ALL_SCOPES,
    "delegate_agenda": {"config", "agenda_read", "party"},
    "delegate_full": {"config", *SCOPE_NAMES, "party"},
    "firm_delegate_calls": {"config", "calls", "party"},
    "delegate_expired": {"party"},
    "delegate_revoked": {"party"},
    "delegate_future": {"party"},
    # users of A with the right to write delegations, holding one of B's: its
    # grantee must not widen it (a portal administrator of A lent B's agenda,
    # a practitioner of A lent the agenda of B's practitioner by himself)
    "portal_delegate": {"config", "agenda_read", "party"},
    "practitioner_delegate": {"agenda_read", "party"},
}
# The users of A who may change something of B, and what.
ROLE_WRITES = {
    "delegate_full": {"agenda_write", "requesters", "calls", "messages"},
    "firm_delegate_calls": {"calls"},
}


def scope_of(record, write=False):
    """The scope a user must hold on the record's account to read it (or to
    change it, with ``write``); a practitioner and his resource are read with
    the account's configuration or with his agenda."""
    model = record._name
    if model in ("calendoc.practitioner", "resource.resource") and not write:
        return ("config", "agenda_read")
    if model == "res.partner":
        if record.is_calendoc_requester:
            return "requesters"
        return "manager" if write else "config"
    if model == "res.users":
        return "manager" if write else "config"
    if model in (
        "calendar.event",
        "calendar.attendee",
        "calendar.recurrence",
        "resource.calendar.leaves",
    ):
        return "agenda_write" if write else "agenda_read"
    if model in ("calendoc.call", "calendoc.call.event"):
        return "calls"
    if model in ("calendoc.pack", "calendoc.credit.move", "calendoc.wallet"):
        return "manager" if write else "statements"
    if model == "calendoc.requester.thread":
        return "messages"
    if model in ("calendoc.gdpr.request", "calendoc.gdpr.consent"):
        # requests: secretaries file, read and qualify them; managers decide
        # and execute (checked by the workflow's methods)
        return "requesters"
    if model in ("calendoc.delegation", "calendoc.delegation.log"):
        return "manager" if write else "party"
    if model in (
        "calendoc.practice",
        "calendoc.practice.line",
        "calendoc.practitioner",
        "calendoc.schedule",
        "calendoc.appointment.type",
        "calendoc.requester.category",
        "resource.resource",
    ):
        return "manager" if write else "config"
    return "manager"


def opened_by(record, scopes, write=False):
    """Whether ``scopes`` open ``record`` (of account B)."""
    scope = scope_of(record, write)
    if set(scope if isinstance(scope, tuple) else (scope,)) & set(scopes):
        return True
    # the firm's staff read client accounts and their contacts and users
    return (
        not write
        and "staff" in scopes
        and record._name in ("res.partner", "res.users")
        and scope == "config"
    )


def build_account(env, name, code, mark, line_number, mobile):
    """A client account with one record of every kind, its texts marked with
    ``mark``. Returns {model name: records}."""
    now = fields.Datetime.now().replace(microsecond=0)
    Partner = env["res.partner"]
    account = Partner.create(
        {
            "name": f"{mark} {name}",
            "is_company": True,
            "is_calendoc_client": True,
            "calendoc_permanence_code": code,
            "country_id": env.ref("base.fr").id,
            "comment": f"<p>{mark} notes</p>",
        }
    )
    # credits first: booking and SMS consume them
    template = env["product.template"].create(
        {
            "name": f"{mark} pack",
            "type": "service",
            "is_calendoc_pack": True,
            "calendoc_offer": "avantage",
            "calendoc_credit_ids": env["calendoc.credit.kind"]._credit_commands(
                {"appointment": 10, "sms": 10}
            ),
        }
    )
    pack = env["calendoc.pack"]._create_pack(account, template, 1, f"{mark}-{code}")
    pack.date_start -= timedelta(days=1)
    calendar = env["resource.calendar"].create(
        weekly(f"{mark} horaires", [(0.0, 24.0)], days=range(7))
    )
    practice = env["calendoc.practice"].create(
        {
            "name": f"{mark} cabinet",
            "account_id": account.id,
            "greeting": f"{mark} bonjour",
            "questions_to_ask": f"{mark} questions",
            "urgent_policy": f"{mark} urgences",
            "instructions": f"<p>{mark} consignes</p>",
        }
    )
    line = env["calendoc.practice.line"].create(
        {"practice_id": practice.id, "number": line_number}
    )
    doctor = env["calendoc.practitioner"].create(
        {"name": f"{mark} docteur", "account_id": account.id}
    )
    schedule = env["calendoc.schedule"].create(
        {
            "practitioner_id": doctor.id,
            "practice_id": practice.id,
            "calendar_id": calendar.id,
        }
    )
    apt_type = env["calendoc.appointment.type"].create(
        {
            "name": f"{mark} consultation",
            "practice_id": practice.id,
            "min_notice_hours": 0,
            "patient_instructions": f"{mark} à jeun",
            "practitioner_ids": [Command.set(doctor.ids)],
        }
    )
    category = env["calendoc.requester.category"].create(
        {"name": f"{mark} fidèle", "account_id": account.id}
    )
    requester = Partner.create(
        {
            "is_calendoc_requester": True,
            "calendoc_account_id": account.id,
            "calendoc_last_name": mark,
            "calendoc_first_name": "Patient",
            "calendoc_category_id": category.id,
            "calendoc_remarks": f"{mark} allergies",
            "mobile": mobile,
            "email": f"{mark.lower()}@{code.lower()}.example.fr",
        }
    )
    # a second patient, without a conversation yet
    requester2 = Partner.create(
        {
            "is_calendoc_requester": True,
            "calendoc_account_id": account.id,
            "calendoc_last_name": f"{mark} bis",
        }
    )
    event = env["calendar.event"].create(
        {
            "calendoc_practitioner_id": doctor.id,
            "calendoc_type_id": apt_type.id,
            "calendoc_requester_id": requester.id,
            "calendoc_remarks": f"{mark} motif",
            "start": now + timedelta(days=3),
        }
    )
    recurrence = env["calendar.recurrence"].create(
        {"base_event_id": event.id, "rrule_type": "daily", "count": 1}
    )
    leave = env["resource.calendar.leaves"].create(
        {
            "name": f"{mark} congés",
            "resource_id": doctor.resource_id.id,
            "calendar_id": calendar.id,
            "date_from": now + timedelta(days=10),
            "date_to": now + timedelta(days=12),
        }
    )
    attachment = env["ir.attachment"].create(
        {
            "name": f"{mark}.txt",
            "datas": base64.b64encode(f"{mark} ordonnance".encode()),
            "res_model": "res.partner",
            "res_id": requester.id,
        }
    )
    requester.message_post(
        body=f"{mark} rappeler la patiente",
        attachment_ids=attachment.ids,
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    account.message_post(
        body=f"{mark} demande d'effacement de la patiente",
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    event.message_post(body=f"{mark} au sujet du rendez-vous")
    # a message that notifies someone: its notification is the account's too
    requester.message_post(
        body=f"{mark} pour le docteur",
        partner_ids=doctor.partner_id.ids,
        message_type="comment",
        subtype_xmlid="mail.mt_comment",
    )
    requester.message_subscribe(partner_ids=doctor.partner_id.ids)
    scheduled = env["mail.scheduled.message"].create(
        {
            "model": "res.partner",
            "res_id": requester.id,
            "body": f"{mark} message programmé",
            "scheduled_date": now + timedelta(days=1),
            "author_id": env.ref("base.partner_admin").id,
        }
    )
    activity = requester.activity_schedule(
        "mail.mail_activity_data_todo",
        summary=f"{mark} à rappeler",
        user_id=env.ref("base.user_admin").id,
    )
    sms = env["sms.sms"].create(
        {
            "number": requester.calendoc_mobile_e164,
            "body": f"{mark} rappel",
            "partner_id": requester.id,
            "calendoc_event_id": event.id,
            "calendoc_account_id": account.id,
            "state": "sent",
        }
    )
    call = env["calendoc.call"].create(
        {
            "sip_call_id": f"{mark}-call",
            "direction": "in",
            "practice_id": practice.id,
            "account_id": account.id,
            "requester_id": requester.id,
        }
    )
    call._store_event("ringing", now, {"note": mark}, {})
    thread = env["calendoc.requester.thread"].create({"requester_id": requester.id})
    thread.message_post(body=f"{mark} message du cabinet", message_type="comment")
    connection = env["calendoc.google.connection"].create(
        {"practitioner_id": doctor.id, "google_email": f"{mark.lower()}@gmail.test"}
    )
    google_calendar = env["calendoc.google.calendar"].create(
        {
            "connection_id": connection.id,
            "google_calendar_id": f"{mark}@group.calendar.google.com",
            "name": f"{mark} agenda",
        }
    )
    push = env["calendoc.google.push"].create(
        {"connection_id": connection.id, "event_ref": event.id, "operation": "insert"}
    )
    Terms = env["calendoc.terms.version"]
    version = Terms.search([("name", "=", "CG isolation")]) or Terms.create(
        {
            "name": "CG isolation",
            "date_effective": fields.Date.today() + timedelta(days=30),
            "state": "published",
            "date_published": fields.Date.today(),
        }
    )
    objection = env["calendoc.terms.objection"].create(
        {"version_id": version.id, "account_id": account.id}
    )
    # sudo: the erasure journal is written by erasures only
    erasure = (
        env["calendoc.gdpr.erasure"]
        .sudo()
        .create(
            {
                "account_id": account.id,
                "request_ref": f"{mark} request",
                "digests": f"email:{mark.lower()}",
                "store_counts": {"res.partner": 1},
            }
        )
    )
    # calendoc_gdpr: an export bundle of the requester, its zip attached
    export = env["calendoc.gdpr.export"].create(
        {
            "name": f"{mark} export",
            "requester_id": requester.id,
            "account_id": account.id,
            "access_token": f"{mark}-export-token",
            "date_expiry": now + timedelta(days=7),
        }
    )
    export.attachment_id = env["ir.attachment"].create(
        {
            "name": f"{mark}-export.zip",
            "raw": f"{mark} donnees".encode(),
            "res_model": export._name,
            "res_id": export.id,
        }
    )
    gdpr_request = env["calendoc.gdpr.request"].create(
        {
            "request_type": "erasure",
            "requester_id": requester.id,
            "message": f"{mark} effacez mon dossier",
        }
    )
    registers = build_gdpr_registers(env, account, mark)
    # calendoc_gdpr: a consent given by phone, the audit trail of a change
    consent = env["calendoc.gdpr.consent"].create(
        {
            "requester_id": requester.id,
            "purpose": "booking",
            "version": "1",
            "text": f"{mark} consentement lu au téléphone",
        }
    )
    audit = env["calendoc.gdpr.audit"]._calendoc_log(
        "write", requester, {f"{mark.lower()}_field"}
    )
    portal_admin = _portal_user(
        env, f"{code.lower()}_admin", account, "group_calendoc_portal_client"
    )
    portal_doctor = _portal_user(
        env, f"{code.lower()}_doctor", account, "group_calendoc_portal_practitioner"
    )
    doctor.user_id = portal_doctor
    return {
        "account": account,
        "res.partner": account | requester | requester2 | doctor.partner_id,
        "res.users": portal_admin | portal_doctor,
        "calendoc.practice": practice,
        "calendoc.practice.line": line,
        "calendoc.practitioner": doctor,
        "calendoc.schedule": schedule,
        "calendoc.appointment.type": apt_type,
        "calendoc.requester.category": category,
        "calendar.event": event,
        "calendar.attendee": event.attendee_ids,
        "calendar.recurrence": recurrence,
        "resource.resource": doctor.resource_id,
        "resource.calendar.leaves": leave,
        "ir.attachment": attachment,
        "mail.activity": activity,
        "mail.scheduled.message": scheduled,
        "sms.sms": sms,
        "calendoc.call": call,
        "calendoc.call.event": call.event_ids,
        "calendoc.pack": pack,
        "calendoc.credit.move": pack.move_ids,
        "calendoc.wallet": env["calendoc.wallet"].search(
            [("account_id", "=", account.id)]
        ),
        "calendoc.requester.thread": thread,
        "calendoc.google.connection": connection,
        "calendoc.google.calendar": google_calendar,
        "calendoc.google.push": push,
        "calendoc.terms.objection": objection,
        "calendoc.gdpr.erasure": erasure,
        "calendoc.gdpr.export": export,
        "calendoc.gdpr.request": gdpr_request,
        **registers,
        "calendoc.gdpr.consent": consent,
        "calendoc.gdpr.audit": audit,
        "portal_admin": portal_admin,
        "portal_doctor": portal_doctor,
        "requester": requester,
        "requester2": requester2,
    }


def build_gdpr_registers(env, account, mark):
    """The account's rows of the processor's registers (calendoc_gdpr): its
    objection to an announced sub-processor, the notices of that change and
    of a security incident that affects it."""
    Subprocessor = env["calendoc.gdpr.subprocessor"]
    subs = Subprocessor.search([("name", "like", "Sous-traitant isolation")])
    if not subs:
        # a second one left without objection: an objection of B made again
        # on it is refused for the account, not as a duplicate
        subs = Subprocessor.create(
            [
                {
                    "name": f"Sous-traitant isolation {n}",
                    "purpose": "Hébergement",
                    "country_id": env.ref("base.fr").id,
                }
                for n in (1, 2)
            ]
        )
        subs.write({"state": "announced", "date_announced": Subprocessor._today()})
    sub = subs[0]
    objection = env["calendoc.gdpr.subprocessor.objection"].create(
        {"subprocessor_id": sub.id, "account_id": account.id, "reason": f"{mark} non"}
    )
    incident = env["calendoc.gdpr.incident"].create(
        {
            "name": f"{mark} fuite",
            "nature": f"{mark} vol",
            "account_ids": [Command.set(account.ids)],
        }
    )
    notices = env["calendoc.gdpr.notice"].create(
        [
            {
                "kind": "subprocessor",
                "subprocessor_id": sub.id,
                "account_id": account.id,
            },
            {"kind": "incident", "incident_id": incident.id, "account_id": account.id},
        ]
    )
    return {
        "calendoc.gdpr.subprocessor.objection": objection,
        "calendoc.gdpr.notice": notices,
        "gdpr_subprocessor_free": subs[1],
    }


def password_of(login):
    """The test password of ``login`` (long enough for the firm's policy)."""
    return f"{login}-Pass-2026"


def _portal_user(env, login, account, group):
    user = new_test_user(
        env, login=login, password=password_of(login), groups=f"calendoc_agenda.{group}"
    )
    user.partner_id.parent_id = account
    return user


def build_attackers(env, a, b):
    """The users of account A (and A's firm staff), each holding on B what
    ``ROLE_SCOPES`` says; returns {role: user}."""
    now = fields.Datetime.now().replace(microsecond=0)

    def staff(login, group):
        return new_test_user(
            env,
            login=login,
            password=password_of(login),
            groups=f"calendoc_agenda.{group}",
        )

    users = {
        "secretary": staff("iso_secretary", "group_calendoc_secretary"),
        "practitioner": staff("iso_practitioner", "group_calendoc_practitioner"),
        "portal_client": a["portal_admin"],
        "portal_practitioner": a["portal_doctor"],
        "public": env.ref("base.public_user"),
        "staff": new_test_user(
            env,
            login="iso_staff",
            password=password_of("iso_staff"),
            groups="base.group_user",
        ),
        "auditor": staff("iso_auditor", "group_calendoc_auditor"),
    }
    a["account"].calendoc_secretary_ids = [Command.link(users["secretary"].id)]
    internal_doctor = env["calendoc.practitioner"].create(
        {"name": "Dr interne A", "account_id": a["account"].id}
    )
    internal_doctor.user_id = users["practitioner"]
    Delegation = env["calendoc.delegation"]
    firm = env["res.partner"].create({"name": "Sous-traitant de A", "is_company": True})
    delegations = {
        "delegate_agenda": {"scope_agenda_read": True},
        "delegate_full": {f"scope_{name}": True for name in SCOPE_NAMES},
        "firm_delegate_calls": {"scope_calls": True},
        "delegate_expired": {
            "scope_agenda_read": True,
            "scope_requesters": True,
            "date_start": now - timedelta(days=30),
            "date_end": now - timedelta(days=1),
        },
        "delegate_revoked": {"scope_agenda_read": True, "scope_requesters": True},
        "delegate_future": {
            "scope_agenda_read": True,
            "scope_requesters": True,
            "date_start": now + timedelta(days=5),
        },
    }
    for role, values in delegations.items():
        user = staff(f"iso_{role}", "group_calendoc_secretary")
        a["account"].calendoc_secretary_ids = [Command.link(user.id)]
        users[role] = user
        grantee = {"grantee_user_id": user.id}
        if role.startswith("firm_"):
            user.partner_id.parent_id = firm
            grantee = {"grantee_account_id": firm.id}
        delegation = Delegation.create(
            {
                "grantor_account_id": b["account"].id,
                "reason": f"{MARK} {role}",
                **grantee,
                **values,
            }
        )
        if role == "delegate_revoked":
            delegation.action_revoke()
        b.setdefault("calendoc.delegation", Delegation)
        b["calendoc.delegation"] |= delegation
    portal_delegate = _portal_user(
        env, "iso_portal_delegate", a["account"], "group_calendoc_portal_client"
    )
    practitioner_delegate = staff(
        "iso_practitioner_delegate", "group_calendoc_practitioner"
    )
    env["calendoc.practitioner"].create(
        {"name": "Dr interne A bis", "account_id": a["account"].id}
    ).user_id = practitioner_delegate
    users["portal_delegate"] = portal_delegate
    users["practitioner_delegate"] = practitioner_delegate
    b["calendoc.delegation"] |= Delegation.create(
        [
            {
                "grantor_account_id": b["account"].id,
                "grantee_user_id": portal_delegate.id,
                "scope_agenda_read": True,
                "reason": f"{MARK} portail",
            },
            {
                "grantor_user_id": b["portal_doctor"].id,
                "grantee_user_id": practitioner_delegate.id,
                "scope_agenda_read": True,
                "reason": f"{MARK} mon agenda",
            },
        ]
    )
    b["calendoc.delegation.log"] = b["calendoc.delegation"].log_ids
    return users


def build_isolation(env):
    """Accounts A and B and the users of A: (a, b, users)."""
    a = build_account(
        env, "Compte A", "ISOA", "ALPHA", "02 41 00 00 01", "06 11 11 11 11"
    )
    b = build_account(env, "Compte B", "ISOB", MARK, "02 41 00 00 02", "06 22 22 22 22")
    return a, b, build_attackers(env, a, b)


def holders_of(delegation, users):
    """The roles of ``users`` a delegation of B names (its 'party' scope)."""
    return {
        role
        for role, user in users.items()
        if delegation.grantee_user_id == user
        or (
            delegation.grantee_account_id
            and delegation.grantee_account_id == user.partner_id.commercial_partner_id
        )
    }
