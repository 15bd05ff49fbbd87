from odoo import api, models

PRACTITIONER_GROUP = "calendoc_agenda.group_calendoc_portal_practitioner"
CLIENT_GROUP = "calendoc_agenda.group_calendoc_portal_client"


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model
    def _calendoc_portal_account(self):
        """The client account of the current user (in this environment), or
        an empty recordset if his company is not a client account."""
        # env.user is read as superuser (Odoo's own): whether the user's own
        # company is a client account is read so, whoever he is
        account = self.env.user.partner_id.commercial_partner_id
        if not account.is_calendoc_client:
            return self.env["res.partner"]
        return account.with_env(self.env)

    def _calendoc_send_invitation(self):
        """E-mail each (portal) user the invitation to his account's portal:
        the link where he chooses his password, his permanence code and his
        user id, in his language. Queued: the mail server's hiccup never
        undoes an invitation (it may be sent again with a password reset)."""
        template = self.env.ref("calendoc_portal.mail_template_calendoc_user_invite")
        for user in self:
            user.partner_id.signup_prepare(signup_type="signup")
            template.send_mail(
                user.id,
                force_send=False,
                email_values={
                    "email_to": user.email_formatted,
                    "recipient_ids": [],
                    "message_type": "user_notification",
                },
            )

    @api.model
    def _calendoc_portal_counters(self, counters):
        """The counters of the portal's home (/my) among ``counters``, under the
        current user's rights: his upcoming appointments, his account's packs,
        his conversations with the secretariat."""
        user = self.env.user
        practitioner = user.has_group(PRACTITIONER_GROUP)
        values = {}
        if "calendoc_appointment_count" in counters:
            values["calendoc_appointment_count"] = (
                self.env["calendar.event"].search_count(
                    self.env[
                        "calendoc.practitioner"
                    ]._calendoc_portal_upcoming_domain(),
                    limit=1000,
                )
                if practitioner
                else 0
            )
        if "calendoc_pack_count" in counters:
            values["calendoc_pack_count"] = (
                self.env["calendoc.pack"].search_count(
                    [("account_id", "=", self._calendoc_portal_account().id)]
                )
                if user.has_group(CLIENT_GROUP)
                else 0
            )
        if "calendoc_message_count" in counters:
            values["calendoc_message_count"] = (
                self.env["calendoc.requester.thread"].search_count([])
                if practitioner
                else 0
            )
        return values
