from datetime import timedelta

from odoo import api, fields, models

from .gdpr_request import MANAGER, OPEN_STATES, REMINDER_DAYS_PARAM


class CalendocGdprRequestExecution(models.Model):
    """The firm's part of a data subject request: execution, answer and
    reminders of the deadline."""

    _inherit = "calendoc.gdpr.request"

    def action_execute(self, answer=None):
        """Execute an approved request (secretariat managers only), attach the
        answer and send it to the requester."""
        self._check_manager()
        self._check_state(("approved",), self.env._("Execute"))
        for request in self:
            request._execute_one(answer)

    def _execute_one(self, answer):
        requester = self.requester_id
        attachments = self.env["ir.attachment"]
        kind = self.request_type
        if kind in ("access", "portability"):
            before = self.env["ir.attachment"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", requester.id)]
            )
            result = requester.action_calendoc_gdpr_export()
            attachments = self._attachments_of(result, requester, before)
        elif kind == "erasure":
            self._send_answer(answer)  # before his address goes
            counts = requester._calendoc_gdpr_erase(request=self)
            self.message_post(
                body=self.env._(
                    "Erased: %(counts)s",
                    counts=", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
                )
            )
            self._mark_done(answer)
            return
        elif kind in ("restriction", "objection"):
            requester._calendoc_gdpr_restrict(True, request=self)
        copies = (
            attachments.copy({"res_model": self._name, "res_id": self.id})
            if attachments
            else attachments
        )
        self.answer_attachment_ids = [fields.Command.link(a.id) for a in copies]
        self._send_answer(answer)
        self._mark_done(answer)

    def _attachments_of(self, result, requester, before):
        """The attachment an export created, from its action or as the new
        attachment of the requester."""
        if (
            isinstance(result, dict)
            and result.get("res_model") == "calendoc.gdpr.export"
            and result.get("res_id")
        ):
            # the export bundle (its zip) that the export made
            return (
                self.env["calendoc.gdpr.export"].browse(result["res_id"]).attachment_id
            )
        url = isinstance(result, dict) and result.get("url") or ""
        if url.startswith("/web/content/"):
            att_id = url.split("/web/content/")[1].split("?")[0].split("/")[0]
            if att_id.isdigit():
                return self.env["ir.attachment"].browse(int(att_id)).exists()
        return (
            self.env["ir.attachment"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", requester.id)]
            )
            - before
        )

    def _mark_done(self, answer):
        self.write({"state": "done", "answer": answer or False})
        self.activity_feedback(["mail.mail_activity_data_todo"])
        self.message_post(
            body=self.env._("Executed by %(user)s.", user=self.env.user.name)
        )

    def _send_answer(self, answer):
        if answer:
            self.answer = answer
        template = self.env.ref("calendoc_gdpr.mail_template_gdpr_request_answer")
        email = self.requester_id.email or self.email_from
        if not email:
            self.message_post(
                body=self.env._("No e-mail address: the answer goes by letter.")
            )
            return
        self.message_post_with_source(
            template,
            partner_ids=self.requester_id.ids,
            attachment_ids=self.answer_attachment_ids.ids,
            subtype_xmlid="mail.mt_comment",
        )

    def action_mark_done(self, answer=None):
        """Rectification: the manager edited the requester; the request is
        closed and answered."""
        self._check_manager()
        self._check_state(("approved",), self.env._("Mark done"))
        for request in self:
            request._send_answer(answer)
            request._mark_done(answer)

    # --- reminders ---------------------------------------------------------------
    @api.model
    def _cron_remind(self):
        """Remind the responsible, once, of the open requests whose deadline
        is within the configured number of days."""
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(REMINDER_DAYS_PARAM, 7)
        )
        limit = fields.Datetime.now() + timedelta(days=days)
        requests = self.search(
            [
                ("state", "in", OPEN_STATES),
                ("deadline", "<=", limit),
                ("reminder_sent", "=", False),
            ]
        )
        template = self.env.ref("calendoc_gdpr.mail_template_gdpr_request_reminder")
        for request in requests:
            recipients = request.user_id.partner_id or (
                self.env.ref(MANAGER).users.partner_id
            )
            request.message_post_with_source(
                template,
                partner_ids=recipients.ids,
                subtype_xmlid="mail.mt_comment",
            )
        requests.reminder_sent = True
        return requests
