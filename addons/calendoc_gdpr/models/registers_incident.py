"""Security incidents (GDPR article 33.2: the processor notifies the
controller without undue delay) and the notices the firm sends its client
accounts: one per account and incident or sub-processor change, with the
date it was sent. The client accounts read their own notices on the portal;
the incident itself, which names every account affected, stays with the
firm's managers."""

from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER = "calendoc_agenda.group_calendoc_manager"
CLIENT_ADMIN = "calendoc_agenda.group_calendoc_portal_client"
# the controllers' own deadline to notify the supervisory authority (art. 33.1)
DEADLINE_HOURS = 72
# the deadline is "close" (warning on the list and form) this many hours before
CLOSE_HOURS = 24


class CalendocGdprIncident(models.Model):
    _name = "calendoc.gdpr.incident"
    _description = "Personal data breach"
    _inherit = ["mail.thread"]
    _order = "date_detected desc, id desc"

    name = fields.Char(string="Title", required=True, tracking=True)
    date_detected = fields.Datetime(
        string="Detected at", required=True, default=fields.Datetime.now, tracking=True
    )
    date_deadline = fields.Datetime(
        string="Controllers' deadline",
        compute="_compute_deadline",
        store=True,
        help="Detection + 72 hours: the client accounts, controllers, must "
        "notify the CNIL by then (GDPR article 33.1).",
    )
    deadline_status = fields.Selection(
        [("ok", "On time"), ("close", "Close"), ("passed", "Passed")],
        compute="_compute_deadline_status",
    )
    nature = fields.Text(required=True)
    data_categories = fields.Text(string="Categories of data")
    data_count = fields.Integer(string="Approximate number of records")
    subject_categories = fields.Text(string="Categories of persons")
    subject_count = fields.Integer(string="Approximate number of persons")
    consequences = fields.Text(string="Likely consequences")
    measures = fields.Text(string="Measures taken or proposed")
    account_ids = fields.Many2many(
        "res.partner",
        "calendoc_gdpr_incident_account_rel",
        "incident_id",
        "account_id",
        string="Client accounts affected",
        domain=[("is_calendoc_client", "=", True)],
    )
    notice_ids = fields.One2many(
        "calendoc.gdpr.notice", "incident_id", string="Notifications"
    )
    date_notified = fields.Datetime(
        string="Last notified at", compute="_compute_date_notified"
    )

    @api.depends("date_detected")
    def _compute_deadline(self):
        for incident in self:
            incident.date_deadline = incident.date_detected and (
                incident.date_detected + timedelta(hours=DEADLINE_HOURS)
            )

    @api.depends("date_deadline")
    def _compute_deadline_status(self):
        now = fields.Datetime.now()
        for incident in self:
            deadline = incident.date_deadline
            if not deadline or deadline > now + timedelta(hours=CLOSE_HOURS):
                incident.deadline_status = "ok"
            elif deadline > now:
                incident.deadline_status = "close"
            else:
                incident.deadline_status = "passed"

    @api.depends("notice_ids.date_sent")
    def _compute_date_notified(self):
        for incident in self:
            incident.date_notified = max(
                incident.notice_ids.mapped("date_sent"), default=False
            )

    def action_notify(self):
        """E-mail each affected client account (its address and its portal
        administrators), in its language, and record when; an account
        notified already is notified again (an update of the incident)."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager notifies an incident.")
            )
        for incident in self:
            if not incident.account_ids:
                raise UserError(
                    self.env._("Select the client accounts the incident affects.")
                )
            notices = self.env["calendoc.gdpr.notice"].create(
                [
                    {"kind": "incident", "incident_id": incident.id, "account_id": a.id}
                    for a in incident.account_ids
                ]
            )
            notices._send()
            incident.message_post(
                body=self.env._(
                    "Notified to %(accounts)s.",
                    accounts=", ".join(incident.account_ids.mapped("name")),
                )
            )
        return True


class CalendocGdprNotice(models.Model):
    """What the firm told one client account: a sub-processor change or a
    security incident, and when."""

    _name = "calendoc.gdpr.notice"
    _description = "Notice to a client account (GDPR)"
    _order = "date_sent desc, id desc"
    _calendoc_account_link = "account_id"

    kind = fields.Selection(
        [("subprocessor", "Sub-processor change"), ("incident", "Security incident")],
        required=True,
    )
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        required=True,
        index=True,
        ondelete="cascade",
    )
    subprocessor_id = fields.Many2one(
        "calendoc.gdpr.subprocessor", ondelete="cascade", index=True
    )
    incident_id = fields.Many2one(
        "calendoc.gdpr.incident", ondelete="cascade", index=True
    )
    date_sent = fields.Datetime(string="Sent at", readonly=True)
    # what the account reads of the incident on the portal (never the other
    # accounts it affected)
    incident_name = fields.Char(related="incident_id.name")
    incident_detected = fields.Datetime(related="incident_id.date_detected")
    incident_deadline = fields.Datetime(related="incident_id.date_deadline")
    incident_nature = fields.Text(related="incident_id.nature")
    incident_data = fields.Text(related="incident_id.data_categories")
    incident_consequences = fields.Text(related="incident_id.consequences")
    incident_measures = fields.Text(related="incident_id.measures")

    def _recipients(self):
        """The partners a notice goes to: the account and its portal
        administrators with an e-mail."""
        self.ensure_one()
        account = self.account_id
        admins = account.child_ids.user_ids.filtered(
            lambda user: user.has_group(CLIENT_ADMIN)
        ).partner_id
        return (account | admins).filtered("email")

    def _send(self):
        """Queue each notice's e-mail and record when it was sent."""
        templates = {
            "subprocessor": "calendoc_gdpr.mail_template_calendoc_gdpr_subprocessor",
            "incident": "calendoc_gdpr.mail_template_calendoc_gdpr_incident",
        }
        sent = self.browse()
        for notice in self:
            recipients = notice._recipients()
            if recipients:
                self.env.ref(templates[notice.kind]).send_mail(
                    notice.id,
                    force_send=False,
                    email_layout_xmlid="mail.mail_notification_light",
                    email_values={"recipient_ids": [Command.set(recipients.ids)]},
                )
                sent |= notice
        # an account without any address stays "not sent" on the form
        sent.write({"date_sent": fields.Datetime.now()})

    @api.model
    def _calendoc_portal_incidents(self):
        """The incidents notified to the current user's account (portal):
        his own notices, per the record rules."""
        return self.search([("kind", "=", "incident")])
