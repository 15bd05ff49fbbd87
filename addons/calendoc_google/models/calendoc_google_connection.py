import hashlib
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.calendoc_agenda.tools.params import parse_id, parse_text, same_token

from ..tools.google_client import GoogleAuthError, GoogleError, GoogleGoneError

_logger = logging.getLogger(__name__)

STATES = [
    ("draft", "Not connected"),
    ("connected", "Connected"),
    ("failing", "Failing"),
    ("revoked", "Revoked"),
]
# an OAuth state: the connection id, "-", the hex HMAC-SHA256 of it
MAX_STATE = 80


class CalendocGoogleConnection(models.Model):
    _name = "calendoc.google.connection"
    _description = "Google Calendar connection of a practitioner"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "practitioner_id"
    _calendoc_account_link = "account_id"
    _calendoc_rule_fields = ("practitioner_id",)

    practitioner_id = fields.Many2one(
        "calendoc.practitioner",
        required=True,
        ondelete="cascade",
        index=True,
        tracking=True,
    )
    name = fields.Char(related="practitioner_id.name")
    account_id = fields.Many2one(
        "res.partner",
        string="Client account",
        related="practitioner_id.account_id",
        store=True,
        index=True,
    )
    active = fields.Boolean(default=True)
    state = fields.Selection(
        STATES, default="draft", required=True, tracking=True, copy=False
    )
    auth_mode = fields.Selection(
        [
            ("oauth", "Consent of the practitioner (OAuth)"),
            ("service_account", "Google Workspace service account"),
        ],
        string="Access",
        default="oauth",
        required=True,
        help="A service account with domain-wide delegation acts for the "
        "practitioner's Workspace address without his consent screen.",
    )
    google_email = fields.Char(
        string="Google account", help="The Google account that gave its consent."
    )
    # Secrets: only managers read them (the whole model is managers-only too),
    # and they are never logged nor copied.
    refresh_token = fields.Char(
        groups="calendoc_agenda.group_calendoc_manager", copy=False, prefetch=False
    )
    access_token = fields.Char(
        groups="calendoc_agenda.group_calendoc_manager", copy=False, prefetch=False
    )
    access_token_expiry = fields.Float(
        groups="calendoc_agenda.group_calendoc_manager", copy=False
    )
    calendar_ids = fields.One2many(
        "calendoc.google.calendar", "connection_id", string="Google calendars"
    )
    target_calendar_id = fields.Many2one(
        "calendoc.google.calendar",
        string="Calendar receiving appointments",
        domain="[('connection_id', '=', id)]",
        help="Empty: the practitioner's primary calendar.",
    )
    responsible_user_id = fields.Many2one(
        "res.users",
        string="Manager to alert",
        default=lambda self: self.env.user,
        help="Gets an activity when the connection is revoked or keeps failing.",
    )
    last_pull_date = fields.Datetime(string="Last pull", readonly=True, copy=False)
    last_push_date = fields.Datetime(string="Last push", readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    pull_requested = fields.Boolean(
        readonly=True,
        copy=False,
        help="Google notified a change not pulled yet.",
    )
    failure_count = fields.Integer(readonly=True, copy=False)
    pending_push_count = fields.Integer(compute="_compute_pending_push_count")

    _sql_constraints = [
        (
            "practitioner_unique",
            "UNIQUE(practitioner_id)",
            "A practitioner has one Google Calendar connection.",
        )
    ]

    def _compute_pending_push_count(self):
        counts = dict(
            self.env["calendoc.google.push"]._read_group(
                [("connection_id", "in", self.ids), ("state", "=", "pending")],
                ["connection_id"],
                ["__count"],
            )
        )
        for connection in self:
            connection.pending_push_count = counts.get(connection, 0)

    @api.constrains("target_calendar_id")
    def _check_target_calendar(self):
        for connection in self:
            target = connection.target_calendar_id
            if target and target.connection_id != connection:
                raise ValidationError(
                    self.env._("The target calendar must be one of this account's.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        connections = super().create(vals_list)
        connected = connections.filtered(lambda c: c.sudo().refresh_token)
        connected.write({"state": "connected"})
        connected._google_push_future()
        return connections

    def write(self, vals):
        if vals.get("refresh_token"):
            # a new consent: the connection works again
            vals = {
                "access_token": False,
                **vals,
                "state": "connected",
                "failure_count": 0,
                "last_error": False,
            }
        result = super().write(vals)
        if vals.get("refresh_token"):
            self._google_push_future()
        return result

    # --- buttons ---------------------------------------------------------------
    def action_connect(self):
        """Open Google's consent screen; the practitioner (or the manager with
        him) consents, and Google comes back to our callback route. With a
        service account, no screen: the access is checked at once."""
        self.ensure_one()
        if self.auth_mode == "service_account":
            self.write({"state": "draft", "last_error": False})
            self.action_fetch_calendars()
            self.write({"state": "connected", "failure_count": 0})
            self._google_push_future()
            self.message_post(body=self.env._("Google Calendar connected."))
            return True
        return {
            "type": "ir.actions.act_url",
            "url": self.env["calendoc.google.oauth"]._consent_url(
                self._google_oauth_state()
            ),
            "target": "new",
        }

    def action_fetch_calendars(self):
        """Read the practitioner's calendar list; his primary calendar is read
        for busy time and receives the appointments unless told otherwise."""
        for connection in self:
            client = connection._google_client()
            try:
                items = client.list_calendars()
            except GoogleError as exc:
                connection._google_failed(exc)
                raise UserError(connection._google_error_message(exc)) from None
            finally:
                connection._google_keep_token(client)
            calendars = self.env["calendoc.google.calendar"]._google_mirror_list(
                connection, items
            )
            for item in items:
                if item.get("primary") and not connection.target_calendar_id:
                    connection.target_calendar_id = calendars[item["id"]]
                    if not connection.google_email:
                        connection.google_email = item["id"]
        return True

    def action_sync_now(self):
        """Pull the busy time and push the waiting appointments now."""
        for connection in self:
            connection._google_pull(raise_errors=True)
            self.env["calendoc.google.push"]._process_queue(connections=connection)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Google Calendar synchronised."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_pushes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pushes to Google"),
            "res_model": "calendoc.google.push",
            "view_mode": "list,form",
            "domain": [("connection_id", "=", self.id)],
        }

    # --- business methods ---------------------------------------------------------
    @api.model
    def _cron_pull(self, only_requested=False):
        """Pull every working connection (``only_requested``: those Google just
        notified of a change); one failing connection does not stop the others."""
        domain = [("state", "in", ("connected", "failing"))]
        if only_requested:
            domain.append(("pull_requested", "=", True))
        for connection in self.search(domain):
            connection._google_pull()

    def _google_pull(self, raise_errors=False):
        """Read what changed in the practitioner's busy calendars since the last
        pull (sync token) and mirror it as private busy events of his contact,
        which the slot engine subtracts from his free slots.

        :return: number of Google events read"""
        self.ensure_one()
        client = self._google_client()
        # the cron and the button must not apply the same changes twice
        self._google_lock(self.ids)
        read = 0
        try:
            for calendar in self.calendar_ids.filtered("read_busy"):
                try:
                    read += calendar._pull(client)
                except GoogleGoneError:
                    # 410: the sync token is stale; Google asks for a full resync
                    calendar.sync_token = False
                    read += calendar._pull(client)
        except GoogleError as exc:
            self._google_failed(exc)
            if raise_errors:
                raise UserError(self._google_error_message(exc)) from None
            return read
        finally:
            self._google_keep_token(client)
        self.write(
            {
                "last_pull_date": fields.Datetime.now(),
                "last_error": False,
                "failure_count": 0,
                "state": "connected",
                "pull_requested": False,
            }
        )
        self.calendar_ids.filtered("read_busy")._watch(client)
        self._google_keep_token(client)
        return read

    def _google_push_future(self):
        """Queue the practitioner's coming appointments (a new consent)."""
        for connection in self:
            events = self.env["calendar.event"].search(
                [
                    ("calendoc_practitioner_id", "=", connection.practitioner_id.id),
                    ("calendoc_state", "!=", "cancelled"),
                    ("stop", ">", fields.Datetime.now()),
                ]
            )
            self.env["calendoc.google.push"]._enqueue(
                [(connection, event.id) for event in events], "insert"
            )

    def _google_client(self):
        """The HTTP client of this connection, with the configured URLs."""
        self.ensure_one()
        if self.state == "revoked":
            raise UserError(
                self.env._(
                    "The Google Calendar connection of %(name)s was revoked: ask "
                    "him to connect again.",
                    name=self.practitioner_id.name,
                )
            )
        # sudo: the tokens are readable by managers only, and pushes run for
        # whoever booked (a secretary) through the queue.
        secret = self.sudo()
        service_account = subject = None
        if self.auth_mode == "service_account":
            service_account = self.env["calendoc.google.oauth"]._service_account_key()
            subject = self.google_email
            if not subject:
                raise UserError(
                    self.env._(
                        "Give the Google Workspace address of %(name)s.",
                        name=self.practitioner_id.name,
                    )
                )
        elif not secret.refresh_token:
            raise UserError(
                self.env._(
                    "%(name)s has not connected a Google account yet.",
                    name=self.practitioner_id.name,
                )
            )
        return self.env["calendoc.google.oauth"]._new_client(
            refresh_token=secret.refresh_token,
            access_token=secret.access_token,
            expiry=secret.access_token_expiry,
            service_account=service_account,
            subject=subject,
        )

    def _google_oauth_state(self):
        self.ensure_one()
        signature = self.env["calendoc.google.oauth"]._state_signature(self.id)
        return f"{self.id}-{signature}"

    @api.model
    def _google_connection_from_state(self, state):
        """The connection a signed OAuth ``state`` names, or an empty recordset."""
        state = parse_text(state, MAX_STATE)
        connection_id, _sep, signature = (state or "").partition("-")
        connection_id = parse_id(connection_id)
        if not connection_id or not same_token(
            self.env["calendoc.google.oauth"]._state_signature(connection_id),
            signature,
        ):
            return self.browse()
        return self.browse(connection_id).exists()

    def _google_consent(self, code):
        """Store the refresh token Google gives for the consent ``code``."""
        self.ensure_one()
        OAuth = self.env["calendoc.google.oauth"]
        client = OAuth._new_client()
        try:
            payload = client.exchange_code(code, OAuth._redirect_uri())
        except GoogleError as exc:
            raise UserError(
                self.env._(
                    "Google refused the consent (%(reason)s): connect again.",
                    reason=exc.reason or exc.status,
                )
            ) from None
        if not payload.get("refresh_token"):
            raise UserError(
                self.env._(
                    "Google gave no refresh token: remove CalenDoc from the Google "
                    "account's third-party access and connect again."
                )
            )
        self.write(
            {
                "refresh_token": payload["refresh_token"],
                "access_token": payload.get("access_token"),
                "access_token_expiry": client.expiry,
            }
        )
        self.message_post(body=self.env._("Google Calendar connected."))
        return True

    def _google_keep_token(self, client):
        """Keep a refreshed access token for the next run (fewer token calls)."""
        if client.token_refreshed:
            # sudo: the token fields are managers-only; the run may be a secretary's
            self.sudo().write(
                {
                    "access_token": client.access_token,
                    "access_token_expiry": client.expiry,
                }
            )
            client.token_refreshed = False

    def _google_error_message(self, exc):
        if isinstance(exc, GoogleAuthError):
            return self.env._(
                "Google refused the connection of %(name)s (consent revoked or "
                "expired): he must connect again.",
                name=self.practitioner_id.name,
            )
        return self.env._(
            "Google Calendar could not be reached for %(name)s: %(error)s",
            name=self.practitioner_id.name,
            error=str(exc),
        )

    def _google_failed(self, exc):
        """Record a failure; alert the manager on revocation or repeated failure."""
        self.ensure_one()
        message = self._google_error_message(exc)
        _logger.warning(
            "Google Calendar sync of connection %s failed: %s", self.id, exc
        )
        revoked = isinstance(exc, GoogleAuthError)
        failures = self.failure_count + 1
        # sudo: also reached from a secretary's pushes; the state is the firm's
        self.sudo().write(
            {
                "state": "revoked" if revoked else "failing",
                "last_error": message,
                "failure_count": failures,
                "access_token": False if revoked else self.sudo().access_token,
            }
        )
        threshold = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("calendoc_google.alert_after_failures", 3)
        )
        if revoked or failures == threshold:
            self._google_alert(message)

    def _google_alert(self, message):
        self.ensure_one()
        summary = self.env._("Google Calendar of %(name)s", name=self.name)
        if self.sudo().activity_ids.filtered(lambda a: a.summary == summary):
            return
        user = (
            self.responsible_user_id
            or self.env.ref("calendoc_agenda.group_calendoc_manager").users.filtered(
                "active"
            )[:1]
        )
        # sudo: the activity is for a manager, whoever's run met the failure
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=message,
            user_id=user.id or self.env.uid,
        )

    @api.model
    def _google_event_id(self, event_id):
        """The Google event id CalenDoc gives appointment ``event_id``: chosen by
        us (Google allows it: base32hex, 5 to 1024 characters), the same at every
        try, so a replayed insert meets 409 instead of creating a duplicate."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        prefix = hashlib.sha256(uuid.encode()).hexdigest()[:12]
        return f"calendoc{prefix}{event_id}"

    @api.model
    def _google_ical_uid(self, event_id):
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return f"calendoc-{event_id}-{uuid}@calendoc"

    def _google_target(self):
        self.ensure_one()
        return self.target_calendar_id.google_calendar_id or "primary"

    @api.model
    def _google_lock(self, connection_ids):
        """Serialise the runs of a connection (cron, button, two workers)."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM calendoc_google_connection WHERE id = ANY(%s) "
                "ORDER BY id FOR UPDATE",
                list(connection_ids),
            )
        )
