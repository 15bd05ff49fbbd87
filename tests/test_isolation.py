"""The isolation suite: no user of client account A reaches account B.

Built from the registry: every model that declares its path to a client
account (``_calendoc_account_link``) or to the record it is attached to
(``_calendoc_document_fields``) — CalenDoc's and Odoo's own — is attacked
on account B's records by every user of A (see isolation_common.ROLE_SCOPES:
A's secretary, practitioner, portal administrator and portal practitioner,
the public user, the firm's staff without a CalenDoc role, an auditor, and
A's secretaries holding B's delegations in every state): search,
search_count, read_group, read, write, unlink, copy and create into B; then
every public method of CalenDoc's models on B's records, and every wizard
opened on B's records. Expected: nothing of B read or changed beyond exactly
what the user's scopes open. A model that reaches account data (a field to
such a model, or a document reference) without declaring its own path, or a
declared model without a record of B in the set-up, fails the suite: a
future model cannot be forgotten.
"""

import functools
import inspect
import logging
from datetime import timedelta

import psycopg2
from psycopg2 import sql

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from isolation_common import (
    MARK,
    ROLE_SCOPES,
    ROLE_WRITES,
    build_isolation,
    holders_of,
    opened_by,
)

_logger = logging.getLogger(__name__)

REFUSED = (AccessError, UserError)  # UserError covers ValidationError, MissingError
OPERATIONS = (
    "search",
    "search_count",
    "read_group",
    "read",
    "write",
    "unlink",
    "copy",
    "create",
)
# Models that reach account data but hold none of their own, or that no user
# of a client account can reach: each says why it needs no path to an account.
EXEMPT = {
    "account.analytic.account": "accounting staff only",
    "account.analytic.distribution.model": "accounting configuration",
    "account.analytic.line": "accounting staff only",
    "account.bank.statement.line": "accounting staff only",
    "account.invoice.report": "accounting staff only",
    "account.move": "portal users read their own commercial partner's "
    "invoices (Odoo's portal rules); no CalenDoc role has accounting rights",
    "account.move.line": "as account.move",
    "account.payment": "accounting staff only",
    "account.reconcile.model": "accounting configuration",
    "account.reconcile.model.partner.mapping": "accounting configuration",
    "calendar.filters": "a user's own display filters of the calendar "
    "(partners shown), no data of an account",
    "discuss.channel.member": "membership of the firm's chat channels",
    "ir.actions.server": "technical configuration",
    "mail.mail": "administrators only (the outgoing mail queue)",
    "mail.message.reaction": "reactions follow mail.message's own access",
    "mail.push.device": "a user's own devices",
    "mail.tracking.value": "administrators only",
    "payment.token": "a partner's own saved payment methods (Odoo's rules)",
    "payment.transaction": "a partner's own payments (Odoo's rules)",
    "product.supplierinfo": "purchase configuration",
    "res.company": "the firm's companies",
    "res.partner.autocomplete.sync": "technical",
    "res.partner.bank": "bank accounts: accounting staff",
    "res.partner.category": "tags, no data of an account",
    "res.users.settings.volumes": "a user's own call volumes",
    "sale.order": "portal users read their own commercial partner's orders "
    "(Odoo's portal rules); no CalenDoc role has sales rights",
    "sale.order.line": "as sale.order",
    "sale.report": "sales staff only",
    "snailmail.letter": "administrators only",
    "resource.calendar.attendance": "working hours of shared calendars, no "
    "data of an account",
    "privacy.log": "administrators only (Odoo's privacy lookup)",
    "mail.message.schedule": "technical queue of notifications, administrators",
    "sms.tracker": "technical, administrators",
    "calendoc.duty": "the firm's duty roster (its staff's, not an account's)",
    "discuss.channel": "the firm's chat channels (members only, Odoo's rules)",
    "mail.template": "e-mail templates: the firm's configuration",
    "product.document": "documents of the firm's products",
    "quotation.document": "documents of the firm's quotations",
}
# Odoo's own models may be stricter than the scopes (activities on a contact
# only for who may write it, absences of a practitioner who is a user only
# for him): on them the suite checks that nothing beyond is reached; on these
# it checks that exactly what the scopes open is.
EXACT_MODELS = {
    "res.partner",
    "res.users",
    "calendar.event",
    "calendar.attendee",
    "resource.resource",
    "calendoc.practice",
    "calendoc.practice.line",
    "calendoc.practitioner",
    "calendoc.schedule",
    "calendoc.appointment.type",
    "calendoc.requester.category",
    "calendoc.delegation",
    "calendoc.delegation.log",
    "calendoc.call",
    "calendoc.call.event",
    "calendoc.pack",
    "calendoc.credit.move",
    "calendoc.wallet",
    "calendoc.requester.thread",
}
# Records of B that even the superuser cannot create again from their own
# values, though a user of A has the right to create such records.
NOT_CREATABLE = {}
# Values that make a copy of B's record unique again (so that creating it is
# refused for its account, not for a duplicate).
UNIQUE_AGAIN = {
    "calendoc.call": lambda values, b: {"sip_call_id": "isolation-copy"},
    "calendoc.requester.thread": lambda values, b: {"requester_id": b["requester2"].id},
    "mail.notification": lambda values, b: {"res_partner_id": b["account"].id},
    "calendoc.gdpr.subprocessor.objection": lambda values, b: {
        "subprocessor_id": b["gdpr_subprocessor_free"].id
    },
}
# Public methods of CalenDoc models called with these arguments; a method
# with another required argument fails the suite until it is added here.
ARGUMENTS = {
    "reason": "Motif ZZ",
    "start": "2030-01-07 09:00:00",
    "date_from": "2030-01-07 00:00:00",
    "date_to": "2030-01-14 00:00:00",
    "limit": 3,
    # the web client's reads and saves (calendoc_gdpr's audit trail hooks)
    "specification": {"display_name": {}},
    "vals": {},
    "domain": [],
}
# Method names that are Odoo's own API (CRUD...), overridden by CalenDoc:
# attacked by the operations above, not called again.
ORM_METHODS = {
    "create",
    "write",
    "unlink",
    "copy",
    "read",
    "search",
    "init",
    "default_get",
    "name_create",
    "fields_get",
    "onchange",
    "message_new",
}


def declared_models(env):
    return sorted(
        name
        for name, model in env.registry.items()
        if not model._abstract
        and not model._transient
        and model._auto
        and (model._calendoc_account_link or model._calendoc_document_fields)
    )


@tagged("post_install", "-at_install")
class IsolationCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a, cls.b, cls.users = build_isolation(cls.env)
        cls.targets = cls._records_of_b()

    @classmethod
    def _records_of_b(cls):
        """{model: records of B}: the set-up's records, and the records of
        Odoo's document models attached to any of them."""
        env = cls.env
        targets = {
            name: records
            for name, records in cls.b.items()
            if name in env and records._name == name
        }
        documents = [record for records in list(targets.values()) for record in records]
        for name in declared_models(env):
            model = env[name].sudo().with_context(active_test=False)
            fields = model._calendoc_document_fields
            if not fields:
                continue
            model_field, id_field = fields
            domain = ["|"] * (len(documents) - 1)
            for document in documents:
                domain += ["&", (model_field, "=", document._name)]
                domain.append((id_field, "=", document.id))
            targets[name] = model.search(domain)
        return targets

    # --- what each user should reach ----------------------------------------------
    def document_of(self, record):
        fields = record._calendoc_document_fields
        if not fields:
            return None
        model_field, id_field = fields
        name = record.sudo().mapped(model_field)[0]
        res_id = record.sudo().mapped(id_field)[0]
        return self.env[name].browse(res_id)

    def opens(self, role, record, write=False):
        """Whether what ``role`` holds on B opens ``record``."""
        document = self.document_of(record)
        if document is not None:
            return self.opens(role, document, write)
        if record._name in ("calendoc.delegation", "calendoc.delegation.log"):
            delegation = (
                record
                if record._name == "calendoc.delegation"
                else record.delegation_id
            )
            if write:
                return False
            return role == "auditor" or role in holders_of(
                delegation.sudo(), self.users
            )
        scopes = ROLE_WRITES.get(role, set()) if write else ROLE_SCOPES[role]
        return opened_by(record.sudo(), scopes, write)

    def exact(self, user, model):
        """Whether what ``user`` reaches of ``model`` is exactly what his
        scopes open (Odoo's portal rules on contacts and users are stricter:
        a portal user reads his own company's only)."""
        if user.share and model in ("res.partner", "res.users"):
            return False
        return model in EXACT_MODELS

    def acl(self, user, model, operation):
        return (
            self.env["ir.model.access"]
            .with_user(user)
            .check(model, operation, raise_exception=False)
        )

    # --- attempts in a savepoint, with B's rows compared ----------------------
    def rows_of(self, model, ids):
        """A fingerprint of the rows ``ids`` of ``model`` and of how many rows
        belong to B."""
        self.env.flush_all()
        table = self.env[model]._table
        self.env.cr.execute(
            sql.SQL(
                "SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) "
                "FROM {} t WHERE t.id = ANY(%s)"
            ).format(sql.Identifier(table)),
            [list(ids)],
        )
        digest = self.env.cr.fetchone()[0]
        link = self.env[model]._calendoc_account_link
        count = (
            self.env[model]
            .sudo()
            .with_context(active_test=False)
            .search_count([(link, "=", self.b["account"].id)])
            if link
            else 0
        )
        return digest, count

    def attempt(self, function, model=None, ids=()):
        """Run ``function`` in a savepoint that is always rolled back. Returns
        (result, refusal, changed): changed says whether B's rows of
        ``model`` differ once it returned (a refusal undoes everything, as in
        a request)."""
        before = self.rows_of(model, ids) if model else None
        # as in a request: nothing read by the test's superuser is in the cache
        # (Odoo checks access when it fetches, not when it reads its cache)
        self.env.invalidate_all()
        outcome = {"result": None, "error": None, "changed": False}

        class Undo(Exception):
            pass

        try:
            with self.env.cr.savepoint():
                try:
                    outcome["result"] = function()
                    if model:
                        outcome["changed"] = self.rows_of(model, ids) != before
                except REFUSED as exc:
                    outcome["error"] = exc
                raise Undo
        except Undo:
            pass
        self.env.invalidate_all()
        return outcome["result"], outcome["error"], outcome["changed"]

    def assert_no_mark(self, value, what):
        self.assertNotIn(MARK, repr(value), f"{what} shows account B's data")


class TestIsolationDeclarations(IsolationCase):
    def test_every_declared_model_has_records_of_b_in_the_set_up(self):
        missing = [
            name for name in declared_models(self.env) if not self.targets.get(name)
        ]
        self.assertEqual(
            missing,
            [],
            "the isolation set-up needs a record of account B of each declared "
            "model (tests/isolation_common.py: build_account)",
        )

    def test_models_reaching_account_data_declare_their_path(self):
        """A model any user of a client account may read (Odoo's access
        rights) with a field to a model holding account data, or a document
        reference (res_model/model + res_id), must declare its own path to
        the account, or be exempted here with a reason."""
        env = self.env
        declared = set(declared_models(env))
        holders = {name for name in declared if name != "res.users"}
        roles = [
            user
            for role, user in self.users.items()
            if role not in ("auditor", "staff") and not role.startswith("delegate")
        ]
        undeclared = set()
        for name, model in env.registry.items():
            if model._abstract or model._transient or not model._auto:
                continue
            if name in declared or name in EXEMPT:
                continue
            if not any(self.acl(user, name, "read") for user in roles):
                continue
            fields = model._fields.values()
            references = {
                f.name
                for f in fields
                if f.store
                and f.type in ("many2one", "many2many")
                and f.comodel_name in holders
                and f.name not in ("create_uid", "write_uid")
            }
            document = {"res_model", "model"} & set(model._fields) and (
                "res_id" in model._fields
            )
            if references or document:
                undeclared.add(name)
        self.assertEqual(
            undeclared,
            set(),
            "these models reach account data without saying how they belong to "
            "a client account (_calendoc_account_link / _calendoc_document_fields)",
        )
        self.assertFalse(declared & set(EXEMPT), "a declared model needs no exemption")


class TestIsolationOperations(IsolationCase):
    def test_no_user_of_a_reaches_b_beyond_his_scopes(self):
        tried = 0
        self.not_creatable = set()
        self.creatable_cache = {}
        for role, user in self.users.items():
            for model, records in sorted(self.targets.items()):
                tried += self.attack_model(role, user, model, records)
        _logger.info("isolation suite: %s attempts", tried)
        self.assertGreater(tried, 1000)
        self.assertEqual(
            self.not_creatable,
            set(NOT_CREATABLE),
            "models whose records of B cannot be created again from their own "
            "values (so 'create into B' proves nothing for them): say why in "
            "NOT_CREATABLE",
        )

    def attack_model(self, role, user, model, records):
        """Every operation of ``role`` on B's ``records``; returns how many
        attempts were made."""
        Model = self.env[model].with_user(user).with_context(active_test=False)
        ids = records.ids
        expected = records.filtered(
            lambda r: self.acl(user, model, "read") and self.opens(role, r)
        )
        label = f"{role} on {model} of B"
        # search, search_count, read_group
        for operation in ("search", "search_count", "read_group"):
            with self.subTest(role=role, model=model, operation=operation):
                result, error, _ = self.attempt(
                    lambda operation=operation: {
                        "search": lambda: Model.search([("id", "in", ids)]).ids,
                        "search_count": lambda: Model.search_count([("id", "in", ids)]),
                        "read_group": lambda: Model._read_group(
                            [("id", "in", ids)], [], ["__count"]
                        )[0][0],
                    }[operation]()
                )
                if not self.acl(user, model, "read"):
                    self.assertIsInstance(error, AccessError, label)
                    continue
                self.assertIsNone(error, f"{label}: {error}")
                found = set(result) if operation == "search" else result
                if self.exact(user, model):
                    wanted = (
                        set(expected.ids) if operation == "search" else len(expected)
                    )
                    self.assertEqual(found, wanted, f"{label}: {operation}")
                elif operation == "search":
                    self.assertLessEqual(found, set(expected.ids), label)
                else:
                    self.assertLessEqual(found, len(expected), label)
        count = 3
        fnames = [
            name
            for name, field in self.env[model]._fields.items()
            if field.store
            and not field.groups
            and field.type not in ("binary", "one2many", "many2many")
        ]
        change = self.change_of(model)
        for record in records:
            allowed_write = self.acl(user, model, "write") and self.opens(
                role, record, write=True
            )
            mine = Model.browse(record.id)
            checks = {
                "read": lambda mine=mine: mine.read(fnames),
                "write": lambda mine=mine, record=record: mine.write(change(record)),
                "unlink": lambda mine=mine: mine.unlink(),
                "copy": lambda mine=mine: mine.copy(),
            }
            for operation, function in checks.items():
                if allowed_write and operation in ("copy", "unlink"):
                    continue  # his to copy or delete, by the model's own rules
                if (
                    operation == "copy"
                    and self.acl(user, model, "create")
                    and not self.creatable(model, lambda record=record: record.copy())
                ):
                    continue  # a copy refused even to the superuser proves nothing
                with self.subTest(
                    role=role, model=model, operation=operation, id=record.id
                ):
                    count += 1
                    result, error, changed = self.attempt(function, model, ids)
                    if operation == "read":
                        if record in expected and self.exact(user, model):
                            self.assertIsNone(error, f"{label}: {error}")
                        elif record not in expected:
                            self.assertIsNotNone(error, f"{label}: read {record}")
                            self.assert_no_mark(str(error), label)
                        continue
                    if error is None and not allowed_write:
                        self.fail(
                            f"{label}: {operation} of {record} accepted "
                            f"(changed: {changed})"
                        )
                    if error is not None and not self.opens(role, record):
                        self.assert_no_mark(str(error), label)
            # create into B: the record's own values, as a user of A (who may
            # hold the right to create without the right to change, as for
            # calendoc_gdpr's consents, recorded and never changed)
            allowed_create = self.acl(user, model, "create") and self.opens(
                role, record, write=True
            )
            with self.subTest(role=role, model=model, operation="create"):
                count += 1
                self.attack_create(role, user, model, record, allowed_create, ids)
        return count

    def change_of(self, model):
        """A write that changes a record of ``model``: its first plain text
        field, else its first boolean (a write of nothing is skipped by some
        models before any access check)."""
        fields = self.env[model]._fields
        for types in (("char", "text"), ("boolean",)):
            for name, field in fields.items():
                if (
                    field.type in types
                    and field.store
                    and not field.compute
                    and not field.related
                    and not field.readonly
                    and not field.groups
                    and name not in ("active", "id")
                ):
                    if field.type == "boolean":
                        return lambda record, name=name: {name: not record.sudo()[name]}
                    return lambda record, name=name: {
                        name: f"{record.sudo()[name] or ''} changé"
                    }
        return lambda record: {}

    def creatable(self, model, function, report=False):
        """Whether the superuser can do what a user is about to be refused
        (a copy, a creation from a record's values): else the refusal would
        prove nothing (a unique constraint, a record only the system writes)."""
        cached = self.creatable_cache.get((model, function.__code__))
        if cached is not None:
            return cached
        try:
            _result, error, _ = self.attempt(function)
        except psycopg2.Error:
            error = True
        if error is not None and report:
            self.not_creatable.add(model)
        self.creatable_cache[(model, function.__code__)] = error is None
        return error is None

    def attack_create(self, role, user, model, record, allowed, ids):
        if allowed and self.acl(user, model, "create"):
            return  # he may create in B, by the model's own rules
        values = record.sudo().copy_data()[0]
        if model in UNIQUE_AGAIN:
            values.update(UNIQUE_AGAIN[model](values, self.b))
        # a second appointment at the same time would be refused for the slot,
        # not for the account: another time proves the access rules refuse it
        for fname in ("start", "stop", "date_from", "date_to", "start_date"):
            if fname in values and values[fname]:
                values[fname] = record.sudo()[fname] + timedelta(days=7)
        if self.acl(user, model, "create") and not self.creatable(
            model, lambda: self.env[model].create(values), report=True
        ):
            return
        Model = self.env[model].with_user(user)
        _result, error, changed = self.attempt(lambda: Model.create(values), model, ids)
        if error is None and not (allowed and self.acl(user, model, "create")):
            self.fail(f"{role} created a {model} in account B (changed: {changed})")
        if error is not None:
            self.assert_no_mark(str(error), f"{role} creating {model}")


class TestIsolationMethods(IsolationCase):
    def calendoc_methods(self, model):
        """Public methods CalenDoc defines on ``model``."""
        cls = type(self.env[model])
        names = []
        for name in dir(cls):
            if name.startswith("_") or name in ORM_METHODS:
                continue
            function = getattr(cls, name, None)
            module = getattr(function, "__module__", "") or ""
            if callable(function) and module.startswith("odoo.addons.calendoc_"):
                names.append(name)
        return names

    def call_args(self, function):
        parameters = list(inspect.signature(function).parameters.values())[1:]
        kwargs = {}
        for parameter in parameters:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if parameter.default is not parameter.empty:
                continue
            self.assertIn(
                parameter.name,
                ARGUMENTS,
                f"{function.__qualname__}: say in ARGUMENTS what to call it with",
            )
            kwargs[parameter.name] = ARGUMENTS[parameter.name]
        return kwargs

    def test_public_methods_on_b_records_reveal_and_change_nothing(self):
        tried = 0
        for model, records in sorted(self.targets.items()):
            methods = self.calendoc_methods(model)
            if not methods:
                continue
            record = records[:1]
            for role, user in self.users.items():
                if self.opens(role, record) or self.opens(role, record, write=True):
                    continue
                for name in methods:
                    function = getattr(type(self.env[model]), name)
                    kwargs = self.call_args(function)
                    target = record.with_user(user)
                    with self.subTest(role=role, model=model, method=name):
                        tried += 1
                        result, error, changed = self.attempt(
                            lambda target=target, name=name, kwargs=kwargs: getattr(
                                target, name
                            )(**kwargs),
                            model,
                            records.ids,
                        )
                        self.assertFalse(changed, f"{role}: {model}.{name} changed B")
                        self.assert_no_mark(
                            error if error is not None else result,
                            f"{role}: {model}.{name}",
                        )
        _logger.info("isolation suite: %s method calls", tried)
        self.assertGreater(tried, 50)


class TestIsolationWizards(IsolationCase):
    def wizard_fields(self):
        """(wizard, field, comodel) of every transient model's field to a
        model holding account data."""
        found = []
        for name, model in self.env.registry.items():
            if not model._transient or model._abstract:
                continue
            for field in model._fields.values():
                if (
                    field.type in ("many2one", "many2many")
                    and field.comodel_name in self.targets
                    and field.name not in ("create_uid", "write_uid")
                    and not (field.compute and not field.inverse)
                    and not field.related
                ):
                    comodel = self.env[field.comodel_name]
                    if comodel._calendoc_holds_account_data():
                        found.append((name, field.name, field.comodel_name))
        return found

    def test_the_invitation_of_users_is_among_the_wizards_attacked(self):
        # "Invite a user" makes users of an account: opened on B's account or
        # practitioner by A's portal administrator, it must be refused
        found = set(self.wizard_fields())
        for fname, comodel in (
            ("account_id", "res.partner"),
            ("practitioner_id", "calendoc.practitioner"),
        ):
            self.assertIn(("calendoc.user.invite", fname, comodel), found)
        self.assertTrue(
            self.acl(self.users["portal_client"], "calendoc.user.invite", "create")
        )

    def test_a_wizard_opened_on_b_records_is_refused_and_shows_nothing(self):
        tried = 0
        for wizard, fname, comodel in self.wizard_fields():
            field = self.env[wizard]._fields[fname]
            value_of = (
                (lambda r: r.id)
                if field.type == "many2one"
                else (lambda r: [Command.link(r.id)])
            )
            for role, user in self.users.items():
                if not self.acl(user, wizard, "create"):
                    continue
                for record in self.targets[comodel][:2]:
                    if self.opens(role, record):
                        continue
                    Wizard = self.env[wizard].with_user(user)
                    with self.subTest(role=role, wizard=wizard, field=fname):
                        tried += 1
                        opened = {fname: value_of(record)}
                        _result, error, _ = self.attempt(
                            lambda Wizard=Wizard, opened=opened: Wizard.create(opened)
                        )
                        self.assertIsInstance(
                            error,
                            AccessError,
                            f"{role} opened {wizard} on {comodel} {record.id} of B",
                        )
                        if not wizard.startswith("calendoc."):
                            continue  # Odoo's wizards: refused at create is enough
                        # what the form shows when the field is set: its onchange
                        spec = {
                            name: {}
                            for name, f in Wizard._fields.items()
                            if f.type not in ("one2many", "many2many", "binary")
                            and not f.groups
                        }
                        values = {
                            **Wizard.default_get(list(spec)),
                            fname: value_of(record),
                        }
                        result, error, _ = self.attempt(
                            functools.partial(Wizard.onchange, values, [fname], spec)
                        )
                        self.assert_no_mark(
                            error if error is not None else result,
                            f"{role}: {wizard} onchange on {comodel} of B",
                        )
        _logger.info("isolation suite: %s wizard openings", tried)
        self.assertGreater(tried, 20)


class TestIsolationBoard(IsolationCase):
    """The day board (calendoc.board.get_board) as every user of A: asked for
    B's practice, practitioner or type, or for nothing in particular, it
    refuses or shows no column of B, unless the user reads B's agendas."""

    # roles that read B's agenda and its configuration: B's column is theirs
    READERS = {"auditor", "delegate_agenda", "delegate_full"}

    def test_the_board_shows_no_column_of_b_to_users_of_a(self):
        event = self.b["calendar.event"]
        doctor = self.b["calendoc.practitioner"]
        day = event.start.date().isoformat()
        asks = [
            {},
            {"mode": "week"},
            {"practice_ids": self.b["calendoc.practice"].ids},
            {"practitioner_ids": doctor.ids},
            {"practitioner_ids": doctor.ids, "mode": "week"},
            {"type_id": self.b["calendoc.appointment.type"].id},
        ]
        tried = 0
        for role, user in self.users.items():
            Board = self.env["calendoc.board"].with_user(user)
            for ask in asks:
                with self.subTest(role=role, ask=ask):
                    tried += 1
                    result, error, _ = self.attempt(
                        lambda Board=Board, ask=ask: Board.get_board(day=day, **ask)
                    )
                    columns = [] if error else result["columns"]
                    shown = [c for c in columns if c["practitioner_id"] == doctor.id]
                    if role in self.READERS and "practitioner_ids" in ask:
                        self.assertIsNone(error, f"{role}: {error}")
                        self.assertTrue(shown, f"{role} reads B's agenda")
                        continue
                    if self.opens(role, event):
                        continue
                    self.assertFalse(shown, f"{role} sees B's column")
                    self.assert_no_mark(
                        error if error is not None else result, f"{role}: board {ask}"
                    )
        self.assertGreater(tried, 50)
