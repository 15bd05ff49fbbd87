from odoo import api, models
from odoo.exceptions import AccessError
from odoo.fields import Command


class Base(models.AbstractModel):
    """Two declarations every model may make, read by calendoc_gdpr and by the
    suite's isolation tests.

    Personal data (ARCHITECTURE invariant 4): ``_calendoc_personal_fields``
    lists the fields that hold a requester's data, ``_calendoc_requester_link``
    the path from a record to the requester it is about. A model whose data
    needs more than its own fields overrides ``_calendoc_personal_data``.

    Tenant isolation (invariants 3 and 9): ``_calendoc_account_link`` is the
    path from a record to the client account it belongs to (a ``res.partner``
    flagged as a client), or ``_calendoc_document_fields`` the pair of fields
    naming the record it is attached to (chatter, attachments, followers...).
    On a model that declares either, and on every wizard, nobody but the
    superuser links a record of that kind which he cannot read, and a write
    that moves a record (``_calendoc_rule_fields``) is checked again against
    the record rules once done, since Odoo checks them before a write only."""

    _inherit = "base"

    _calendoc_personal_fields = ()
    _calendoc_requester_link = None
    # What an erasure does to this model's records about a requester
    # (invariants 4 and 8): "delete" (they go), "anonymise" (they stay, their
    # declared fields are emptied: the law keeps the record, e.g. a ledger row
    # keeps amount and date) or "keep" (untouched, for the legal reason
    # given); the reason, with its article, when they are not deleted; the
    # retention category that bounds how long they live (calendoc_gdpr).
    _calendoc_erasure = "delete"
    _calendoc_erasure_reason = None
    _calendoc_retention = None
    # The date field a record's retention period runs from (calendoc_gdpr's
    # purge): its creation unless the model says better (an appointment's
    # end, a call's ring).
    _calendoc_retention_date = "create_date"

    _calendoc_account_link = None
    _calendoc_document_fields = None
    # Fields the record rules read: writing one re-checks the rules after the
    # write (default: the first field of the account link).
    _calendoc_rule_fields = ()
    # References a user may set to records he cannot read (the grantee of a
    # delegation is another firm or account).
    _calendoc_unchecked_references = ()

    # --- hooks (docs/extending.md) -----------------------------------------------
    @api.model
    def _calendoc_personal_records(self, requesters):
        """This model's records about ``requesters`` (archived ones included):
        the one set that export, erasure, restriction and retention act on."""
        if not self._calendoc_personal_fields or not self._calendoc_requester_link:
            return self.browse()
        return self.with_context(active_test=False).search(
            [(self._calendoc_requester_link, "in", requesters.ids)], order="id"
        )

    @api.model
    def _calendoc_personal_data(self, requesters):
        """The declared fields of this model's records about ``requesters``
        (archived ones included), as ``read`` gives them."""
        records = self._calendoc_personal_records(requesters)
        return records.read(list(self._calendoc_personal_fields)) if records else []

    def _calendoc_erase_personal(self):
        """Apply this model's erasure mode to these records (declared
        ``_calendoc_erasure``); the number of records erased or anonymised.
        Anonymising empties the declared fields (a required text gets
        "Anonymised"); one2many fields are stores of their own, declared on
        their model."""
        mode = self._calendoc_erasure
        if not self or mode == "keep":
            return 0
        count = len(self)
        if mode == "delete":
            self.unlink()
            return count
        vals = {}
        for name in self._calendoc_personal_fields:
            field = self._fields[name]
            if field.type == "one2many":
                continue
            if field.type == "many2many":
                vals[name] = [Command.clear()]
            elif field.required and field.type in ("char", "text", "html"):
                vals[name] = self.env._("Anonymised")
            else:
                vals[name] = False
        self.write(vals)
        return count

    # --- tenant isolation: the reference guard -----------------------------------
    @api.model
    def _calendoc_holds_account_data(self):
        """Whether records of this model belong to a client account (directly
        or through the document they are attached to)."""
        return bool(self._calendoc_account_link or self._calendoc_document_fields)

    @api.model_create_multi
    def create(self, vals_list):
        if self._calendoc_guards_references():
            for vals in vals_list:
                self._calendoc_check_references(vals)
        return super().create(vals_list)

    def write(self, vals):
        guarded = self._calendoc_guards_references()
        if guarded:
            self._calendoc_check_references(vals)
        result = super().write(vals)
        if (
            guarded
            and self._calendoc_account_link
            and vals.keys()
            & set(
                self._calendoc_rule_fields or self._calendoc_account_link.split(".")[:1]
            )
        ):
            # a record moved into an account the user may not change
            self.check_access("write")
        return result

    def _calendoc_guards_references(self):
        return not self.env.su and bool(self._transient or self._calendoc_account_link)

    def _calendoc_check_references(self, vals):
        """Refuse (AccessError) values that link records of client accounts the
        current user cannot read: a wizard opened on another account's
        practice, an appointment given another account's requester. One
        search under the user's record rules per model linked."""
        linked = {}
        for fname, value in vals.items():
            field = self._fields.get(fname)
            if (
                not value
                or not field
                or not field.relational
                or fname in self._calendoc_unchecked_references
            ):
                continue
            comodel = self.env[field.comodel_name]
            if comodel._calendoc_holds_account_data():
                linked.setdefault(comodel._name, set()).update(
                    _linked_ids(field, value)
                )
        for model_name, ids in linked.items():
            if not ids:
                continue
            records = self.env[model_name].with_context(active_test=False)
            existing = records.browse(ids).exists()
            readable = records.search([("id", "in", existing.ids)])
            if len(readable) != len(existing):
                raise AccessError(
                    self.env._(
                        "You may not use these %(model)s records (ids %(ids)s): "
                        "they belong to a client account you do not serve.",
                        model=records._description,
                        ids=", ".join(map(str, sorted((existing - readable).ids))),
                    )
                )


def _linked_ids(field, value):
    """Ids a many2one value or x2many commands link (creations and updates go
    through the comodel's own create and write checks)."""
    if field.type == "many2one":
        if isinstance(value, models.BaseModel):
            return value.ids
        return [value] if isinstance(value, int) else []
    if isinstance(value, models.BaseModel):
        return value.ids
    ids = []
    for command in value if isinstance(value, (list, tuple)) else ():
        if isinstance(command, int):
            ids.append(command)
        elif isinstance(command, (list, tuple)) and command:
            if command[0] == Command.LINK and len(command) > 1:
                ids.append(command[1])
            elif command[0] == Command.SET and len(command) > 2:
                ids.extend(command[2] or ())
    return [i for i in ids if isinstance(i, int)]
