"""Self-escalation suite (ARCHITECTURE invariant 9: nobody grants himself a
right).

For every user of account A (isolation_common's roles) and every field of the
records through which a user could widen what he reaches — his own user and
contact, his account, the delegations he holds, his duty lines and phone,
groups, companies, and new delegations, duties and phones he would create —
each field is written with values that would widen it (another account, its
records, the managers' group, another company, a later end...). Whatever the
user may write, what he reaches afterwards must be what he reached before:
his groups, the client accounts he reaches for each scope, and the records of
account B he finds.
"""

import logging
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.calendoc_agenda.models.calendoc_delegation import ACCESS_SCOPES

from isolation_common import MARK
from test_isolation import IsolationCase

_logger = logging.getLogger(__name__)

# One user per kind of rights (the other delegation holders have a
# secretary's rights, as delegate_agenda).
ROLES = (
    "secretary",
    "practitioner",
    "portal_client",
    "portal_practitioner",
    "staff",
    "auditor",
    "delegate_agenda",
    "portal_delegate",
    "practitioner_delegate",
    "public",
)
# Records of B whose reach stands for each scope (the accounts reached for
# every scope are compared too).
REACH_MODELS = ("res.partner", "calendar.event", "calendoc.delegation")
# Groups Odoo uses to store a user's own preference, which open nothing.
PREFERENCE_GROUPS = ("mail.group_mail_notification_type_inbox",)
# Odoo's technical fields, written by the ORM itself.
SKIPPED = {
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "__last_update",
}


@tagged("post_install", "-at_install")
class TestSelfEscalation(IsolationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.other_company = env["res.company"].create({"name": "Autre société"})
        # each internal user of A has a phone and a duty line, as the firm
        # gives them (calendoc_voip)
        for role, user in cls.users.items():
            if user.share or role == "public":
                continue
            env["calendoc.sip.endpoint"].create(
                {"user_id": user.id, "extension": str(300 + user.id % 600)}
            )
            env["calendoc.duty"].create(
                {
                    "user_id": user.id,
                    "practice_ids": [Command.set(cls.a["calendoc.practice"].ids)],
                    "hour_from": 8.0,
                    "hour_to": 18.0,
                }
            )

    # --- what a user reaches -----------------------------------------------------
    def reach(self, user):
        """What ``user`` reaches: his groups, the accounts he reaches for each
        scope, and the records of B he finds on each model."""
        env = self.env(user=user)
        env.invalidate_all()
        Partner = env["res.partner"]
        accounts = {}
        for scope in ACCESS_SCOPES:
            accounts[scope] = frozenset(
                Partner.search(
                    [
                        ("is_calendoc_client", "=", True),
                        ("calendoc_access_scope", "like", f",{scope},"),
                    ]
                ).ids
            )
        found = {}
        for model in REACH_MODELS:
            records = self.targets[model]
            Model = env[model].with_context(active_test=False)
            if Model.has_access("read"):
                found[model] = frozenset(Model.search([("id", "in", records.ids)]).ids)
        preferences = {self.env.ref(xmlid).id for xmlid in PREFERENCE_GROUPS}
        groups = frozenset(set(user.sudo().groups_id.ids) - preferences)
        companies = frozenset(user.sudo().company_ids.ids)
        return groups, companies, accounts, found

    # --- values that would widen what one reaches ------------------------------------
    def widening_values(self, field):
        b = self.b
        manager_group = self.env.ref("calendoc_agenda.group_calendoc_manager")
        by_comodel = {
            "res.partner": b["account"] | b["requester"],
            "res.users": b["portal_admin"] | self.env.ref("base.user_admin"),
            "res.groups": manager_group
            | self.env.ref("base.group_system")
            | self.env.ref("calendoc_agenda.group_calendoc_auditor"),
            "res.company": self.other_company,
            "calendoc.practice": b["calendoc.practice"],
            "calendoc.practice.line": b["calendoc.practice.line"],
            "calendoc.practitioner": b["calendoc.practitioner"],
            "resource.resource": b["resource.resource"],
        }
        if field.type == "many2one":
            return [r.id for r in by_comodel.get(field.comodel_name, [])]
        if field.type in ("many2many", "one2many"):
            records = by_comodel.get(field.comodel_name)
            return [[Command.link(records[0].id)]] if records else []
        if field.type == "boolean":
            return [True]
        if field.type == "selection" and isinstance(field.selection, list):
            return [value for value, _label in field.selection]
        if field.type == "char" and any(
            word in field.name for word in ("login", "code", "permanence")
        ):
            return ["ISOB", "ISOB/isob_admin"]
        if field.type == "datetime":
            return [fields.Datetime.now() + timedelta(days=3650), False]
        return []

    def writable_fields(self, model):
        return [
            field
            for name, field in self.env[model]._fields.items()
            if name not in SKIPPED
            and (field.store or field.inverse)
            and not (field.compute and not field.inverse and not field.store)
            and not field.related
        ]

    # --- attempts --------------------------------------------------------------------
    def try_widen(self, role, user, target, field, value, before):
        """Write ``value`` to ``field`` of ``target`` as ``user``; fail if it
        was accepted and ``user`` reaches more afterwards."""
        attempt = (
            (lambda: target.with_user(user).write({field.name: value}))
            if target
            else (
                lambda: (
                    self.env[field.model_name]
                    .with_user(user)
                    .create(
                        {
                            **self.creation_values(field.model_name, user),
                            field.name: value,
                        }
                    )
                )
            )
        )
        outcome = {}

        class Undo(Exception):
            pass

        self.env.invalidate_all()
        try:
            with self.env.cr.savepoint():
                try:
                    attempt()
                    self.env.flush_all()
                    outcome["after"] = self.reach(user)
                except (AccessError, UserError):
                    pass
                raise Undo
        except Undo:
            pass
        self.env.invalidate_all()
        after = outcome.get("after")
        if after is None:
            return False
        what = f"{role} wrote {field.model_name}.{field.name}={value!r}"
        if after[0] != before[0]:
            self.widened.append(f"{what}: his groups changed")
        if not after[1] <= before[1]:
            self.widened.append(f"{what}: more companies")
        for scope, accounts in after[2].items():
            if not accounts <= before[2][scope]:
                self.widened.append(f"{what}: more accounts for {scope}")
        for model, found in after[3].items():
            if not found <= before[3].get(model, frozenset()):
                self.widened.append(f"{what}: more {model} of B")
        return True

    def creation_values(self, model, user):
        """What a new record of ``model`` made by ``user`` needs besides the
        field tried."""
        now = fields.Datetime.now()
        return {
            "calendoc.delegation": {
                "grantor_account_id": self.b["account"].id,
                "grantee_user_id": user.id,
                "scope_agenda_read": True,
                "reason": f"{MARK} pour moi",
                "date_start": now,
            },
            "calendoc.duty": {
                "user_id": user.id,
                "practice_ids": [Command.set(self.a["calendoc.practice"].ids)],
                "hour_from": 8.0,
                "hour_to": 18.0,
            },
            "calendoc.sip.endpoint": {"user_id": user.id, "extension": "999"},
            "res.groups": {"name": "Mes droits", "users": [Command.link(user.id)]},
            "res.company": {"name": "Ma société", "user_ids": [Command.link(user.id)]},
            "res.users": {"name": "Mon double", "login": f"{user.login}-bis"},
        }[model]

    def targets_of(self, role, user):
        """(record or None for a creation, model) a user could widen himself
        through."""
        env = self.env
        own = [
            (user, "res.users"),
            (user.partner_id, "res.partner"),
            (self.a["account"], "res.partner"),
            (self.b["account"], "res.partner"),
        ]
        held = env["calendoc.delegation"].search(
            [
                "|",
                ("grantee_user_id", "=", user.id),
                ("grantee_account_id", "=", user.partner_id.commercial_partner_id.id),
            ]
        )
        own += [(delegation, "calendoc.delegation") for delegation in held]
        for model in ("calendoc.sip.endpoint", "calendoc.duty"):
            own += [(r, model) for r in env[model].search([("user_id", "=", user.id)])]
        own += [
            (env.ref("calendoc_agenda.group_calendoc_manager"), "res.groups"),
            (env.company, "res.company"),
        ]
        creations = [
            (None, name)
            for name in (
                "calendoc.delegation",
                "calendoc.duty",
                "calendoc.sip.endpoint",
                "res.groups",
                "res.company",
                "res.users",
            )
        ]
        return own + creations

    def may_try(self, user, target, model):
        """Whether ``user`` may write ``target`` (or create a ``model``) at
        all. A user writes some fields of his own user record without the
        right to write users (Odoo's preferences): always tried."""
        if model == "res.users" and target == user:
            return True
        Model = self.env[model].with_user(user)
        if target is None:
            return Model.has_access("create")
        return target.with_user(user).has_access("write")

    def test_nobody_widens_what_he_reaches_by_writing_himself(self):
        tried = accepted = 0
        # one report of every write that widened something (subtests by the
        # ten thousand would cost more than the writes)
        self.widened = []
        for role in ROLES:
            user = self.users[role]
            before = self.reach(user)
            for target, model in self.targets_of(role, user):
                if not self.may_try(user, target, model):
                    # refused whatever the field (rights or rules): one write
                    # of the first field proves it, the rest would repeat it
                    field = self.writable_fields(model)[0]
                    tried += 1
                    for value in self.widening_values(field)[:1]:
                        accepted += self.try_widen(
                            role, user, target, field, value, before
                        )
                    continue
                for field in self.writable_fields(model):
                    for value in self.widening_values(field):
                        tried += 1
                        accepted += self.try_widen(
                            role, user, target, field, value, before
                        )
        _logger.info(
            "self-escalation suite: %s writes tried, %s accepted (none widened)",
            tried,
            accepted,
        )
        self.assertEqual(self.widened, [], "writes that widened what a user reaches")
        self.assertGreater(tried, 1000)
        self.assertGreater(accepted, 100, "the suite writes what users may write")

    def test_invitations_widen_nobody(self):
        """ "Invite a user" (calendoc.user.invite): nobody of A invites into B,
        a client's administrator gives no role beyond a client's (portal)
        ones, and what he invites into his own account widens nothing he
        reaches: a portal user, never an internal one."""
        Invite = self.env["calendoc.user.invite"]
        Users = self.env["res.users"].with_context(active_test=False)
        admin = self.users["portal_client"]
        values = {
            "name": "Intrus",
            "email": "intrus@example.fr",
            "login": "intrus",
            "role": "client_admin",
        }
        count = Users.search_count([])
        for role in ROLES:
            user = self.users[role]
            # AccessError is a UserError
            with self.subTest(role=role), self.assertRaises(UserError):
                Invite.with_user(user).create(
                    {**values, "account_id": self.b["account"].id}
                ).action_invite()
        for role in ("manager", "secretary", "auditor", "practitioner_internal"):
            with self.subTest(role=role), self.assertRaises(UserError):
                Invite.with_user(admin).create(
                    {**values, "account_id": self.a["account"].id, "role": role}
                )
        self.assertEqual(Users.search_count([]), count, "nobody was invited")
        before = self.reach(admin)
        Invite.with_user(admin).create(
            {**values, "account_id": self.a["account"].id}
        ).action_invite()
        self.assertEqual(self.reach(admin), before)
        invited = Users.search([("login", "=", "ISOA/intrus")])
        self.assertTrue(invited.share)
        self.assertFalse(invited.has_group("base.group_user"))
        self.assertEqual(invited.partner_id.commercial_partner_id, self.a["account"])
        portal_roles = (
            self.env.ref("calendoc_agenda.group_calendoc_portal_client")
            | self.env.ref("calendoc_agenda.group_calendoc_portal_practitioner")
            | self.env.ref("base.group_portal")
        )
        self.assertFalse(
            invited.groups_id.filtered(lambda g: not g.share) - portal_roles,
            "the invited user holds no group of the firm's staff",
        )
