"""Odoo's own stores of a requester's data (ARCHITECTURE invariant 4): the
chatter (messages, tracking values, emails, notifications, followers,
activities) and the attachments (call recordings included) of the records
the CalenDoc stores hold about him.

They are declared here, in calendoc_gdpr, and not in the addons that own
the records: they reach the requester only through the other stores (their
``model``/``res_id`` pairs name a CalenDoc record), and walking every store
is calendoc_gdpr's job (``res.partner._calendoc_gdpr_documents``). Each is
erased by deletion: Odoo's cascades then remove what hangs below (a
message's tracking values and notifications)."""

from odoo import api, models
from odoo.osv import expression

MESSAGES = "messages"


def _documents(model, requesters):
    """{model: ids} of the CalenDoc records about ``requesters`` (the walk
    passes it in the context, computed once)."""
    docs = model.env.context.get("calendoc_gdpr_documents")
    if docs is None:
        docs = requesters._calendoc_gdpr_documents()
    return docs


def _pair_domain(docs, model_field, id_field):
    return expression.OR(
        [
            [(model_field, "=", name), (id_field, "in", ids)]
            for name, ids in docs.items()
        ]
        or [expression.FALSE_DOMAIN]
    )


def _hanging_records(model, requesters, model_field, *also, active_test=True):
    """The records of ``model`` hanging from the requesters' CalenDoc records
    (their ``model_field``/``res_id`` pair names one), or matching one of the
    domains ``also`` (a row naming the requester himself)."""
    if not requesters:
        return model.browse()
    docs = _documents(model, requesters)
    domain = expression.OR([_pair_domain(docs, model_field, "res_id"), *also])
    return model.with_context(active_test=active_test).search(domain, order="id")


class MailMessage(models.Model):
    _inherit = "mail.message"
    _calendoc_personal_fields = (
        "body",
        "subject",
        "email_from",
        "record_name",
        "reply_to",
        "author_id",
        "partner_ids",
        "attachment_ids",
    )
    _calendoc_erasure = "delete"
    _calendoc_retention = MESSAGES

    # --- hooks (docs/extending.md) ------------------------------------------------
    @api.model
    def _calendoc_personal_records(self, requesters):
        """The messages posted on the requesters' records, and those written
        by or to them anywhere."""
        return _hanging_records(
            self,
            requesters,
            "model",
            [("author_id", "in", requesters.ids)],
            [("partner_ids", "in", requesters.ids)],
        )


class _MessageChild(models.AbstractModel):
    """A store whose rows hang from the requesters' messages."""

    _name = "calendoc.gdpr.message.child"
    _description = "Rows of the requesters' messages (GDPR store)"

    @api.model
    def _calendoc_personal_records(self, requesters):
        messages = self.env["mail.message"]._calendoc_personal_records(requesters)
        return self.search([("mail_message_id", "in", messages.ids)], order="id")


class MailTrackingValue(models.Model):
    _name = "mail.tracking.value"
    _inherit = ["mail.tracking.value", "calendoc.gdpr.message.child"]
    _calendoc_personal_fields = (
        "old_value_char",
        "new_value_char",
        "old_value_integer",
        "new_value_integer",
        "old_value_float",
        "new_value_float",
        "old_value_datetime",
        "new_value_datetime",
        "old_value_text",
        "new_value_text",
    )
    _calendoc_erasure = "delete"
    _calendoc_retention = MESSAGES


class MailMail(models.Model):
    _name = "mail.mail"
    _inherit = ["mail.mail", "calendoc.gdpr.message.child"]
    _calendoc_personal_fields = (
        "body_html",
        "email_to",
        "email_cc",
        "recipient_ids",
        "references",
        "headers",
        "failure_reason",
    )
    _calendoc_erasure = "delete"
    _calendoc_retention = MESSAGES


class MailNotification(models.Model):
    _name = "mail.notification"
    _inherit = ["mail.notification", "calendoc.gdpr.message.child"]
    _calendoc_personal_fields = ("res_partner_id", "failure_reason", "sms_number")
    _calendoc_erasure = "delete"
    _calendoc_retention = MESSAGES

    @api.model
    def _calendoc_personal_records(self, requesters):
        records = super()._calendoc_personal_records(requesters)
        return records | self.search([("res_partner_id", "in", requesters.ids)])


class MailFollowers(models.Model):
    _inherit = "mail.followers"
    _calendoc_personal_fields = ("partner_id",)
    _calendoc_erasure = "delete"
    _calendoc_retention = MESSAGES

    @api.model
    def _calendoc_personal_records(self, requesters):
        return _hanging_records(
            self, requesters, "res_model", [("partner_id", "in", requesters.ids)]
        )


class MailActivity(models.Model):
    _inherit = "mail.activity"
    _calendoc_personal_fields = ("summary", "note", "res_name")
    _calendoc_erasure = "delete"
    _calendoc_retention = MESSAGES

    @api.model
    def _calendoc_personal_records(self, requesters):
        return _hanging_records(self, requesters, "res_model", active_test=False)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"
    # the file itself (store_fname, db_datas) goes with the record: unlink
    # marks it for the filestore's garbage collection
    _calendoc_personal_fields = ("name", "description", "index_content", "url")
    _calendoc_erasure = "delete"
    _calendoc_retention = MESSAGES

    @api.model
    def _calendoc_personal_records(self, requesters):
        """The files attached to the requesters' records or to their messages,
        and those the stores name (a call's recording)."""
        if not requesters:
            return self.browse()
        docs = _documents(self, requesters)
        linked = set(docs.get("ir.attachment", ()))
        messages = self.env["mail.message"]._calendoc_personal_records(requesters)
        linked.update(messages.attachment_ids.ids)
        return self.search(
            expression.OR(
                [
                    _pair_domain(
                        {k: v for k, v in docs.items() if k != "ir.attachment"},
                        "res_model",
                        "res_id",
                    ),
                    [("id", "in", list(linked))],
                ]
            )
            # the files of binary fields too (Odoo hides them unless asked)
            + ["|", ("res_field", "=", False), ("res_field", "!=", False)],
            order="id",
        )


class MailScheduledMessage(models.Model):
    _inherit = "mail.scheduled.message"
    _calendoc_personal_fields = ("subject", "body", "partner_ids", "attachment_ids")
    _calendoc_erasure = "delete"
    _calendoc_retention = MESSAGES

    @api.model
    def _calendoc_personal_records(self, requesters):
        return _hanging_records(
            self, requesters, "model", [("partner_ids", "in", requesters.ids)]
        )
