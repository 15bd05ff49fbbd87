"""The secretaries' day board: one column per practitioner (a day of several
practitioners, or a week of one), with the practice's opening hours, the
practitioner's hours and absences, the appointments as cards and the free
slots of the slot engine.

Everything is read as the user: the practitioners are those whose agenda the
record rules let him read, the appointments those he may read. The queries
are batched: their number grows with the practices and appointment types on
the board, never with its practitioners or appointments.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..tools.params import InvalidInput, parse_date, parse_id
from ..tools.tz import timezone

MODES = ("day", "week")
DEFAULT_STEP = 15
# The bus notification telling the boards that appointments changed, sent on
# the subchannel of each client account (and to managers' and auditors' groups).
BUS_TYPE = "calendoc_agenda/board_changed"
BUS_SUBCHANNEL = "calendoc_agenda"
ROLES = (
    "calendoc_agenda.group_calendoc_secretary",
    "calendoc_agenda.group_calendoc_practitioner",
    "calendoc_agenda.group_calendoc_auditor",
)


class CalendocBoard(models.AbstractModel):
    _name = "calendoc.board"
    _description = "Day board"

    @api.model
    def get_board(
        self,
        day=None,
        mode="day",
        practice_ids=None,
        practitioner_ids=None,
        type_id=None,
    ):
        """The day board as the current user may see it.

        :param day: the day shown (``YYYY-MM-DD``; in week mode, any day of the
            week), today in the user's time zone when empty
        :param mode: ``"day"`` (one column per practitioner) or ``"week"`` (one
            column per practitioner and day, Monday to Sunday; without
            ``practitioner_ids``, the first practitioner only)
        :param practice_ids, practitioner_ids: ids to show (all those the user
            may read when empty); an id that does not exist or that the user
            may not read is refused, and nothing is shown
        :param type_id: the appointment type whose free slots are shown (else
            each column's first type)
        :return: a dict: ``day``, ``days``, ``mode``, ``step`` and ``range``
            (minutes of the local day), the choices of the filters
            (``practices``, ``practitioners``, ``types``) and the ``columns``,
            each with its ``hours``, ``closed`` (outside the opening hours),
            ``off`` (outside the practitioner's hours) and ``absences`` as
            [from, to] minutes, its ``appointments`` (cards) and free
            ``slots``; times of cards and slots are also given in naive UTC
            (``start``, ``stop``) for writing them back.
        """
        self._board_check_role()
        day, days, mode = self._board_days(day, mode)
        # the agendas the user reads: one search under the record rules,
        # whose ids every later query takes instead of the rules again
        readable = self._board_readable_practitioners()
        practices, practitioners, apt_type = self._board_filters(
            practice_ids, practitioner_ids, type_id, readable
        )
        people = self._board_type_people(apt_type)
        schedules = self._board_schedules(practices, readable, apt_type, people)
        shown_practitioners = schedules.practitioner_id.sorted("name")
        if practitioners is not None:
            schedules = schedules.filtered(lambda s: s.practitioner_id in practitioners)
        if mode == "week" and not practitioner_ids and schedules:
            first = schedules[0].practitioner_id
            schedules = schedules.filtered(lambda s: s.practitioner_id == first)
        shown_practices = schedules.practice_id
        types = apt_type or self.env["calendoc.appointment.type"].search_fetch(
            [("practice_id", "in", shown_practices.ids)],
            [
                "name",
                "practice_id",
                "duration_minutes",
                "slot_step_minutes",
            ],
        )
        people.update(self._board_type_people(types))
        columns = []
        for schedule in schedules:
            column_type = self._board_column_type(schedule, types, people)
            for column_day in days:
                columns.append(
                    {
                        "key": f"{schedule.id}-{column_day}",
                        "practitioner_id": schedule.practitioner_id.id,
                        "practitioner": schedule.practitioner_id.name,
                        "practice_id": schedule.practice_id.id,
                        "practice": schedule.practice_id.name,
                        "date": column_day.isoformat(),
                        "type_id": column_type.id,
                        "_schedule": schedule,
                        "_day": column_day,
                        "_type": column_type,
                    }
                )
        self._board_fill_hours(columns, shown_practices, days)
        self._board_fill_slots(columns, days)
        self._board_fill_cards(columns, days)
        step = min(
            (
                t.slot_step_minutes or t.duration_minutes
                for t in {c["_type"] for c in columns if c["_type"]}
            ),
            default=DEFAULT_STEP,
        )
        for column in columns:
            for key in ("_schedule", "_day", "_type"):
                del column[key]
        return {
            "day": day.isoformat(),
            "days": [d.isoformat() for d in days],
            "mode": mode,
            "step": step,
            "range": self._board_range(columns),
            # the practices where the user reads an agenda
            "practices": [
                {"id": p.id, "name": p.display_name}
                for p in self.env["calendoc.practice"].search_fetch(
                    [("schedule_ids.practitioner_id", "in", readable.ids)],
                    ["name"],
                )
            ],
            "practitioners": [
                {"id": p.id, "name": p.name} for p in shown_practitioners
            ],
            "types": [
                {"id": t.id, "name": t.name, "practice_id": t.practice_id.id}
                for t in self.env["calendoc.appointment.type"].search_fetch(
                    [("practice_id", "in", shown_practices.ids)], ["name"]
                )
            ],
            "selected": {
                "practice_ids": practices.ids,
                "practitioner_ids": practitioners.ids if practitioners else [],
                "type_id": apt_type.id,
            },
            "columns": columns,
        }

    # --- checks of what is asked ---------------------------------------------------
    @api.model
    def _board_check_role(self):
        user = self.env.user
        if user.share or not any(user.has_group(group) for group in ROLES):
            raise AccessError(
                self.env._(
                    "The day board is for the secretariat's staff and the "
                    "practitioners."
                )
            )

    @api.model
    def _board_days(self, day, mode):
        if mode in (None, False, ""):
            mode = "day"
        if mode not in MODES:
            raise InvalidInput(self.env._("Show the board by day or by week."))
        if day in (None, False, ""):
            tz = timezone(self.env.context.get("tz"), self.env.user.tz)
            chosen = datetime.now(tz).date()
        else:
            chosen = parse_date(day)
            if not chosen:
                raise InvalidInput(
                    self.env._("Give the day of the board as YYYY-MM-DD.")
                )
        if mode == "day":
            return chosen, [chosen], mode
        monday = chosen - timedelta(days=chosen.weekday())
        return chosen, [monday + timedelta(days=n) for n in range(7)], mode

    @api.model
    def _board_filters(self, practice_ids, practitioner_ids, type_id, readable):
        """The practices, practitioners (``None``: not asked) and type asked,
        read as the user."""
        Practice = self.env["calendoc.practice"]
        practices = self._board_records(Practice, practice_ids)
        practitioners = self._board_records(readable, practitioner_ids, within=readable)
        apt_type = self._board_records(
            self.env["calendoc.appointment.type"],
            [type_id] if type_id not in (None, False, "") else None,
        )
        if apt_type:
            practices = (practices or apt_type.practice_id) & apt_type.practice_id
            people = self._board_type_people(apt_type)[apt_type.id]
            if people and practitioners is not None:
                practitioners = practitioners.filtered(lambda p: p.id in people)
        if practices is None and practitioners is not None:
            practices = practitioners.practice_ids
        elif practices is None:
            # the practitioner's own practices, else the first practice the
            # user reaches an agenda of
            mine = self.env["calendoc.practitioner"].search(
                [("user_id", "=", self.env.uid)]
            )
            practices = mine.practice_ids or (
                self.env["calendoc.schedule"]
                .search(
                    [("practitioner_id", "in", readable.ids)],
                    order="practice_id",
                    limit=1,
                )
                .practice_id
            )
        return (
            practices if practices is not None else Practice,
            practitioners,
            apt_type or self.env["calendoc.appointment.type"],
        )

    @api.model
    def _board_records(self, model, ids, domain=(), within=None):
        """The records ``ids`` of ``model`` the user may read (``None`` when no
        id is asked); refused if one is missing, without saying which."""
        if ids in (None, False) or ids == []:
            return None
        if not isinstance(ids, list) or any(parse_id(i) is None for i in ids):
            raise InvalidInput(self.env._("Name what the board shows by ids."))
        ids = {parse_id(i) for i in ids}
        if within is not None:  # among records already read as the user
            records = within.filtered(lambda record: record.id in ids)
        else:
            records = model.search([("id", "in", list(ids)), *domain])
        if len(records) != len(ids):
            raise UserError(
                self.env._(
                    "The board cannot show what was asked: a practice, a "
                    "practitioner or an appointment type does not exist or is "
                    "not yours to see."
                )
            )
        return records

    @api.model
    def _board_readable_practitioners(self):
        return self.env["calendoc.practitioner"].search_fetch(
            [("calendoc_access_scope", "like", ",agenda_read,")],
            ["name", "resource_id"],
        )

    @api.model
    def _board_type_people(self, types):
        """{type id: ids of the practitioners it is for (none: all)}. The
        types were read as the user; sudo: their practitioners' ids only, to
        match them with the practitioners read as the user (not their rules
        again, one costly query per type)."""
        return {t.id: set(t.practitioner_ids.ids) for t in types.sudo()}

    @api.model
    def _board_schedules(self, practices, readable, apt_type, people):
        """One column per schedule: a practitioner whose agenda the user reads,
        at a practice shown; sorted by practitioner, then practice."""
        domain = [
            ("practice_id", "in", practices.ids),
            ("practitioner_id", "in", readable.ids),
        ]
        if apt_type and people.get(apt_type.id):
            domain.append(("practitioner_id", "in", list(people[apt_type.id])))
        schedules = self.env["calendoc.schedule"].search_fetch(
            domain, ["practitioner_id", "practice_id", "calendar_id"]
        )
        schedules.practice_id.fetch(
            ["name", "tz", "opening_calendar_id", "holiday_calendar_id"]
        )
        return schedules.sorted(
            lambda s: (s.practitioner_id.name or "", s.practice_id.name or "", s.id)
        )

    @api.model
    def _board_column_type(self, schedule, types, people):
        """The type whose free slots a column shows: the one asked, else the
        practice's first type the practitioner takes."""
        for apt_type in types:
            if apt_type.practice_id == schedule.practice_id and (
                not people.get(apt_type.id)
                or schedule.practitioner_id.id in people[apt_type.id]
            ):
                return apt_type
        return self.env["calendoc.appointment.type"]

    # --- live refresh ------------------------------------------------------------
    @api.model
    def _bus_channels(self):
        """The bus channels on which the current user hears of changes to the
        agendas he reads: the subchannel of each client account one of whose
        practitioners' agenda he reads (managers and auditors hear it on their
        group's channel)."""
        user = self.env.user
        if user.share or user.calendoc_sees_all_accounts:
            return []
        if not any(user.has_group(group) for group in ROLES):
            return []
        groups = self.env["calendoc.practitioner"]._read_group(
            [("calendoc_access_scope", "like", ",agenda_read,")], ["account_id"]
        )
        return [(account, BUS_SUBCHANNEL) for (account,) in groups]

    @api.model
    def _notify(self, pairs):
        """Tell the boards that the agendas of ``pairs`` {(account id,
        practitioner id)} changed: the ids only, to the account's subchannel
        and to the managers' and auditors' groups."""
        if not pairs:
            return
        by_account = defaultdict(set)
        for account_id, practitioner_id in pairs:
            if account_id:
                by_account[account_id].add(practitioner_id)
        Partner = self.env["res.partner"]
        for account_id, practitioner_ids in by_account.items():
            Partner.browse(account_id)._bus_send(
                BUS_TYPE,
                {"practitioner_ids": sorted(practitioner_ids)},
                subchannel=BUS_SUBCHANNEL,
            )
        everyone = sorted({practitioner_id for _account, practitioner_id in pairs})
        for xmlid in (
            "calendoc_agenda.group_calendoc_manager",
            "calendoc_agenda.group_calendoc_auditor",
        ):
            group = self.env.ref(xmlid, raise_if_not_found=False)
            if group:
                group._bus_send(BUS_TYPE, {"practitioner_ids": everyone})
