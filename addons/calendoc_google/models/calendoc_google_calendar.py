import logging
import secrets
import uuid
from datetime import datetime, time, timedelta, timezone

from odoo import Command, api, fields, models

from odoo.addons.calendoc_agenda.tools.params import parse_text, same_token

from ..tools.google_client import PROP_DB, PROP_EVENT, GoogleError, parse_google_time

_logger = logging.getLogger(__name__)
# Google's channel ids (events.watch) have at most 64 characters
MAX_CHANNEL_ID = 64


class CalendocGoogleCalendar(models.Model):
    _name = "calendoc.google.calendar"
    _description = "Google calendar of a practitioner"
    _order = "connection_id, is_primary desc, name"
    _calendoc_account_link = "connection_id.account_id"

    connection_id = fields.Many2one(
        "calendoc.google.connection", required=True, ondelete="cascade", index=True
    )
    google_calendar_id = fields.Char(string="Google id", required=True)
    name = fields.Char()
    access_role = fields.Char(readonly=True)
    is_primary = fields.Boolean(string="Primary", readonly=True)
    read_busy = fields.Boolean(
        string="Blocks the agenda",
        help="Events of this calendar are busy time: no slot is offered over them.",
    )
    sync_token = fields.Char(
        groups="calendoc_agenda.group_calendoc_manager", copy=False, readonly=True
    )
    last_sync = fields.Datetime(readonly=True, copy=False)
    # Push notifications (events.watch): Google tells us when to pull.
    channel_id = fields.Char(readonly=True, copy=False, index="btree_not_null")
    channel_resource_id = fields.Char(readonly=True, copy=False)
    channel_token = fields.Char(
        groups="calendoc_agenda.group_calendoc_manager", copy=False, readonly=True
    )
    channel_expiration = fields.Datetime(
        string="Notifications until", readonly=True, copy=False
    )

    _sql_constraints = [
        (
            "calendar_unique",
            "UNIQUE(connection_id, google_calendar_id)",
            "This Google calendar is already listed.",
        )
    ]

    def _compute_display_name(self):
        for calendar in self:
            calendar.display_name = calendar.name or calendar.google_calendar_id

    @api.model
    def _google_notified(self, channel_id, token):
        """The calendar a push notification of Google is about: the channel
        id and the secret token our events.watch gave Google, as Google sends
        them back in its headers; empty when they name none."""
        channel_id = parse_text(channel_id, MAX_CHANNEL_ID)
        if not channel_id:
            return self.browse()
        # sudo: the channel token is managers-only; it is compared here, never
        # shown
        calendar = self.sudo().search([("channel_id", "=", channel_id)], limit=1)
        if not same_token(calendar.channel_token, token):
            return self.browse()
        return calendar

    def write(self, vals):
        if vals.get("read_busy") is False:
            # no longer busy time: forget what was imported, read it all again
            # if it is chosen once more
            self.env["calendar.event"].with_context(active_test=False).search(
                [("calendoc_google_calendar_id", "in", self.ids)]
            ).unlink()
            vals = dict(vals, sync_token=False)
        return super().write(vals)

    @api.model
    def _google_mirror_list(self, connection, items):
        """Mirror Google's calendar list ``items`` of ``connection``: known
        calendars updated, new ones added (the primary one blocks the agenda).

        :return: {Google calendar id: calendar}"""
        existing = {c.google_calendar_id: c for c in connection.calendar_ids}
        for item in items:
            values = {
                "name": item.get("summaryOverride") or item.get("summary"),
                "access_role": item.get("accessRole"),
                "is_primary": bool(item.get("primary")),
            }
            if item["id"] in existing:
                existing[item["id"]].write(values)
            else:
                existing[item["id"]] = self.create(
                    dict(
                        values,
                        connection_id=connection.id,
                        google_calendar_id=item["id"],
                        read_busy=bool(item.get("primary")),
                    )
                )
        return existing

    def _pull(self, client):
        """Read this calendar's changes (all events at the first run or after
        410 Gone) page by page, and apply them.

        Conflict rule: CalenDoc is the master of its appointments. A Google
        event carrying our id is never imported as busy time; if it was moved
        or deleted in Google while the appointment still stands in CalenDoc,
        CalenDoc's version is pushed back (and the appointment's chatter says
        so); if the appointment was cancelled, the Google copy is deleted.
        Everything else in a busy calendar is the practitioner's own busy time.
        """
        self.ensure_one()
        # sudo: the sync token is managers-only; the pull may be the cron's
        sync_token = self.sudo().sync_token
        full = not sync_token
        window = {} if sync_token else self._pull_window()
        seen, read, page_token = set(), 0, None
        while True:
            page = client.list_events(
                self.google_calendar_id,
                sync_token=sync_token,
                page_token=page_token,
                **window,
            )
            items = page.get("items", [])
            read += len(items)
            self._apply_google_events(items, seen)
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        if full:
            # a full (re)synchronisation: what Google no longer lists is gone
            self.env["calendar.event"].with_context(active_test=False).search(
                [
                    ("calendoc_google_calendar_id", "=", self.id),
                    ("calendoc_google_event_id", "not in", list(seen)),
                ]
            ).unlink()
        self.sudo().write(
            {
                "sync_token": page.get("nextSyncToken"),
                "last_sync": fields.Datetime.now(),
            }
        )
        return read

    def _watch(self, client):
        """Ask Google to notify our webhook of changes to these calendars (a
        channel lives at most a week: renewed a day before it ends). Without an
        HTTPS address, or if Google refuses, the 5-minute pull cron remains."""
        address = self._webhook_address()
        if not address:
            return
        soon = fields.Datetime.now() + timedelta(days=1)
        for calendar in self:
            if calendar.channel_id and calendar.channel_expiration > soon:
                continue
            token = secrets.token_urlsafe(24)
            try:
                if calendar.channel_id:
                    try:
                        client.stop_channel(
                            calendar.channel_id, calendar.channel_resource_id
                        )
                    except GoogleError:
                        _logger.info(
                            "Google channel of calendar %s already gone", calendar.id
                        )
                channel = client.watch_events(
                    calendar.google_calendar_id,
                    {
                        "id": str(uuid.uuid4()),
                        "type": "web_hook",
                        "address": address,
                        "token": token,
                        "params": {"ttl": str(7 * 24 * 3600)},
                    },
                )
            except GoogleError as exc:
                _logger.warning(
                    "Google refused push notifications for calendar %s: %s",
                    calendar.id,
                    exc,
                )
                continue
            expiration = int(channel.get("expiration") or 0) / 1000
            # sudo: the channel token is managers-only; the cron may write it
            calendar.sudo().write(
                {
                    "channel_id": channel["id"],
                    "channel_resource_id": channel.get("resourceId"),
                    "channel_token": token,
                    "channel_expiration": datetime.fromtimestamp(
                        expiration, tz=timezone.utc
                    ).replace(tzinfo=None)
                    if expiration
                    else soon,
                }
            )

    def _webhook_address(self):
        params = self.env["ir.config_parameter"].sudo()
        address = params.get_param("calendoc_google.webhook_url")
        if not address:
            base = params.get_param("web.base.url") or ""
            # Google only calls HTTPS addresses
            address = base.startswith("https://") and f"{base}/calendoc_google/notify"
        return address or False

    def _pull_window(self):
        """timeMin and timeMax of a first, full pull."""
        params = self.env["ir.config_parameter"].sudo()
        now = fields.Datetime.now().replace(microsecond=0)
        past = int(params.get_param("calendoc_google.pull_past_days", 1))
        future = int(params.get_param("calendoc_google.pull_future_days", 365))
        return {
            "timeMin": (now - timedelta(days=past)).isoformat() + "Z",
            "timeMax": (now + timedelta(days=future)).isoformat() + "Z",
        }

    def _apply_google_events(self, items, seen):
        connection = self.connection_id
        practitioner = connection.practitioner_id
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        busy, gone, mirrors = {}, set(), []
        for item in items:
            google_id = item["id"]
            private = (item.get("extendedProperties") or {}).get("private") or {}
            if private.get(PROP_DB) == uuid and private.get(PROP_EVENT, "").isdigit():
                mirrors.append((item, int(private[PROP_EVENT])))
                continue
            values = self._busy_values(item)
            if values is None:
                gone.add(google_id)
            else:
                busy[google_id] = values
                seen.add(google_id)
        Event = self.env["calendar.event"].with_context(
            active_test=False,
            dont_notify=True,
            no_mail_to_attendees=True,
            mail_create_nolog=True,
            mail_notrack=True,
            tracking_disable=True,
        )
        if busy and "google_id" in Event._fields:
            # Coexistence with Odoo's google_calendar: an event its own sync
            # already imported is not imported a second time.
            for event in Event.search_fetch(
                [
                    ("google_id", "in", list(busy)),
                    ("calendoc_google_calendar_id", "=", False),
                ],
                ["google_id"],
            ):
                busy.pop(event.google_id, None)
                gone.add(event.google_id)
        existing = {
            event.calendoc_google_event_id: event
            for event in Event.search(
                [
                    ("calendoc_google_calendar_id", "=", self.id),
                    ("calendoc_google_event_id", "in", list(busy) + list(gone)),
                ]
            )
        }
        existing_gone = Event.browse(
            [existing[gid].id for gid in gone if gid in existing]
        )
        existing_gone.unlink()
        to_create = []
        for google_id, values in busy.items():
            event = existing.get(google_id)
            if not event:
                to_create.append(
                    dict(
                        values,
                        name=self.env._("Busy (Google Calendar)"),
                        partner_ids=[Command.set(practitioner.partner_id.ids)],
                        user_id=practitioner.user_id.id or False,
                        privacy="private",
                        show_as="busy",
                        calendoc_google_calendar_id=self.id,
                        calendoc_google_event_id=google_id,
                    )
                )
            elif any(event[key] != value for key, value in values.items()):
                event.write(values)
        if to_create:
            Event.create(to_create)
        if mirrors:
            self.env["calendar.event"]._calendoc_google_check_mirrors(
                connection, mirrors
            )

    def _busy_values(self, item):
        """Values of the busy event mirroring Google event ``item``, or None when
        it is not (or no longer) busy time: cancelled, marked free, declined."""
        if item.get("status") == "cancelled" or item.get("transparency") == (
            "transparent"
        ):
            return None
        for attendee in item.get("attendees") or ():
            if attendee.get("self") and attendee.get("responseStatus") == "declined":
                return None
        start, start_date = parse_google_time(item.get("start") or {})
        stop, stop_date = parse_google_time(item.get("end") or {})
        if start_date and stop_date:
            # Google's end date is exclusive; Odoo's all-day stop date inclusive
            last_day = max(start_date, stop_date - timedelta(days=1))
            return {
                "allday": True,
                "start": datetime.combine(start_date, time(8)),
                "stop": datetime.combine(last_day, time(18)),
            }
        if not (start and stop) or stop <= start:
            return None
        return {"allday": False, "start": start, "stop": stop}
