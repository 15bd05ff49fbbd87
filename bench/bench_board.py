"""Benchmark of the secretaries' day board: what calendoc.board.get_board
computes (columns, hours, absences, cards and the slot engine's free slots) for
50 practitioners on one day and for 10 practitioners over a week, in a table of
a million events.

    python3 bench/bench_board.py --config .run/odoo.conf --db calendoc_bench

Run as a secretary assigned to the generated client accounts (CalenDoc's record
rules apply) and as a secretariat manager. The day is the next working day
(the generator books from tomorrow on), or ``--day``. Also prints the queries
of a day board of 10 and of 50 practitioners: the same number (batched).
Target: p95 < 150 ms.
"""

import argparse
from datetime import date, timedelta

from bench_agenda import bench_staff
from benchlib import (
    check_bench_data,
    measure,
    odoo_env,
    parse_common,
    summary,
    write_json,
)

TARGET_MS = 150


def next_working_day():
    day = date.today() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def main(argv=None):
    parser = parse_common(argparse.ArgumentParser(description=__doc__.split("\n")[0]))
    parser.add_argument("--day", help="YYYY-MM-DD (default: the next working day)")
    args = parser.parse_args(argv)
    day = args.day or next_working_day().isoformat()
    with odoo_env(args.config, args.db) as env:
        check_bench_data(env)
        accounts, manager, secretary = bench_staff(env)
        practitioners = env["calendoc.practitioner"].search(
            [("account_id", "in", accounts.ids)], order="id", limit=50
        )
        env.cr.execute("SELECT count(*) FROM calendar_event")
        events = env.cr.fetchone()[0]
        print(
            "day board on %s: day %s, %d events in the table; %d runs after %d "
            "warm-up" % (args.db, day, events, args.iterations, args.warmup)
        )
        cases = [
            ("%d practitioners x 1d" % len(practitioners), "day", practitioners),
            (
                "%d practitioners x 1w" % len(practitioners[:10]),
                "week",
                practitioners[:10],
            ),
        ]
        results = []
        for label, user in (("secretary", secretary), ("manager", manager)):
            user_env = env(user=user.id, context={"tz": "Europe/Paris"})
            Board = user_env["calendoc.board"]
            for case, mode, shown in cases:

                def call(Board=Board, mode=mode, shown=shown):
                    return Board.get_board(
                        day=day, mode=mode, practitioner_ids=shown.ids
                    )

                timings, counts, sql_ms, board = measure(
                    user_env, call, args.iterations, args.warmup
                )
                columns = board["columns"]
                results.append(
                    summary(
                        "board %s, %s" % (case, label),
                        timings,
                        counts,
                        sql_ms,
                        TARGET_MS,
                        "%d columns, %d cards, %d free slots"
                        % (
                            len(columns),
                            sum(len(c["appointments"]) for c in columns),
                            sum(len(c["slots"]) for c in columns),
                        ),
                    )
                )
        # queries flat in the practitioners: a day of 10 and a day of 50
        Board = env(user=secretary.id, context={"tz": "Europe/Paris"})["calendoc.board"]
        counts = {}
        for size in (10, len(practitioners)):
            _t, runs, _s, _b = measure(
                Board.env,
                lambda size=size: Board.get_board(
                    day=day, practitioner_ids=practitioners[:size].ids
                ),
                1,
                1,
            )
            counts[size] = runs[0]
        print(
            "queries of a day board: %s (flat: %s)"
            % (
                ", ".join("%d practitioners %d" % item for item in counts.items()),
                "OK" if counts[len(practitioners)] <= counts[10] else "GROWS",
            )
        )
        write_json(args.json, "board", args.db, results, queries=counts)


if __name__ == "__main__":
    main()
