"""Benchmarks of the public online booking pages (calendoc_portal).

    python3 bench/bench_portal.py --config .run/odoo.conf --db calendoc_bench
    python3 bench/bench_portal.py --config .run/odoo.conf --db calendoc_bench \\
        --race --clients 64 --requests 10000

1. Slot page: server time of ``/rdv/<practice>`` (one week of free slots, any
   practitioner, then one) for a practice of 10 practitioners, through Odoo's
   whole WSGI stack in-process (routing, session, slot engine, QWeb), without
   the network. Target p95 < 150 ms.
2. ``--race``: an Odoo with ``--workers`` on a free port; ``--clients``
   concurrent visitors send ``--requests`` booking requests for 10 hot slots.
   Counted: bookings made (exactly 10 expected), double bookings (0), HTTP
   5xx (0), answers per status, throughput.

The benchmark creates (once, committed) its own client account "BENCH PORTAL",
a practice with the link name ``bench-portal`` and 10 practitioners; the race
cancels its bookings afterwards so that it can run again. The rate limits are
lifted for the race (every request comes from 127.0.0.1) and restored after.
"""

import argparse
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from benchlib import odoo_env, parse_common, summary, write_json

NAME = "BENCH PORTAL"
SLUG = "bench-portal"
PRACTITIONERS = 10
TARGET_MS = 150
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def ensure_data(env):
    """The bench practice, created and committed on first use."""
    from odoo import Command

    practice = env["calendoc.practice"].search([("online_slug", "=", SLUG)])
    if practice:
        return practice, practice.appointment_type_ids[:1]
    env = env(context=dict(env.context, tracking_disable=True))
    account = env["res.partner"].create(
        {"name": NAME, "is_company": True, "is_calendoc_client": True}
    )
    calendar = env["resource.calendar"].create(
        {
            "name": NAME,
            "tz": "Europe/Paris",
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": f"{NAME} {day} {start}",
                        "dayofweek": str(day),
                        "hour_from": start,
                        "hour_to": stop,
                        "day_period": "morning" if start < 12 else "afternoon",
                    }
                )
                for day in range(6)
                for start, stop in ((8.0, 12.5), (13.5, 19.0))
            ],
        }
    )
    practice = env["calendoc.practice"].create(
        {
            "name": NAME,
            "account_id": account.id,
            "online_booking": True,
            "online_slug": SLUG,
            "sms_enabled": False,
        }
    )
    doctors = env["calendoc.practitioner"].create(
        [
            {"name": f"{NAME} Dr {n}", "account_id": account.id}
            for n in range(PRACTITIONERS)
        ]
    )
    env["calendoc.schedule"].create(
        [
            {
                "practitioner_id": doctor.id,
                "practice_id": practice.id,
                "calendar_id": calendar.id,
            }
            for doctor in doctors
        ]
    )
    apt_type = env["calendoc.appointment.type"].create(
        {
            "name": "Consultation",
            "practice_id": practice.id,
            "duration_minutes": 15,
            "min_notice_hours": 0,
            "max_horizon_days": 60,
            "online_bookable": True,
            "practitioner_ids": [Command.set(doctors.ids)],
        }
    )
    pack = env["product.template"].create(
        {
            "name": f"{NAME} pack",
            "type": "service",
            "is_calendoc_pack": True,
            "calendoc_offer": "premium",
            "calendoc_credit_ids": env["calendoc.credit.kind"]._credit_commands(
                {"combined": 1000000}
            ),
            "sale_ok": False,
        }
    )
    env["calendoc.pack"]._create_pack(account, pack, 1, key_prefix=f"bench:{SLUG}")
    # a realistic agenda: every third slot of the next four weeks is taken
    now = datetime.utcnow().replace(second=0, microsecond=0)
    slots = env["calendoc.slot.engine"]._find_slots(
        apt_type, now + timedelta(hours=1), now + timedelta(weeks=4)
    )
    requester = env["res.partner"].create(
        {
            "is_calendoc_requester": True,
            "calendoc_account_id": account.id,
            "calendoc_last_name": "Bench",
            "calendoc_first_name": "Patient",
        }
    )
    env["calendar.event"].create(
        [
            {
                "calendoc_practitioner_id": slot["practitioner_id"],
                "calendoc_type_id": apt_type.id,
                "calendoc_requester_id": requester.id,
                "start": slot["start"],
            }
            for slot in slots[::3]
        ]
    )
    env.cr.commit()
    return practice, apt_type


def bench_slot_page(args, practice, apt_type):
    from werkzeug.test import Client

    import odoo

    client = Client(odoo.http.root)
    doctor = apt_type.practitioner_ids.sorted("id")[:1]
    results = []
    env = apt_type.env
    env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
    since = env.cr.fetchone()[0]
    for label, query in (
        (
            f"slot page, any of {PRACTITIONERS} practitioners, 1 week",
            f"type_id={apt_type.id}&week=1",
        ),
        (
            "slot page, 1 practitioner, 1 week",
            f"type_id={apt_type.id}&practitioner_id={doctor.id}&week=1",
        ),
    ):
        url = f"/rdv/{SLUG}?{query}"
        timings, counts, sql_ms = [], [], []
        slots = 0
        for run in range(args.warmup + args.iterations):
            thread = threading.current_thread()
            started = time.perf_counter()
            response = client.get(url, headers={"Host": "localhost"})
            elapsed = (time.perf_counter() - started) * 1000
            body = response.get_data(as_text=True)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            if run >= args.warmup:
                timings.append(elapsed)
                counts.append(getattr(thread, "query_count", 0))
                sql_ms.append(getattr(thread, "query_time", 0.0) * 1000)
                slots = body.count("o_calendoc_slot")
        results.append(
            summary(label, timings, counts, sql_ms, TARGET_MS, f"{slots} slots shown")
        )
    # the page views are counted per address (rate limit): forget the bench's
    # (a new snapshot first: the hits were committed by other transactions)
    env.cr.rollback()
    env.cr.execute("DELETE FROM calendoc_portal_throttle WHERE date >= %s", [since])
    env.cr.commit()
    return results


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_race(args, env, practice, apt_type):
    import requests

    now = datetime.utcnow().replace(second=0, microsecond=0)
    hot = env["calendoc.slot.engine"]._find_slots(
        apt_type, now + timedelta(days=7), now + timedelta(days=14), online=True
    )[:10]
    if len(hot) < 10:
        raise SystemExit("fewer than 10 free slots next week")
    params = env["ir.config_parameter"]
    saved = {
        key: params.get_param(f"calendoc_portal.{key}")
        for key in ("limit_ip", "limit_phone", "limit_ip_pages")
    }
    for key in saved:
        params.set_param(f"calendoc_portal.{key}", 10**9)
    practice.online_max_pending = 10**6
    env.cr.commit()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            args.config,
            "-d",
            args.db,
            "--db-filter",
            f"^{args.db}$",
            "--workers",
            str(args.workers),
            "--max-cron-threads",
            "0",
            "--http-port",
            str(port),
            "--gevent-port",
            str(free_port()),
            "--log-level",
            "warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    statuses = Counter()
    lock = threading.Lock()
    local = threading.local()
    try:
        for _attempt in range(120):
            try:
                if requests.get(f"{base}/web/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(1)

        def one(n):
            if not getattr(local, "csrf", None):
                # each client opens the booking form once: its session and
                # CSRF token (the page of a hot slot, free at first)
                local.session = requests.Session()
                local.csrf = ""
                for _retry in range(5):
                    try:
                        page = local.session.get(
                            f"{base}/rdv/{SLUG}?type_id={apt_type.id}&week=1",
                            timeout=120,
                        )
                        page = local.session.get(
                            f"{base}/rdv/{SLUG}/book?type_id={apt_type.id}"
                            f"&practitioner_id={hot[-1]['practitioner_id']}"
                            f"&start={hot[-1]['start'].isoformat()}",
                            timeout=120,
                        )
                    except requests.RequestException:
                        time.sleep(1)
                        continue
                    match = CSRF.search(page.text)
                    if match:
                        local.csrf = match.group(1)
                        break
            slot = hot[n % len(hot)]
            try:
                response = local.session.post(
                    f"{base}/rdv/{SLUG}/book",
                    data={
                        "csrf_token": local.csrf,
                        "type_id": apt_type.id,
                        "practitioner_id": slot["practitioner_id"],
                        "start": slot["start"].isoformat(),
                        "last_name": f"Race{n}",
                        "first_name": "Bench",
                        "birthdate": "1980-01-01",
                        "mobile": f"+3361{n:07d}"[:12],
                        "email": f"race{n}@example.com",
                        "accept_terms": "1",
                        "accept_sms": "1",
                    },
                    allow_redirects=False,
                    timeout=120,
                )
                status = response.status_code
            except requests.RequestException:
                status = "error"
            with lock:
                statuses[status] += 1

        env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        since = env.cr.fetchone()[0]
        env.cr.rollback()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            list(pool.map(one, range(args.requests)))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    env.cr.rollback()
    starts = [slot["start"] for slot in hot]
    env.cr.execute(
        """
        SELECT calendoc_practitioner_id, start, count(*) FROM calendar_event
         WHERE calendoc_practice_id = %s AND calendoc_source = 'online'
           AND calendoc_state <> 'cancelled' AND start = ANY(%s)
           AND create_date >= %s
         GROUP BY 1, 2
        """,
        [practice.id, starts, since],
    )
    rows = env.cr.fetchall()
    booked = sum(count for _p, _s, count in rows)
    doubles = sum(count - 1 for _p, _s, count in rows if count > 1)
    errors = sum(v for k, v in statuses.items() if k != "error" and int(k) >= 500)
    failures = statuses.get("error", 0)
    print(
        "race: %d clients, %d requests for 10 hot slots in %.1f s (%.0f req/s): "
        "%d bookings (expected 10), %d double bookings, %d HTTP 5xx, %d "
        "connection errors or timeouts; answers %s"
        % (
            args.clients,
            args.requests,
            elapsed,
            args.requests / elapsed,
            booked,
            doubles,
            errors,
            failures,
            dict(sorted(statuses.items(), key=str)),
        ),
        flush=True,
    )
    # leave the hot slots free for the next run, restore the limits
    env["calendar.event"].search(
        [
            ("calendoc_practice_id", "=", practice.id),
            ("calendoc_source", "=", "online"),
            ("calendoc_state", "!=", "cancelled"),
        ]
    ).write({"calendoc_state": "cancelled", "calendoc_cancel_reason": "bench"})
    for key, value in saved.items():
        params.set_param(f"calendoc_portal.{key}", value or False)
    # the race's requests must not throttle the next visitors of 127.0.0.1
    env.cr.execute("DELETE FROM calendoc_portal_throttle WHERE date >= %s", [since])
    env.cr.commit()
    return {
        "label": f"race {args.clients} clients x {args.requests} requests",
        "bookings": booked,
        "double_bookings": doubles,
        "http_5xx": errors,
        "connection_errors": failures,
        "req_per_s": round(args.requests / elapsed, 1),
        "ok": booked == 10 and not doubles and not errors,
    }


def main(argv=None):
    parser = parse_common(argparse.ArgumentParser(description=__doc__.split("\n")[0]))
    parser.add_argument("--race", action="store_true", help="run the booking race")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    with odoo_env(args.config, args.db) as env:
        practice, apt_type = ensure_data(env)
        print(
            "online booking on %s: practice %r, %d practitioners; %d runs after %d "
            "warm-up"
            % (
                args.db,
                practice.name,
                len(apt_type.practitioner_ids),
                args.iterations,
                args.warmup,
            ),
            flush=True,
        )
        results = bench_slot_page(args, practice, apt_type)
        extra = {}
        if args.race:
            extra["race"] = bench_race(args, env, practice, apt_type)
        write_json(args.json, "portal", args.db, results, **extra)


if __name__ == "__main__":
    main()
