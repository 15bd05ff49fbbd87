"""Benchmark of the slot engine: free slots of one appointment type over four
weeks, for all its practitioners (50 in the reference data set) and for one.

    python3 bench/bench_slots.py --config .run/odoo.conf --db calendoc_bench

Each run starts with an empty ORM cache, so that the records the engine reads
(type, practice, practitioners) are fetched again as in a fresh request.
"""

import argparse
from datetime import datetime, timedelta

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

TARGET_ALL_MS = 150
TARGET_ONE_MS = 20


def bench_type(env):
    """The generated appointment type with the most practitioners."""
    types = env["calendoc.appointment.type"].search(
        [("practice_id.name", "=like", TAG + " %")]
    )
    if not types:
        raise SystemExit("no BENCH appointment type: run bench/generate.py first")
    return max(types, key=lambda t: (len(t.practitioner_ids), -t.id))


def main(argv=None):
    parser = parse_common(argparse.ArgumentParser(description=__doc__.split("\n")[0]))
    parser.add_argument("--weeks", type=int, default=4)
    args = parser.parse_args(argv)
    with odoo_env(args.config, args.db) as env:
        check_bench_data(env)
        apt_type = bench_type(env)
        practitioners = apt_type.practitioner_ids
        one = practitioners.sorted("id")[:1]
        date_from = datetime.utcnow().replace(second=0, microsecond=0)
        date_to = date_from + timedelta(weeks=args.weeks)
        env.cr.execute(
            """
            SELECT count(*) FROM calendar_event
             WHERE calendoc_practitioner_id = ANY(%s) AND calendoc_state <> 'cancelled'
               AND start >= %s AND start < %s
            """,
            [practitioners.ids, date_from, date_to],
        )
        booked = env.cr.fetchone()[0]
        env.cr.execute("SELECT count(*) FROM calendar_event")
        events = env.cr.fetchone()[0]
        print(
            "slot engine on %s: type %r of %s, %d practitioners, %d appointments "
            "booked in the window, %d events in the table; %d runs after %d warm-up"
            % (
                args.db,
                apt_type.name,
                apt_type.practice_id.name,
                len(practitioners),
                booked,
                events,
                args.iterations,
                args.warmup,
            )
        )
        results = []
        for label, subset, target in (
            (
                "slots %d practitioners x %dw" % (len(practitioners), args.weeks),
                None,
                TARGET_ALL_MS,
            ),
            ("slots 1 practitioner x %dw" % args.weeks, one, TARGET_ONE_MS),
        ):

            def call(subset=subset):
                return apt_type.find_free_slots(
                    date_from, date_to, practitioners=subset
                )

            timings, counts, sql_ms, slots = measure(
                env, call, args.iterations, args.warmup
            )
            results.append(
                summary(label, timings, counts, sql_ms, target, "%d slots" % len(slots))
            )
        # The plans of the engine's queries, for the 50-practitioner case.
        env.invalidate_all()
        with capture_sql(env.cr) as queries:
            apt_type.find_free_slots(date_from, date_to)
        if args.verbose:
            for query in queries:
                print("  SQL: " + " ".join(query.split()))
        for query in queries:
            if "calendar_event" in query:
                # one query: appointments (GiST probe per practitioner) and
                # the practitioners' other busy events (attendee relation)
                title = "busy intervals (appointments + other events)"
                print_explain(title, explain(env.cr, query, args.verbose))
        write_json(args.json, "slots", args.db, results)


if __name__ == "__main__":
    main()
