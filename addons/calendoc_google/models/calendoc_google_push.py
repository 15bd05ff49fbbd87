import logging
from collections import defaultdict
from datetime import timedelta
from urllib.parse import quote

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.google_client import GoogleAuthError, GoogleCalendarClient, GoogleError

_logger = logging.getLogger(__name__)

OPERATIONS = [("insert", "Create"), ("patch", "Update"), ("delete", "Delete")]


class CalendocGooglePush(models.Model):
    """What must reach Google: one pending row per appointment and connection,
    written in the booking's own transaction and processed after its commit by
    a triggered cron, so a slow or failing Google never blocks a booking."""

    _name = "calendoc.google.push"
    _description = "Appointment change waiting to reach Google Calendar"
    _order = "id desc"
    _calendoc_account_link = "connection_id.account_id"

    connection_id = fields.Many2one(
        "calendoc.google.connection", required=True, ondelete="cascade", index=True
    )
    practitioner_id = fields.Many2one(related="connection_id.practitioner_id")
    event_ref = fields.Integer(
        string="Appointment id",
        required=True,
        index=True,
        help="Id of the appointment (kept when the appointment is deleted).",
    )
    operation = fields.Selection(OPERATIONS, required=True)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")],
        default="pending",
        required=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(default=fields.Datetime.now, index=True)
    done_date = fields.Datetime(readonly=True)
    google_event_id = fields.Char(readonly=True)
    google_calendar_id = fields.Char(
        readonly=True, help="The calendar the appointment was written to."
    )
    last_error = fields.Text(readonly=True)

    def init(self):
        # At most one pending row per appointment and connection: changes made
        # before the push ran are merged into it.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS calendoc_google_push_pending_uniq
            ON calendoc_google_push (connection_id, event_ref)
            WHERE state = 'pending'
            """
        )

    @api.autovacuum
    def _gc_done(self):
        """Forget pushes done more than 30 days ago."""
        limit = fields.Datetime.now() - timedelta(days=30)
        self.search([("state", "=", "done"), ("done_date", "<", limit)]).unlink()

    def action_retry(self):
        self.write({"state": "pending", "attempts": 0, "next_attempt": False})
        self._trigger_cron()
        return True

    # --- business methods ---------------------------------------------------------
    @api.model
    def _enqueue(self, connections_events, operation):
        """Queue ``operation`` for [(connection, event_id), ...], merged with what
        is already pending for the same appointment."""
        if not connections_events:
            return self.browse()
        # sudo: the queue is technical and managers-only; the secretary's booking
        # must still reach the practitioner's Google calendar.
        Push = self.sudo()
        pending = {
            (push.connection_id.id, push.event_ref): push
            for push in Push.search(
                [
                    ("state", "=", "pending"),
                    (
                        "event_ref",
                        "in",
                        [event_id for _c, event_id in connections_events],
                    ),
                ]
            )
        }
        now = fields.Datetime.now()
        pushes, to_create = Push.browse(), []
        for connection, event_id in connections_events:
            key = (connection.id, event_id)
            push = pending.get(key)
            if push is True:
                continue  # listed twice in this call
            if push:
                if operation == "delete":
                    merged = "delete"
                elif push.operation in ("insert", "delete"):
                    # not pushed yet, or deleted then back: insert, which falls
                    # back to a patch when Google already has our id
                    merged = "insert"
                else:
                    merged = "patch"
                push.write({"operation": merged, "attempts": 0, "next_attempt": now})
                pushes |= push
            else:
                to_create.append(
                    {
                        "connection_id": connection.id,
                        "event_ref": event_id,
                        "operation": operation,
                        "next_attempt": now,
                    }
                )
                pending[key] = True
        pushes |= Push.create(to_create)
        self._trigger_cron()
        return pushes

    @api.model
    def _trigger_cron(self):
        # sudo: ir.cron is the administrator's; the trigger is committed with the
        # booking, so the push runs right after it, in the cron worker.
        self.env.ref("calendoc_google.ir_cron_google_push").sudo()._trigger()

    @api.model
    def _cron_push(self):
        self._process_queue()

    @api.model
    def _process_queue(self, connections=None, limit=1000):
        """Send the pending pushes that are due, connection by connection.

        :param connections: only these connections (the "sync now" button)
        :return: dict with the numbers of pushes ``done``, ``failed``,
            ``retried`` and of HTTP ``calls``"""
        stats = defaultdict(int)
        self.flush_model()
        query = SQL(
            """
            SELECT id FROM calendoc_google_push
             WHERE state = 'pending' AND (next_attempt IS NULL OR next_attempt <= %s)
               AND (%s OR connection_id = ANY(%s))
             ORDER BY id LIMIT %s
             FOR UPDATE SKIP LOCKED
            """,
            fields.Datetime.now(),
            connections is None,
            (connections.ids if connections is not None else []),
            limit,
        )
        self.env.cr.execute(query)
        # sudo: see _enqueue; the cron and the button both go through here
        pushes = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        batch_size = min(
            50,  # the Calendar API's limit per batch request
            int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param("calendoc_google.batch_size", 50)
            ),
        )
        by_connection = defaultdict(lambda: self.sudo().browse())
        for push in pushes:
            by_connection[push.connection_id] |= push
        for connection, rows in by_connection.items():
            if connection.state == "revoked" or not connection.active:
                continue
            try:
                client = connection._google_client()
            except UserError:
                continue
            done, failure = False, None
            singles = [(push, None) for push in rows]
            if batch_size > 1 and len(rows) > 1:
                try:
                    singles = rows._send_batches(client, batch_size)
                except GoogleAuthError as exc:
                    connection._google_failed(exc)
                    connection._google_keep_token(client)
                    stats["calls"] += client.calls
                    continue
                settled = len(rows) - len(singles)
                stats["done"] += settled
                done = bool(settled)
            for push, plan in singles:
                try:
                    push._send(client, plan)
                    stats["done"] += 1
                    done = True
                except GoogleAuthError as exc:
                    failure = exc
                    break
                except GoogleError as exc:
                    failure = exc
                    if push._retry_later(exc):
                        stats["retried"] += 1
                    else:
                        stats["failed"] += 1
                        connection._google_alert(
                            self.env._(
                                "Appointment %(ref)s could not reach Google Calendar "
                                "and is no longer retried: %(error)s",
                                ref=push.event_ref,
                                error=str(exc),
                            )
                        )
            connection._google_keep_token(client)
            if done:
                connection.last_push_date = fields.Datetime.now()
            if failure:
                # once per run, whatever the number of pushes that failed
                connection._google_failed(failure)
            elif done and connection.state == "failing":
                connection.write(
                    {"state": "connected", "failure_count": 0, "last_error": False}
                )
            stats["calls"] += client.calls
        return dict(stats)

    def _plan(self):
        """What this push does now: (operation, calendar id, Google event id,
        event body or None). A change of an appointment that is cancelled,
        deleted or given to another practitioner meanwhile becomes a delete."""
        self.ensure_one()
        connection = self.connection_id
        google_id = connection._google_event_id(self.event_ref)
        calendar_id = self.google_calendar_id or connection._google_target()
        event = (
            self.env["calendar.event"]
            .with_context(active_test=False)
            .browse(self.event_ref)
            .exists()
        )
        operation = self.operation
        if operation != "delete" and not event._calendoc_google_pushable(connection):
            operation = "delete"
        if operation == "delete":
            calendar_id = self.google_calendar_id or self._last_calendar(calendar_id)
            return operation, calendar_id, google_id, None
        return operation, calendar_id, google_id, event._calendoc_google_payload()

    def _insert_body(self, body, google_id):
        return dict(
            body,
            id=google_id,
            iCalUID=self.connection_id._google_ical_uid(self.event_ref),
        )

    def _batch_call(self, plan):
        """The (method, path, body) of ``plan`` in a batch request."""
        operation, calendar_id, google_id, body = plan
        path = GoogleCalendarClient._calendar_path(calendar_id)
        if operation == "insert":
            return "POST", path, self._insert_body(body, google_id)
        path = "%s/%s" % (path, quote(google_id, safe=""))
        if operation == "patch":
            return "PATCH", path, body
        return "DELETE", path, None

    def _send(self, client, plan=None):
        """Bring Google in line with the appointment; safe to replay: the Google
        id is ours and fixed, so an insert met with 409 becomes a patch, and a
        delete met with 404/410 is already done."""
        operation, calendar_id, google_id, body = plan or self._plan()
        if operation == "delete":
            try:
                client.delete_event(calendar_id, google_id)
            except GoogleError as exc:
                if exc.status not in (404, 410):
                    raise
        elif operation == "insert":
            try:
                client.insert_event(calendar_id, self._insert_body(body, google_id))
            except GoogleError as exc:
                if exc.status != 409:
                    raise
                client.patch_event(calendar_id, google_id, body)
        else:
            try:
                client.patch_event(calendar_id, google_id, body)
            except GoogleError as exc:
                if exc.status not in (404, 410):
                    raise
                client.insert_event(calendar_id, self._insert_body(body, google_id))
        self._done(operation, calendar_id, google_id)

    def _done(self, operation, calendar_id, google_id):
        self.write(
            {
                "state": "done",
                "operation": operation,
                "done_date": fields.Datetime.now(),
                "google_event_id": google_id,
                "google_calendar_id": calendar_id,
                "last_error": False,
            }
        )

    def _send_batches(self, client, size):
        """Send these pushes in batches of ``size`` calls; return those a
        batch did not settle, with their plan, for one-by-one sending (and
        its retries): 409 on an insert turns it into a patch."""
        left = []
        pushes = list(self)
        for start in range(0, len(pushes), size):
            chunk = pushes[start : start + size]
            plans = [push._plan() for push in chunk]
            try:
                answers = client.batch(
                    [
                        push._batch_call(plan)
                        for push, plan in zip(chunk, plans, strict=True)
                    ]
                )
            except GoogleAuthError:
                raise
            except GoogleError as exc:
                _logger.info("Google batch refused (%s): one call per push", exc)
                answers = [(None, {})] * len(chunk)
            for push, plan, (status, _payload) in zip(
                chunk, plans, answers, strict=True
            ):
                operation = plan[0]
                if status in (200, 204) or (
                    operation == "delete" and status in (404, 410)
                ):
                    push._done(*plan[:3])
                elif operation == "insert" and status == 409:
                    left.append((push, ("patch", *plan[1:])))
                else:
                    left.append((push, plan))
        return left

    def _last_calendar(self, default):
        """The calendar an appointment was last written to (the target may have
        changed since)."""
        last = self.search(
            [
                ("connection_id", "=", self.connection_id.id),
                ("event_ref", "=", self.event_ref),
                ("state", "=", "done"),
                ("google_calendar_id", "!=", False),
            ],
            limit=1,
        )
        return last.google_calendar_id or default

    def _retry_later(self, exc):
        """Plan the next try with exponential backoff; give up after the
        configured number of attempts or on an error no retry can fix.

        :return: whether the push will be tried again"""
        self.ensure_one()
        params = self.env["ir.config_parameter"].sudo()
        max_attempts = int(params.get_param("calendoc_google.max_attempts", 8))
        attempts = self.attempts + 1
        values = {"attempts": attempts, "last_error": str(exc)}
        again = exc.retriable and attempts < max_attempts
        if again:
            values["next_attempt"] = fields.Datetime.now() + timedelta(
                minutes=2 ** (attempts - 1)
            )
        else:
            values["state"] = "failed"
        self.write(values)
        return again
