"""Load run of the telephony: SIPp places calls at a steady rate through the
bridge to a real Odoo server, with one forced cut of the bridge's link to Odoo.

    python3 bench/bench_voip_sipp.py --config .run/odoo.conf --db calendoc_voip_load \
        --rate 20 --duration 300 --cut-at 60 --cut-for 5

The database is WRITTEN (a client account "BENCH VoIP", its practice line, a
secretary on duty, the calls of the run): give it a copy made for the purpose
(createdb -T calendoc_test calendoc_voip_load), never a database in use.

What runs, all on loopback: an Odoo server (``--workers``) on free ports; a TCP
relay between the bridge and Odoo, which refuses every connection for
``--cut-for`` seconds at ``--cut-at`` (the forced disconnect; no relay with
``--cut-for 0``); the bridge; a
SIPp phone answering every call (auto-answer checked); a SIPp trunk placing
``--rate`` calls a second for ``--duration`` seconds, each answered, one
second of talk, hung up by the caller. Calls that ring while the link is cut
are told 503 by the bridge and recorded (missed) once the link is back.

Figures: calls placed, answered and failed at SIP level, time from INVITE to
200 OK, time from INVITE to the popup two ways (the bridge's: INVITE received to
Odoo's answer to "ringing", which Odoo sends after committing and notifying the
popup; and the bus's: INVITE received to the popup's NOTIFY heard by a listener
of the bus, for calls that do not overlap),
calls recorded by Odoo, missing and duplicate records, events by type.
"""

import argparse
import bisect
import csv
import glob
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ADDON = os.path.join(HERE, "..", "addons", "calendoc_voip")
sys.path.insert(0, os.path.join(ADDON, "tests"))
sys.path.insert(0, os.path.join(ADDON, "bridge"))
import signing  # noqa: E402
from sip_harness import SCENARIOS, Relay, free_port  # noqa: E402

REFUSED = {"calendoc_bench", "calendoc_test", "calendoc_demo", "calendoc_dev"}
SECRET = "bench-voip-secret-" + os.urandom(8).hex()
LINE = "+33299999901"
CALLER = "0612340000"
# Call ids of the calls that warm Odoo's workers up (not counted).
WARM_UP = "warm-up-"


def setup(config, db, phone_port):
    """The account, line, secretary and duty of the run (committed)."""
    import odoo
    from odoo import Command
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config, "-d", db, "--log-level=warn"])
    with Registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        env["ir.config_parameter"].set_param("calendoc_voip.secret", SECRET)
        Partner = env["res.partner"]
        account = Partner.search([("name", "=", "BENCH VoIP")], limit=1)
        if not account:
            account = Partner.create(
                {"name": "BENCH VoIP", "is_company": True, "is_calendoc_client": True}
            )
        practice = env["calendoc.practice"].search(
            [("account_id", "=", account.id)], limit=1
        ) or env["calendoc.practice"].create(
            {"name": "BENCH VoIP cabinet", "account_id": account.id}
        )
        line = env["calendoc.practice.line"].search([("number", "=", LINE)])
        line.unlink()
        env["calendoc.practice.line"].create(
            {"practice_id": practice.id, "number": LINE}
        )
        if not Partner.search([("calendoc_mobile_e164", "=", "+33612340000")]):
            Partner.create(
                {
                    "is_calendoc_requester": True,
                    "calendoc_account_id": account.id,
                    "calendoc_last_name": "BENCH",
                    "calendoc_first_name": "Appelant",
                    "mobile": CALLER,
                }
            )
        user = env["res.users"].search([("login", "=", "bench_voip_secretary")])
        if not user:
            user = env["res.users"].create(
                {
                    "name": "BENCH secrétaire VoIP",
                    "login": "bench_voip_secretary",
                    "groups_id": [
                        Command.link(
                            env.ref("calendoc_agenda.group_calendoc_secretary").id
                        )
                    ],
                }
            )
        account.calendoc_secretary_ids = [Command.link(user.id)]
        env["calendoc.sip.endpoint"].search(
            ["|", ("user_id", "=", user.id), ("extension", "=", "901")]
        ).unlink()
        env["calendoc.sip.endpoint"].create(
            {
                "user_id": user.id,
                "extension": "901",
                "contact_uri": f"127.0.0.1:{phone_port}",
            }
        )
        env["calendoc.duty"].search([("user_id", "=", user.id)]).unlink()
        env["calendoc.duty"].create(
            {
                "user_id": user.id,
                "practice_ids": [Command.set(practice.ids)],
                "days": "all",
                "hour_from": 0,
                "hour_to": 24,
            }
        )
        cr.commit()
        cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        return cr.fetchone()[0]


def warm_up(http_port, seconds, clients=8):
    """Calls posted to Odoo as the bridge would ("ringing" then "ended"), from
    ``clients`` threads for ``seconds``, so that every worker has taken a few
    before the run: a worker's first requests fill its caches (hundreds of
    ms), which a server that has been up for a while has long done. Their
    records are left out of the figures (call ids starting with WARM_UP)."""
    url = f"http://127.0.0.1:{http_port}/calendoc_voip/event"
    tag = os.urandom(4).hex()
    stop_at = time.monotonic() + seconds

    def client(number):
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            for kind in ("ringing", "ended"):
                body = json.dumps(
                    {
                        "event": kind,
                        "call_id": f"{WARM_UP}{tag}-{number}-{n}",
                        "time": time.time(),
                        "from": CALLER,
                        "to": LINE,
                    }
                ).encode()
                request = urllib.request.Request(
                    url, data=body, headers=signing.signed_headers(SECRET, body)
                )
                with urllib.request.urlopen(request, timeout=30) as answer:
                    answer.read()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class BusListener(threading.Thread):
    """LISTENs to the bus's wake-ups (``NOTIFY imbus`` on the ``postgres``
    database, what Odoo's bus dispatcher listens to) and notes when each one
    for the bench secretary's channel arrives: the moment the popup is sent."""

    def __init__(self, db):
        super().__init__(daemon=True)
        import psycopg2

        from odoo import sql_db

        _dbname, info = sql_db.connection_info_for("postgres")
        self.connection = psycopg2.connect(**info)
        self.connection.autocommit = True
        with self.connection.cursor() as cr:
            cr.execute("LISTEN imbus")
        with sql_db.db_connect(db).cursor() as cr:
            cr.execute(
                "SELECT partner_id FROM res_users WHERE login = %s",
                ["bench_voip_secretary"],
            )
            self.channel = [db, "res.partner", cr.fetchone()[0]]
        self.times = []
        self.running = True

    def run(self):
        import select

        while self.running:
            if select.select([self.connection], [], [], 0.2)[0]:
                self.connection.poll()
                now = time.time()
                while self.connection.notifies:
                    channels = json.loads(self.connection.notifies.pop(0).payload)
                    if self.channel in channels:
                        self.times.append(now)

    def stop(self):
        self.running = False
        self.join(5)
        self.connection.close()


def invite_to_popup(db, since, notified):
    """ms from each call's INVITE (the time of its "ringing" event: when the
    bridge received the INVITE) to its popup notification. Each recorded
    "ringing" notifies the bench secretary once; a notification is known to
    be call m's when every earlier call had notified before m's INVITE (the
    m notifications before it are theirs): the first one after m's INVITE,
    if it comes before the next INVITE. Calls that overlap are left out."""
    from odoo.sql_db import db_connect

    with db_connect(db).cursor() as cr:
        cr.execute(
            """
            SELECT (e.payload->>'time')::float FROM calendoc_call_event e
              JOIN calendoc_call c ON c.id = e.call_id
             WHERE c.called_number = %s AND c.create_date >= %s
               AND c.sip_call_id NOT LIKE %s AND e.kind = 'ringing'
             ORDER BY 1
            """,
            [LINE, since, WARM_UP + "%"],
        )
        invites = [row[0] for row in cr.fetchall()]
    notified = sorted(notified)
    times = []
    for m, invite in enumerate(invites):
        first = bisect.bisect_left(notified, invite)
        following = invites[m + 1] if m + 1 < len(invites) else math.inf
        if first == m and first < len(notified) and notified[first] < following:
            times.append((notified[first] - invite) * 1000)
    return times


def count(db, since):
    """What Odoo recorded of the run (the configuration is parsed by setup)."""
    from odoo.sql_db import db_connect

    with db_connect(db).cursor() as cr:
        cr.execute(
            """
            SELECT count(*), count(DISTINCT sip_call_id),
                   count(*) FILTER (WHERE outcome = 'answered'),
                   count(*) FILTER (WHERE outcome = 'missed'),
                   count(*) FILTER (WHERE state <> 'done'),
                   avg(duration) FILTER (WHERE outcome = 'answered')
              FROM calendoc_call
             WHERE called_number = %s AND create_date >= %s
               AND sip_call_id NOT LIKE %s
            """,
            [LINE, since, WARM_UP + "%"],
        )
        calls = cr.fetchone()
        cr.execute(
            """
            SELECT e.kind, count(*) FROM calendoc_call_event e
              JOIN calendoc_call c ON c.id = e.call_id
             WHERE c.called_number = %s AND c.create_date >= %s
               AND c.sip_call_id NOT LIKE %s
             GROUP BY e.kind
            """,
            [LINE, since, WARM_UP + "%"],
        )
        events = dict(cr.fetchall())
        cr.execute(
            """
            SELECT count(*) FROM (
                SELECT e.sip_call_id, e.kind FROM calendoc_call_event e
                  JOIN calendoc_call c ON c.id = e.call_id
                 WHERE c.called_number = %s AND c.create_date >= %s
                   AND c.sip_call_id NOT LIKE %s
                 GROUP BY 1, 2 HAVING count(*) > 1) d
            """,
            [LINE, since, WARM_UP + "%"],
        )
        duplicates = cr.fetchone()[0]
        return calls, events, duplicates


def odoo_bin():
    """odoo-bin (not ``-m odoo``: the prefork server starts its gevent worker
    again from sys.argv[0])."""
    import odoo

    path = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
    if not os.path.exists(path):
        raise SystemExit("odoo-bin not found next to the odoo package")
    return path


def odoo_command(config, db, workers, http_port):
    """An Odoo server with ``workers`` on ``http_port``, serving ``db`` with
    ``-d`` alone: no --db-filter, so Odoo does not list the databases at each
    event of the bridge (CONFIGURE.md)."""
    return [
        sys.executable,
        odoo_bin(),
        "-c",
        os.path.abspath(config),
        "-d",
        db,
        "--http-port",
        str(http_port),
        "--gevent-port",
        str(free_port(socket.SOCK_STREAM)),
        "--workers",
        str(workers),
        "--max-cron-threads",
        "0",
        "--limit-time-real",
        "600",
        "--log-level",
        "warn",
    ]


def wait_http(url, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return json.loads(answer.read() or b"{}")
        except (OSError, ValueError):
            time.sleep(0.5)
    raise SystemExit(f"{url} does not answer")


def sipp_stats(workdir):
    """The last row of SIPp's -trace_stat CSV as a dict."""
    files = glob.glob(os.path.join(workdir, "trunk_call_*_.csv"))
    if not files:
        return {}
    with open(files[0], encoding="utf-8", errors="replace") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return dict(zip(rows[0], rows[-1], strict=False))


def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def invite_to_answer(workdir):
    """Each call's INVITE-to-200 OK time in ms, from SIPp's -trace_rtt file
    (rows "date_ms;response_time_ms;rtd_no")."""
    times = []
    for path in glob.glob(os.path.join(workdir, "trunk_call*_rtt.csv")):
        with open(path, encoding="utf-8") as handle:
            for row in csv.reader(handle, delimiter=";"):
                try:
                    times.append(float(row[1]))
                except (IndexError, ValueError):
                    continue  # the header
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--duration", type=int, default=300)
    parser.add_argument("--cut-at", type=float, default=60)
    parser.add_argument("--cut-for", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--warm-up",
        type=float,
        default=5,
        help="seconds of calls posted to Odoo before the run (0: none)",
    )
    args = parser.parse_args(argv)
    if args.db in REFUSED:
        raise SystemExit(f"{args.db} is not a database for a load run")
    total = int(args.rate * args.duration)
    workdir = tempfile.mkdtemp(prefix="calendoc-load-")
    phone_port, trunk_port, sip_port = free_port(), free_port(), free_port()
    http_port = free_port(socket.SOCK_STREAM)
    bridge_http = free_port(socket.SOCK_STREAM)
    since = setup(args.config, args.db, phone_port)
    processes = []

    def start(cmd, name, **kwargs):
        log = open(os.path.join(workdir, name + ".log"), "w")  # noqa: SIM115
        process = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, **kwargs
        )
        processes.append(process)
        return process

    try:
        start(
            odoo_command(args.config, args.db, args.workers, http_port),
            "odoo",
        )
        wait_http(f"http://127.0.0.1:{http_port}/web/health")
        if args.warm_up > 0:
            warm_up(http_port, args.warm_up)
        # the relay that cuts the link is in the way only for a run with a cut:
        # without one, the bridge talks to Odoo directly (as in production)
        if args.cut_for > 0:
            relay = Relay(http_port)
            relay.start()
            odoo_port = relay.port
        else:
            odoo_port = http_port
        start(
            [
                sys.executable,
                os.path.join(ADDON, "bridge"),
                "--sip",
                f"127.0.0.1:{sip_port}",
                "--http",
                f"127.0.0.1:{bridge_http}",
                "--odoo-url",
                f"http://127.0.0.1:{odoo_port}",
                "--trunk",
                f"127.0.0.1:{trunk_port}",
                "--state-file",
                os.path.join(workdir, "bridge-state.json"),
                "--retry-delay",
                "0.5",
                "--log-level",
                "WARNING",
            ],
            "bridge",
            env=dict(os.environ, CALENDOC_VOIP_SECRET=SECRET),
        )
        wait_http(f"http://127.0.0.1:{bridge_http}/health")

        def scenario(name, **values):
            with open(os.path.join(SCENARIOS, name), encoding="utf-8") as handle:
                text = handle.read()
            for key, value in values.items():
                text = text.replace("{{%s}}" % key, value)
            path = os.path.join(workdir, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            return path

        common = [
            "-i",
            "127.0.0.1",
            "-nostdin",
            "-trace_stat",
            "-fd",
            "5",
            "-trace_err",
        ]
        # every call's INVITE-to-200 OK time (the trunk's rtd), for percentiles
        rtt = ["-trace_rtt", "-rtt_freq", "1"]
        start(
            [
                "sipp",
                "-sf",
                scenario("phone_answer.xml", caller=CALLER),
                "-p",
                str(phone_port),
                "-mp",
                str(free_port()),
                "-timeout",
                f"{args.duration + 120}s",
                *common,
            ],
            "phone",
        )
        time.sleep(0.5)
        print(
            "load run on %s: %d calls at %g/s for %d s, link to Odoo cut at %g s "
            "for %g s; Odoo with %d workers"
            % (
                args.db,
                total,
                args.rate,
                args.duration,
                args.cut_at,
                args.cut_for,
                args.workers,
            ),
            flush=True,
        )
        listener = BusListener(args.db)
        listener.start()
        started = time.monotonic()
        trunk = start(
            [
                "sipp",
                "-sf",
                scenario("trunk_call.xml", caller=CALLER, called=LINE),
                f"127.0.0.1:{sip_port}",
                "-p",
                str(trunk_port),
                "-mp",
                str(free_port()),
                "-r",
                str(args.rate),
                "-m",
                str(total),
                "-timeout",
                f"{args.duration + 120}s",
                *common,
                *rtt,
            ],
            "trunk",
        )
        if args.cut_for > 0:
            time.sleep(max(0, args.cut_at - (time.monotonic() - started)))
            relay.cut = True
            print(
                "  link to Odoo cut at %.1f s" % (time.monotonic() - started),
                flush=True,
            )
            time.sleep(args.cut_for)
            relay.cut = False
            print(
                "  link back at %.1f s (%d connections refused)"
                % (time.monotonic() - started, relay.refused),
                flush=True,
            )
        trunk.wait(args.duration + 180)
        elapsed = time.monotonic() - started
        listener.stop()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            health = wait_http(f"http://127.0.0.1:{bridge_http}/health")
            if not health.get("outbox") and not health.get("calls"):
                break
            time.sleep(1)
        print("  bridge: %s" % json.dumps(health), flush=True)
        stats = sipp_stats(workdir)
        times = invite_to_answer(workdir)
        if times:
            print(
                "  INVITE to 200 OK per call (ms, SIPp): p50 %.0f, p95 %.0f, max %.0f "
                "over %d calls; the bridge rings the phone once Odoo answered the "
                "'ringing' event, which sent the popup on the bus first"
                % (
                    percentile(times, 0.50),
                    percentile(times, 0.95),
                    max(times),
                    len(times),
                ),
                flush=True,
            )
        ringing = health.get("ringing_ms")
        if ringing:
            print(
                "  INVITE to popup (ms, bridge: INVITE received to Odoo's answer to "
                "'ringing', sent once the popup is committed and notified on the "
                "bus): p50 %s, p95 %s, max %s over %s calls"
                % (ringing["p50"], ringing["p95"], ringing["max"], ringing["calls"]),
                flush=True,
            )
        popups = invite_to_popup(args.db, since, listener.times)
        if popups:
            print(
                "  INVITE to popup notified on the bus (ms, LISTEN imbus, calls that "
                "did not overlap): p50 %.1f, p95 %.1f, max %.1f over %d calls"
                % (
                    percentile(popups, 0.5),
                    percentile(popups, 0.95),
                    max(popups),
                    len(popups),
                ),
                flush=True,
            )
        calls, events, duplicates = count(args.db, since)
        created = int(stats.get("TotalCallCreated", total) or total)
        print(
            "  SIP: %s calls placed in %.0f s, %s answered, %s failed (503 while "
            "cut expected); INVITE to 200 OK: %s"
            % (
                created,
                elapsed,
                stats.get("SuccessfulCall(C)", "?"),
                stats.get("FailedCall(C)", "?"),
                stats.get("ResponseTime1(C)", "?"),
            )
        )
        print(
            "  Odoo: %d calls recorded (%d distinct), %d answered, %d missed, "
            "%d not ended, average duration %.1f s; events %s"
            % (
                calls[0],
                calls[1],
                calls[2],
                calls[3],
                calls[4],
                float(calls[5] or 0),
                json.dumps(events, sort_keys=True),
            )
        )
        print(
            "  missing records: %d, duplicate records: %d, duplicate events: %d"
            % (max(0, created - calls[1]), calls[0] - calls[1], duplicates)
        )
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
        if os.environ.get("KEEP"):
            print("logs in", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
