"""Benchmark of the Google Calendar synchronisation (calendoc_google): incremental
pull of 1,000 changed events for one practitioner, and push of 500 appointments.

    python3 bench/bench_google.py --config .run/odoo-google.conf --db calendoc_h_google

In-process over real PostgreSQL, as the superuser, on any database where
calendoc_google is installed; everything it writes is rolled back at the end.
Google is the local stand-in of the addon's tests
(addons/calendoc_google/tests/google_server.py: Calendar API v3 and OAuth token
endpoint on 127.0.0.1), so the real client code runs, over real HTTP, but with
loopback latency: against Google, add the network round trip of each call
(typically 50-200 ms) times the number of calls printed.

1. Pull: the practitioner's primary calendar holds --events events (timed,
   over the coming weeks); a first full pull imports them; then, --iterations
   times, every one of them is moved in Google and an incremental pull (sync
   token) brings the changes in. Time and HTTP calls per incremental pull.
2. Push: --appointments appointments are booked for the practitioner (through
   calendar.event.create, not timed), then the push queue is processed. Time
   and HTTP requests: the inserts travel through Google's batch endpoint, 50
   per HTTP request (--batch-size; 1 = one request per appointment), plus a
   token refresh.
"""

import argparse
import importlib.util
import os
import statistics
import time
from datetime import date, datetime, timedelta

from benchlib import machine, odoo_env, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(
    HERE, "..", "addons", "calendoc_google", "tests", "google_server.py"
)
PRIMARY = "bench.doctor@example.com"


def load_fake_google():
    # Loaded from its file: importing the addon's tests package would import
    # Odoo's test framework.
    spec = importlib.util.spec_from_file_location("google_server", SERVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeGoogle


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="odoo.conf")
    parser.add_argument("--db", required=True, help="a database with calendoc_google")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--appointments", type=int, default=500)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--json", metavar="FILE", help="append the results to FILE")
    return parser.parse_args(argv)


def setup(env, google):
    from odoo import Command

    params = env["ir.config_parameter"]
    for key, value in {
        "calendoc_google.api_url": google.url + "/calendar/v3",
        "calendoc_google.token_url": google.url + "/token",
        "calendoc_google.client_id": "bench",
        "calendoc_google.client_secret": "bench",
        "calendoc_google.backoff": "0.01",
    }.items():
        params.set_param(key, value)
    account = env["res.partner"].create(
        {
            "name": "BENCH Google account",
            "is_company": True,
            "is_calendoc_client": True,
            "calendoc_permanence_code": "BGOOG1",
        }
    )
    # open around the clock, so that 500 half-hour appointments fit in 11 days
    calendar = env["resource.calendar"].create(
        {
            "name": "BENCH 24/7",
            "tz": "Europe/Paris",
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": f"day {day}",
                        "dayofweek": str(day),
                        "hour_from": 0,
                        "hour_to": 24,
                        "day_period": "morning",
                    }
                )
                for day in range(7)
            ],
        }
    )
    practice = env["calendoc.practice"].create(
        {"name": "BENCH Cabinet Google", "account_id": account.id}
    )
    doctor = env["calendoc.practitioner"].create(
        {"name": "BENCH Dr Google", "account_id": account.id, "tz": "Europe/Paris"}
    )
    env["calendoc.schedule"].create(
        {
            "practitioner_id": doctor.id,
            "practice_id": practice.id,
            "calendar_id": calendar.id,
        }
    )
    apt_type = env["calendoc.appointment.type"].create(
        {
            "name": "BENCH Consultation",
            "practice_id": practice.id,
            "duration_minutes": 30,
            "min_notice_hours": 0,
            "practitioner_ids": [Command.set(doctor.ids)],
        }
    )
    requester = env["res.partner"].create(
        {
            "is_calendoc_requester": True,
            "calendoc_account_id": account.id,
            "calendoc_last_name": "Bench",
            "calendoc_first_name": "Google",
        }
    )
    google.refresh_tokens.add("rt-bench")
    google.add_calendar(PRIMARY, "Bench", primary=True)
    connection = env["calendoc.google.connection"].create(
        {"practitioner_id": doctor.id, "refresh_token": "rt-bench"}
    )
    connection.action_fetch_calendars()
    return connection, apt_type, requester


def bench_pull(env, google, connection, events, iterations):
    start_day = date.today() + timedelta(days=1)
    for n in range(events):
        day = start_day + timedelta(days=n // 8)
        hour = 8 + n % 8
        google.put_event(
            PRIMARY,
            {
                "id": f"bench{n}",
                "summary": "Privé",
                "start": {"dateTime": f"{day}T{hour:02d}:00:00+01:00"},
                "end": {"dateTime": f"{day}T{hour:02d}:45:00+01:00"},
            },
        )
    connection._google_pull()  # the first, full pull
    env.flush_all()
    timings, calls = [], []
    for iteration in range(iterations):
        for n in range(events):
            event = dict(google.calendars[PRIMARY]["events"][f"bench{n}"])
            minute = 5 * (iteration + 1)
            event["start"] = {
                "dateTime": event["start"]["dateTime"][:14] + f"{minute:02d}:00+01:00"
            }
            event["end"] = {
                "dateTime": event["end"]["dateTime"][:14]
                + f"{minute + 10:02d}:00+01:00"
            }
            google.put_event(PRIMARY, event)
        env.invalidate_all()
        before = google.http_count
        started = time.perf_counter()
        read = connection._google_pull()
        env.flush_all()
        timings.append(time.perf_counter() - started)
        calls.append(google.http_count - before)
        assert read == events, read
    moved = env["calendar.event"].search_count(
        [("calendoc_google_calendar_id", "in", connection.calendar_ids.ids)]
    )
    assert moved == events, moved
    return timings, calls


def bench_push(env, google, connection, apt_type, requester, appointments, size):
    env["ir.config_parameter"].set_param("calendoc_google.batch_size", str(size))
    Event = env["calendar.event"]
    if "calendoc.pack" in env:
        # calendoc_packs charges each booking: give the account its credits
        template = env["product.template"].create(
            {
                "name": "BENCH Google pack",
                "is_calendoc_pack": True,
                "calendoc_offer": "avantage",
                "calendoc_credit_ids": env["calendoc.credit.kind"]._credit_commands(
                    {"appointment": appointments}
                ),
            }
        )
        env["calendoc.pack"]._create_pack(
            connection.practitioner_id.account_id, template, 1, "bench-google"
        )
    first = datetime.combine(date.today() + timedelta(days=30), datetime.min.time())
    Event.create(
        [
            {
                "calendoc_practitioner_id": connection.practitioner_id.id,
                "calendoc_type_id": apt_type.id,
                "calendoc_requester_id": requester.id,
                "start": first + timedelta(minutes=30 * n),
            }
            for n in range(appointments)
        ]
    )
    env.flush_all()
    # a cron run starting with a token refresh (no access token kept)
    google.expire_access_tokens()
    connection.sudo().access_token = False
    before = google.http_count
    started = time.perf_counter()
    stats = env["calendoc.google.push"]._process_queue()
    env.flush_all()
    elapsed = time.perf_counter() - started
    calls = google.http_count - before
    assert stats.get("done") == appointments, stats
    pushed = [e for e in google.live_events(PRIMARY) if e["id"].startswith("calendoc")]
    assert len(pushed) == appointments, len(pushed)
    return elapsed, calls


def main(argv=None):
    args = parse_args(argv)
    google = load_fake_google()().start()
    try:
        with odoo_env(args.config, args.db) as env:
            connection, apt_type, requester = setup(env, google)
            timings, calls = bench_pull(
                env, google, connection, args.events, args.iterations
            )
            push_s, push_calls = bench_push(
                env,
                google,
                connection,
                apt_type,
                requester,
                args.appointments,
                args.batch_size,
            )
    finally:
        google.stop()
    pull_ms = statistics.median(timings) * 1000
    print(machine())
    print(
        "Incremental pull of %d changed events: median %.0f ms over %d runs "
        "(%s ms), %s HTTP calls per pull (events.list, maxResults 2500)"
        % (
            args.events,
            pull_ms,
            len(timings),
            ", ".join("%.0f" % (t * 1000) for t in timings),
            "/".join(str(c) for c in calls),
        )
    )
    print(
        "Push of %d appointments: %.1f s (%.1f ms each), %d HTTP requests "
        "(1 token refresh + batches of %d inserts)"
        % (
            args.appointments,
            push_s,
            push_s * 1000 / args.appointments,
            push_calls,
            args.batch_size,
        )
    )
    write_json(
        args.json,
        "bench_google",
        args.db,
        [
            {"label": "pull %d changed events" % args.events, "ms": pull_ms},
            {"label": "push %d appointments" % args.appointments, "ms": push_s * 1000},
        ],
        pull_calls=calls,
        push_calls=push_calls,
    )


if __name__ == "__main__":
    main()
