"""The access matrix of every CalenDoc model, built from the registry.

For each model of the installed CalenDoc addons and each role, read, write,
create and unlink are checked (ACLs and record rules, through real users) on a
record of client account A. A model that appears without a line in FIXTURES
(or in SYSTEM_MODELS) makes the test fail: a new model must say who may do what.
"""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase

from isolation_common import build_gdpr_registers

R, W, C, U = "read", "write", "create", "unlink"
ALL = {R, W, C, U}
# The fixture appointment is booked: nobody deletes a booked appointment (it is
# cancelled with a reason); managers delete cancelled ones (calendoc_agenda's
# test_appointment_form).
BOOKED_APPOINTMENT = {R, W, C}
CONFIG = (
    "calendoc.practice",
    "calendoc.practitioner",
    "calendoc.schedule",
    "calendoc.appointment.type",
)
# Configuration of the firm itself (not of a client account), or technical.
SYSTEM_MODELS = {
    "calendoc.offer": "offers of the firm: everyone reads, managers edit",
    "calendoc.sms.tariff": "the firm's SMS prices",
    "calendoc.credit.kind": "the firm's kinds of credits: everyone reads, managers "
    "edit",
    "calendoc.product.credit": "the credits of the firm's packs for sale: everyone "
    "reads, product and sales managers edit",
    "calendoc.syntec.index": "public index values, managers only",
    "calendoc.price.revision": "the firm's price history, managers only",
    "calendoc.price.revision.line": "the firm's price history, managers only",
    "calendoc.terms.version": "the firm's terms, public",
    "calendoc.terms.objection": "managers record objections",
    "calendoc.login.failure": "technical, administrators only",
    "calendoc.portal.throttle": "technical booking rate limits, admins only",
    "calendoc.google.connection": "OAuth tokens and sync state, managers only",
    "calendoc.google.calendar": "Google calendars and sync tokens, managers only",
    "calendoc.google.push": "technical queue of pushes to Google, managers only",
    "calendoc.sip.endpoint": "the firm's phones: managers edit, each secretary reads hers",
    "calendoc.duty": "the firm's duty roster: managers edit, each secretary reads hers",
    "calendoc.voip.nonce": "technical, replay protection of the bridge's requests",
    "calendoc.gdpr.erasure": "the erasure journal: append-only, written by erasures, "
    "managers read (tests/test_gdpr_engine.py)",
    "calendoc.gdpr.export": "personal data export bundles: managers only (the "
    "isolation suite attacks them across accounts); calendoc_gdpr's "
    "test_export_bundle",
    "calendoc.gdpr.retention": "the firm's retention periods, managers only",
    "calendoc.gdpr.retention.run": "the retention runs, read by managers, "
    "written by the purge only",
    "calendoc.gdpr.processing": "the firm's processing register, managers "
    "edit, auditors read",
    "calendoc.gdpr.subprocessor": "the firm's sub-processors: managers edit, "
    "auditors read, client administrators read those announced",
    "calendoc.gdpr.incident": "security incidents name every account affected: "
    "managers edit, auditors read; accounts read their notices",
    "calendoc.pbx": "the firm's PBX connections: managers edit, auditors read "
    "(not the ARI password); tested in calendoc_voip's test_pbx_access",
}
# Telephony (calendoc_voip): calls belong to the account of the practice called
# and open with the 'calls' scope (the fixture delegation has none).
CALLS = {"calendoc.call": {R, W, C}, "calendoc.call.event": {R}}

# role -> model -> allowed operations on a record of account A
EXPECTED = {
    "manager": {
        **dict.fromkeys(CONFIG, ALL),
        "calendoc.practice.line": ALL,
        "calendoc.requester.category": ALL,
        "calendar.event": BOOKED_APPOINTMENT,
        "res.partner": ALL,
        "calendoc.delegation": {R, W, C},
        "calendoc.delegation.log": {R},
        "calendoc.pack": {R, W},
        "calendoc.credit.move": {R},
        "calendoc.wallet": {R},
        **CALLS,
        "calendoc.requester.thread": ALL,
        # data subject requests: managers decide and execute, never delete
        "calendoc.gdpr.request": {R, W, C},
        "calendoc.gdpr.subprocessor.objection": ALL,
        "calendoc.gdpr.notice": ALL,
        # calendoc_gdpr: consents and the audit trail are never changed
        "calendoc.gdpr.consent": {R, C},
        "calendoc.gdpr.audit": {R},
    },
    "auditor": {
        **dict.fromkeys(CONFIG, {R}),
        "calendoc.practice.line": {R},
        "calendoc.requester.category": {R},
        "calendar.event": {R},
        "res.partner": {R},
        "calendoc.delegation": {R},
        "calendoc.delegation.log": {R},
        "calendoc.pack": {R},
        "calendoc.credit.move": {R},
        "calendoc.wallet": {R},
        "calendoc.call": {R},
        "calendoc.call.event": {R},
        "calendoc.requester.thread": {R},
        "calendoc.gdpr.request": {R},
        "calendoc.gdpr.subprocessor.objection": {R},
        "calendoc.gdpr.notice": {R},
        "calendoc.gdpr.consent": {R},
        "calendoc.gdpr.audit": {R},
    },
    "secretary": {
        **dict.fromkeys(CONFIG, {R}),
        "calendoc.practice.line": {R},
        "calendoc.requester.category": {R},
        "calendar.event": BOOKED_APPOINTMENT,
        "res.partner": ALL,
        "calendoc.pack": {R},
        "calendoc.credit.move": {R},
        "calendoc.wallet": {R},
        **CALLS,
        # messages about a requester (calendoc_portal): the account's secretaries
        # read, write and start them; only managers delete
        "calendoc.requester.thread": {R, W, C},
        # data subject requests of the accounts served: filed, read and
        # qualified (the workflow's steps are the managers')
        "calendoc.gdpr.request": {R, W, C},
        # a consent heard on the phone: recorded, never changed; no audit trail
        "calendoc.gdpr.consent": {R, C},
    },
    "other_secretary": {},
    "delegate": {
        **dict.fromkeys(CONFIG, {R}),
        "calendoc.practice.line": {R},
        "calendoc.requester.category": {R},
        "calendar.event": BOOKED_APPOINTMENT,
        "res.partner": ALL,
        "calendoc.delegation": {R},
        "calendoc.delegation.log": {R},
        "calendoc.gdpr.request": {R, W, C},
        "calendoc.gdpr.consent": {R, C},
    },
    # not a party of the fixture delegation, and its own one has ended
    "expired_delegate": {},
    "practitioner": {
        **dict.fromkeys(CONFIG, {R}),
        "calendar.event": BOOKED_APPOINTMENT,
        "res.partner": {R},
    },
    "portal_client": {
        **dict.fromkeys(CONFIG, {R}),
        "calendar.event": {R},
        "calendoc.delegation": {R, W, C},
        "calendoc.delegation.log": {R},
        "calendoc.pack": {R},
        "calendoc.credit.move": {R},
        "calendoc.wallet": {R},
        # the client's users read and start conversations with the secretariat
        "calendoc.requester.thread": {R, C},
        # the account's manager reads its requests (decides by method only)
        "calendoc.gdpr.request": {R},
        # its administrators object to a sub-processor and read the notices
        "calendoc.gdpr.subprocessor.objection": {R, C},
        "calendoc.gdpr.notice": {R},
    },
    "public": {},
}


@tagged("post_install", "-at_install")
class TestAccessMatrix(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        firm = env["res.partner"].create({"name": "Sous-traitant", "is_company": True})
        cls.users = {
            "manager": new_test_user(
                env,
                "m_manager",
                password="m_manager-password",
                groups="calendoc_agenda.group_calendoc_manager",
            ),
            "auditor": new_test_user(
                env,
                "m_auditor",
                password="m_auditor-password",
                groups="calendoc_agenda.group_calendoc_auditor",
            ),
            "secretary": cls.secretary,
            "other_secretary": new_test_user(
                env,
                "m_other",
                password="m_other-password",
                groups="calendoc_agenda.group_calendoc_secretary",
            ),
            "delegate": new_test_user(
                env,
                "m_delegate",
                password="m_delegate-password",
                groups="calendoc_agenda.group_calendoc_secretary",
            ),
            "expired_delegate": new_test_user(
                env,
                "m_expired",
                password="m_expired-password",
                groups="calendoc_agenda.group_calendoc_secretary",
            ),
            "practitioner": new_test_user(
                env,
                "m_doctor",
                password="m_doctor-password",
                groups="calendoc_agenda.group_calendoc_practitioner",
            ),
            "portal_client": new_test_user(
                env,
                "m_portal",
                password="m_portal-password",
                groups="calendoc_agenda.group_calendoc_portal_client",
            ),
            "public": env.ref("base.public_user"),
        }
        cls.users["delegate"].partner_id.parent_id = firm
        cls.users["portal_client"].partner_id.parent_id = cls.account
        cls.doctor.user_id = cls.users["practitioner"]
        now = fields.Datetime.now()
        Delegation = env["calendoc.delegation"]
        cls.delegation = Delegation.create(
            {
                "grantor_account_id": cls.account.id,
                "grantee_account_id": firm.id,
                "scope_agenda_read": True,
                "scope_agenda_write": True,
                "scope_requesters": True,
                "reason": "Remplacement d'été",
                "date_end": now + timedelta(days=30),
            }
        )
        Delegation.create(
            {
                "grantor_account_id": cls.account.id,
                "grantee_user_id": cls.users["expired_delegate"].id,
                "scope_agenda_read": True,
                "scope_requesters": True,
                "scope_statements": True,
                "reason": "Ancien remplacement",
                "date_start": now - timedelta(days=30),
                "date_end": now - timedelta(days=1),
            }
        )
        template = env["product.template"].create(
            {
                "name": "Matrix pack",
                "is_calendoc_pack": True,
                "calendoc_offer": "avantage",
                "calendoc_credit_ids": env["calendoc.credit.kind"]._credit_commands(
                    {"appointment": 10}
                ),
            }
        )
        pack = env["calendoc.pack"]._create_pack(cls.account, template, 1, "matrix")
        call = env["calendoc.call"].create(
            {
                "sip_call_id": "matrix-call",
                "direction": "in",
                "practice_id": cls.practice.id,
                "account_id": cls.account.id,
            }
        )
        call._store_event("ringing", now, {}, {})
        event = cls.env["calendar.event"].create(
            {
                "calendoc_practitioner_id": cls.doctor.id,
                "calendoc_type_id": cls.consult.id,
                "calendoc_requester_id": cls.requester.id,
                "start": now.replace(microsecond=0) + timedelta(days=3),
            }
        )
        cls.fixtures = {
            "calendoc.practice": cls.practice,
            "calendoc.practitioner": cls.doctor,
            "calendoc.schedule": cls.practice.schedule_ids[:1],
            "calendoc.appointment.type": cls.consult,
            "calendoc.practice.line": env["calendoc.practice.line"].create(
                {"practice_id": cls.practice.id, "number": "02 41 11 22 33"}
            ),
            "calendoc.requester.category": env["calendoc.requester.category"].create(
                {"name": "Fidèle", "account_id": cls.account.id}
            ),
            "calendar.event": event,
            "res.partner": cls.requester,
            "calendoc.delegation": cls.delegation,
            "calendoc.delegation.log": cls.delegation.log_ids[:1],
            "calendoc.pack": pack,
            "calendoc.credit.move": pack.move_ids[:1],
            "calendoc.wallet": env["calendoc.wallet"].search(
                [("account_id", "=", cls.account.id)]
            ),
            "calendoc.call": call,
            "calendoc.call.event": call.event_ids,
            "calendoc.requester.thread": env["calendoc.requester.thread"].create(
                {"requester_id": cls.requester.id}
            ),
            "calendoc.gdpr.request": env["calendoc.gdpr.request"].create(
                {"request_type": "access", "requester_id": cls.requester.id}
            ),
            **{
                model: records
                for model, records in build_gdpr_registers(
                    env, cls.account, "Matrice"
                ).items()
                if model.startswith("calendoc.")
            },
            "calendoc.gdpr.consent": env["calendoc.gdpr.consent"].create(
                {"requester_id": cls.requester.id, "purpose": "sms"}
            ),
            "calendoc.gdpr.audit": env["calendoc.gdpr.audit"]._calendoc_log(
                "read", cls.requester
            ),
        }

    def calendoc_models(self):
        modules = (
            self.env["ir.module.module"]
            .search([("name", "like", "calendoc_%"), ("state", "=", "installed")])
            .mapped("name")
        )
        data = self.env["ir.model.data"].search(
            [("model", "=", "ir.model"), ("module", "in", modules)]
        )
        models = self.env["ir.model"].browse(data.mapped("res_id"))
        return {
            m.model
            for m in models
            if not m.transient
            and not self.env[m.model]._abstract
            and m.model.startswith("calendoc.")
        }

    def test_every_calendoc_model_is_in_the_matrix(self):
        covered = set(self.fixtures) | set(SYSTEM_MODELS)
        self.assertEqual(
            self.calendoc_models() - covered,
            set(),
            "new models need a line in the access matrix",
        )
        for model in self.calendoc_models() - set(SYSTEM_MODELS):
            rules = self.env["ir.rule"].search([("model_id.model", "=", model)])
            self.assertTrue(rules, f"{model} holds client data but has no record rule")

    def test_access_matrix(self):
        for role, user in self.users.items():
            for model, record in self.fixtures.items():
                self.assertTrue(record, model)
                allowed = EXPECTED[role].get(model, set())
                for operation in (R, W, C, U):
                    with self.subTest(role=role, model=model, operation=operation):
                        try:
                            record.with_user(user).check_access(operation)
                            granted = True
                        except AccessError:
                            granted = False
                        self.assertEqual(
                            granted,
                            operation in allowed,
                            f"{role} {'can' if granted else 'cannot'} {operation} {model}",
                        )

    def test_requester_of_another_account_never_leaks(self):
        stranger = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": self.other_account.id,
                "calendoc_last_name": "Ailleurs",
                "mobile": "06 99 88 77 66",
            }
        )
        for role in (
            "secretary",
            "delegate",
            "practitioner",
            "portal_client",
            "other_secretary",
        ):
            with self.subTest(role=role):
                self.assertFalse(
                    self.env["res.partner"]
                    .with_user(self.users[role])
                    .search([("id", "=", stranger.id)])
                )
        self.assertTrue(
            self.env["res.partner"]
            .with_user(self.users["manager"])
            .search([("id", "=", stranger.id)])
        )
