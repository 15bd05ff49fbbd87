from odoo import api, fields, models
from odoo.osv import expression


class CalendocDocumentReadableMixin(models.AbstractModel):
    """A record attached to another one (``_calendoc_document_fields``: the
    model and id fields naming it) is readable when that record is: the
    field below lets a record rule say so, evaluated under the current
    user's own rules on each document model."""

    _name = "calendoc.document.readable.mixin"
    _description = "Readable when its document is"

    calendoc_document_readable = fields.Boolean(
        string="Readable document",
        compute="_compute_calendoc_document_readable",
        search="_search_calendoc_document_readable",
        help="Technical: the record it is attached to is one the current user "
        "may read.",
    )

    @api.depends_context("uid")
    def _compute_calendoc_document_readable(self):
        _compute_readable(self, *self._calendoc_document_fields)

    def _search_calendoc_document_readable(self, operator, value):
        return _search_readable(self, *self._calendoc_document_fields, operator, value)


class MailFollowers(models.Model):
    """Followers of a CalenDoc record follow its access (invariant 3): who
    follows another account's patient is that account's business. Odoo lets
    every internal user read every follower."""

    _name = "mail.followers"
    _inherit = ["mail.followers", "calendoc.document.readable.mixin"]
    _calendoc_document_fields = ("res_model", "res_id")


class MailMessage(models.Model):
    # Odoo's own check: a message follows the access of its document; the
    # field serves the rule of notifications.
    _name = "mail.message"
    _inherit = ["mail.message", "calendoc.document.readable.mixin"]
    _calendoc_document_fields = ("model", "res_id")

    def _get_forbidden_access(self, operation):
        """Posting on a client account's record takes what its model asks to
        post (write, as a rule), never less: Odoo also lets a follower, or
        whoever reads the message answered, post on it — an auditor, or the
        holder of a delegation reading its own grant."""
        forbidden = super()._get_forbidden_access(operation)
        if operation != "create":
            return forbidden
        by_document = {}
        for message in (self - forbidden).sudo():
            document = message.model and self.env.get(message.model)
            if document is not None and document._calendoc_account_link:
                by_document.setdefault(message.model, {}).setdefault(
                    message.res_id, self.browse()
                )
                by_document[message.model][message.res_id] |= message.sudo(False)
        for model_name, messages_of in by_document.items():
            documents = self.env[model_name].browse(list(messages_of))
            if hasattr(documents, "_get_mail_message_access"):
                operation = documents._get_mail_message_access(documents.ids, "create")
            else:
                operation = self.env["mail.thread"]._get_mail_message_access(
                    documents.ids, "create", model_name=model_name
                )
            for document in documents - documents._filtered_access(operation):
                forbidden |= messages_of[document.id]
        return forbidden


class MailScheduledMessage(models.Model):
    # Odoo only filters searches of scheduled messages, not reads by id.
    _name = "mail.scheduled.message"
    _inherit = ["mail.scheduled.message", "calendoc.document.readable.mixin"]
    _calendoc_document_fields = ("model", "res_id")


class MailNotification(models.Model):
    _inherit = "mail.notification"
    _calendoc_document_fields = ("mail_message_id.model", "mail_message_id.res_id")

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # Odoo asks to read the message only (mail sends its notifications
            # as superuser): notifying someone of a message on a client
            # account's record is posting it again
            self.env["mail.message"].browse(
                vals["mail_message_id"] for vals in vals_list
            ).check_access("create")
        return super().create(vals_list)


class MailActivity(models.Model):
    _inherit = "mail.activity"
    # Odoo's own check: an activity follows the access of its document.
    _calendoc_document_fields = ("res_model", "res_id")


class IrAttachment(models.Model):
    _inherit = "ir.attachment"
    # Odoo's own check: an attachment follows the access of its document.
    _calendoc_document_fields = ("res_model", "res_id")


def _guarded_models(env):
    """The models whose records belong to a client account: only their
    documents are filtered, every other one keeps Odoo's rules."""
    return [
        name
        for name, model in env.items()
        if model._calendoc_account_link and not model._abstract and model._auto
    ]


def _compute_readable(records, model_field, id_field):
    guarded = set(_guarded_models(records.env))
    by_model = {}
    for record in records:
        by_model.setdefault(record[model_field], set()).add(record[id_field])
    readable = {}
    for model_name, ids in by_model.items():
        if model_name not in guarded:
            readable[model_name] = None
            continue
        documents = records.env[model_name].sudo(False).with_context(active_test=False)
        readable[model_name] = (
            set(documents.search([("id", "in", list(ids))]).ids)
            if documents.has_access("read")
            else set()
        )
    for record in records:
        allowed = readable[record[model_field]]
        record.calendoc_document_readable = (
            allowed is None or record[id_field] in allowed
        )


def _search_readable(records, model_field, id_field, operator, value):
    if (operator, value) not in (("=", True), ("!=", False)):
        raise NotImplementedError("Only readable documents can be searched for.")
    guarded = _guarded_models(records.env)
    # the user's own record rules on each document model (the rule engine runs
    # this search as superuser but with the user's id: sudo(False) restores them)
    domain = [(model_field, "not in", guarded)]
    for model_name in guarded:
        documents = records.env[model_name].sudo(False).with_context(active_test=False)
        if not documents.has_access("read"):
            continue  # no access to the model at all: none of its documents
        domain = expression.OR(
            [
                domain,
                [
                    (model_field, "=", model_name),
                    (id_field, "in", documents._search([])),
                ],
            ]
        )
    return domain
