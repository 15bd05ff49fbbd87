"""Benchmark of the week agenda: what the calendar view reads for the current
week of 50 practitioners, in a table of a million events.

    python3 bench/bench_agenda.py --config .run/odoo.conf --db calendoc_bench

Run as the superuser (no record rule), as a secretariat manager, as a
secretary assigned to the generated client accounts and as a delegated
secretary: a secretary assigned to no account, who reaches the agenda through
delegations (agenda read and write, requesters) from 200 client accounts, the
generated ones among them (CalenDoc's global record rules on appointments apply
to the last three). The users, the extra client accounts ("BENCH Compte
délégant N") and the delegations are created, and committed, on the first run.
Target: p95 < 500 ms for each; the delegated secretary within 1.5 times the
manager's time (rights must not make the agenda slow).
"""

import argparse
from datetime import datetime, timedelta

import pytz
from benchlib import (
    TAG,
    capture_sql,
    check_bench_data,
    explain,
    measure,
    odoo_env,
    parse_common,
    print_explain,
    summary,
    write_json,
)

TARGET_MS = 500
DELEGATING_ACCOUNTS = 200
# What the CalenDoc week view (calendar_event_view_calendar_calendoc) reads.
FIELDS = [
    "name",
    "start",
    "stop",
    "allday",
    "calendoc_practitioner_id",
    "calendoc_practice_id",
    "calendoc_type_id",
    "calendoc_state",
]


def current_week(tz_name="Europe/Paris"):
    """Monday 00:00 to next Monday 00:00 of this week in ``tz_name``, naive UTC."""
    tz = pytz.timezone(tz_name)
    today = datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday())
    bounds = []
    for day in (monday, monday + timedelta(days=7)):
        local = tz.localize(datetime.combine(day, datetime.min.time()))
        bounds.append(local.astimezone(pytz.utc).replace(tzinfo=None))
    return bounds


def bench_user(env, login, name, group_xmlid, accounts=None):
    """The user ``login`` in ``group_xmlid`` (created and committed if missing),
    assigned to ``accounts`` as their secretary."""
    Users = env["res.users"].with_context(active_test=False, no_reset_password=True)
    user = Users.search([("login", "=", login)])
    group = env.ref(group_xmlid)
    if not user:
        user = Users.create(
            {
                "name": name,
                "login": login,
                "groups_id": [(6, 0, [group.id, env.ref("base.group_user").id])],
                "tz": "Europe/Paris",
            }
        )
    if accounts:
        missing = accounts.filtered(lambda a: user not in a.calendoc_secretary_ids)
        missing.write({"calendoc_secretary_ids": [(4, user.id)]})
    env.flush_all()
    env.cr.commit()
    return user


def bench_staff(env):
    """The generated client accounts, and the bench's manager and the
    secretary assigned to every one of them (made once, reused)."""
    accounts = env["res.partner"].search(
        [("is_calendoc_client", "=", True), ("name", "=like", TAG + " %")]
    )
    manager = bench_user(
        env, "bench_manager", "Bench Manager", "calendoc_agenda.group_calendoc_manager"
    )
    secretary = bench_user(
        env,
        "bench_secretary",
        "Bench Secretary",
        "calendoc_agenda.group_calendoc_secretary",
        accounts,
    )
    return accounts, manager, secretary


def delegated_user(env, accounts, count):
    """``bench_delegate``, a secretary assigned to no account, with delegations
    from ``count`` client accounts: ``accounts`` and new empty accounts."""
    Partner = env["res.partner"]
    missing = count - len(accounts)
    if missing > 0:
        existing = Partner.search_count([("name", "=like", TAG + " Compte délégant %")])
        Partner.create(
            [
                {
                    "name": "%s Compte délégant %03d" % (TAG, existing + n + 1),
                    "is_company": True,
                    "is_calendoc_client": True,
                }
                for n in range(missing)
            ]
        )
    grantors = Partner.search(
        [("is_calendoc_client", "=", True), ("name", "=like", TAG + " %")],
        order="id",
        limit=count,
    )
    user = bench_user(
        env,
        "bench_delegate",
        "Bench Delegate",
        "calendoc_agenda.group_calendoc_secretary",
    )
    Delegation = env["calendoc.delegation"].with_context(
        mail_create_nolog=True, mail_notrack=True, tracking_disable=True
    )
    granted = Delegation.search(
        [("grantee_user_id", "=", user.id), ("revoked_date", "=", False)]
    ).grantor_account_id
    Delegation.create(
        [
            {
                "grantor_account_id": account.id,
                "grantee_user_id": user.id,
                "scope_agenda_read": True,
                "scope_agenda_write": True,
                "scope_requesters": True,
                "reason": "Benchmark: secretariat subcontracting",
            }
            for account in grantors - granted
        ]
    )
    env.flush_all()
    env.cr.commit()
    return user, len(grantors)


def main(argv=None):
    parser = parse_common(argparse.ArgumentParser(description=__doc__.split("\n")[0]))
    parser.add_argument(
        "--practitioners", type=int, default=50, help="agendas shown side by side"
    )
    args = parser.parse_args(argv)
    with odoo_env(args.config, args.db) as env:
        check_bench_data(env)
        accounts, manager, secretary = bench_staff(env)
        practitioners = env["calendoc.practitioner"].search(
            [("account_id", "in", accounts.ids)], order="id", limit=args.practitioners
        )
        week_start, week_end = current_week()
        domain = [
            ("calendoc_practitioner_id", "in", practitioners.ids),
            ("start", "<", week_end),
            ("stop", ">", week_start),
        ]
        delegate, delegating = delegated_user(env, accounts, DELEGATING_ACCOUNTS)
        env.cr.execute("SELECT count(*) FROM calendar_event")
        events = env.cr.fetchone()[0]
        print(
            "week agenda on %s: %d practitioners, week %s to %s UTC, %d events in "
            "the table; %d runs after %d warm-up"
            % (
                args.db,
                len(practitioners),
                week_start,
                week_end,
                events,
                args.iterations,
                args.warmup,
            )
        )
        results = []
        plans = {}
        for label, user in (
            ("superuser", env.user),
            ("manager", manager),
            ("secretary", secretary),
            ("delegated secretary, %d accounts" % delegating, delegate),
        ):
            user_env = env(user=user.id, context={"tz": "Europe/Paris"})
            Event = user_env["calendar.event"]

            def call(Event=Event):
                return Event.search_read(domain, fields=FIELDS)

            timings, counts, sql_ms, rows = measure(
                user_env, call, args.iterations, args.warmup
            )
            results.append(
                summary(
                    "agenda %d practitioners x 1w, %s" % (len(practitioners), label),
                    timings,
                    counts,
                    sql_ms,
                    TARGET_MS,
                    "%d appointments" % len(rows),
                )
            )
            # The main query: the one selecting the events by the domain.
            user_env.invalidate_all()
            with capture_sql(env.cr) as queries:
                Event.search_read(domain, fields=FIELDS)
            if args.verbose:
                for query in queries:
                    print("  SQL: " + " ".join(query.split()))
            main_query = next(
                q for q in queries if "calendoc_practitioner_id" in q and "IN" in q
            )
            plans[label] = explain(env.cr, main_query, args.verbose)
        for label, lines in plans.items():
            print_explain("main query, %s" % label, lines)
        by_user = {row["label"].split(", ", 1)[1]: row for row in results}
        manager_row = by_user["manager"]
        delegate_row = results[-1]
        for key in ("p50_ms", "p95_ms"):
            ratio = delegate_row[key] / manager_row[key]
            print(
                "delegated secretary / manager, %s: %.2f (target <= 1.5: %s)"
                % (key[:3], ratio, "OK" if ratio <= 1.5 else "OVER TARGET")
            )
        write_json(args.json, "agenda", args.db, results)


if __name__ == "__main__":
    main()
