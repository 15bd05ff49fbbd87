from itertools import repeat

from odoo import api, models

from odoo.addons.calendar.models.calendar_event import Meeting


class CalendarEvent(models.Model):
    """Odoo's hiding of others' private events, without its cost on CalenDoc's
    agendas (see ``_fetch_query``)."""

    _inherit = "calendar.event"

    @api.depends("calendoc_requester_id")
    def _compute_display_name(self):
        """An appointment reads "type — requester" for those who may read the
        requester, its type alone for the others: an agenda lent without its
        requesters (a delegation's scope) never shows a patient's name. The
        stored name holds no requester."""
        super()._compute_display_name()
        appointments = self.filtered(
            lambda event: event.calendoc_requester_id and event.privacy == "public"
        )
        if not appointments:
            return
        readable = self.env["calendoc.board"]._board_readable_requesters(appointments)
        for event in appointments:
            requester = event.calendoc_requester_id
            if requester in readable:
                # sudo: the user may read this requester (just tested, as the
                # board does, without res.partner's rule over every contact)
                event.display_name = f"{event.display_name} — {requester.sudo().name}"

    def _fetch_query(self, query, fields):
        """Hide others' private events as Odoo's calendar does, without its cost.

        ``calendar`` (``Meeting._fetch_query``) fetches ``partner_ids`` of every
        event read with a non-public field and evaluates
        ``_check_private_event_conditions`` on each, attendees included, even
        for public events. On a week agenda of 2,600 appointments that is a
        read of the attendee relation under the partner record rules (a
        planner-hostile join over every requester) and 2,600 Python checks:
        most of the time of the view for anyone but the superuser.

        Same rule, same result, cheaper order: fetch ``privacy`` and
        ``user_id`` with the requested fields, keep the events that can be
        private (private, or no privacy and an organizer whose default is
        private: the first half of ``_check_private_event_conditions``), and
        only for those read the attendees and run Odoo's own check. Public
        events, hence every CalenDoc appointment (always ``public``), never
        load their attendees here. ``calendar``'s override is the only one of
        ``calendar.event._fetch_query`` in Odoo 18.0 Community; we replace its
        body, so we call the implementation below it.
        """
        if self.env.su:
            return super()._fetch_query(query, fields)
        public_fnames = self._get_public_fields()
        private_fields = [field for field in fields if field.name not in public_fnames]
        if not private_fields:
            return super()._fetch_query(query, fields)
        fields_to_fetch = list(fields) + [
            self._fields[name]
            for name in ("privacy", "user_id")
            if self._fields[name] not in fields
        ]
        events = super(Meeting, self)._fetch_query(query, fields_to_fetch)
        # One bulk read of the cached privacy instead of a field access per event.
        maybe_private = events.browse(
            event_id
            for event_id, privacy in zip(
                events._ids, events.mapped("privacy"), strict=True
            )
            if privacy != "public"
        ).filtered(
            lambda ev: (
                ev.privacy == "private"
                or (ev.user_id and ev.user_id.calendar_default_privacy == "private")
            )
        )
        if not maybe_private:
            return events
        # Attendees of these events only (the prefetch set would be all events).
        maybe_private = maybe_private.with_prefetch(maybe_private._ids)
        hidden = maybe_private.filtered(lambda ev: ev._check_private_event_conditions())
        if not hidden:
            return events
        private_fields.append(self._fields["partner_ids"])
        # in the user's language when the context has none, as Odoo's own "Busy"
        env = self.env
        if not env.lang:
            env = env(context=dict(env.context, lang=env.user.lang))
        busy = env._("Busy")
        for field in private_fields:
            replacement = field.convert_to_cache(
                busy if field.name == "name" else False, hidden
            )
            self.env.cache.update(hidden, field, repeat(replacement))
        return events

    def _check_private_event_conditions(self):
        """Odoo's check, which reads the attendees even of public events,
        stopped early when the event cannot be private (the attendees are
        then not needed: same answer)."""
        self.ensure_one()
        if self.privacy == "public" or (
            not self.privacy
            and not (
                self.user_id and self.user_id.calendar_default_privacy == "private"
            )
        ):
            return False
        return super()._check_private_event_conditions()
