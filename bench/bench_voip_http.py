"""Odoo's side of a call, through its whole HTTP stack: the signed events the
bridge posts for one incoming call ("ringing", "answered", "ended").

    python3 bench/bench_voip_http.py --config .run/odoo.conf --db calendoc_voip_load \
        [--calls 200] [--server --workers 3 --clients 8]

The database is WRITTEN (the "BENCH VoIP" account, line, secretary and duty of
bench_voip_sipp.py, and the calls of the run): give it a copy made for the
purpose (createdb -T calendoc_test calendoc_voip_load).

1. In process: the events go through ``odoo.http.root`` (routing, signature and
   nonce, the event, the popup on the bus, commit) one after the other, without
   the network nor the SIP side. Prints p50/p95 of each event type, the queries,
   and the Odoo time of a whole call: the calls per second one Odoo process can
   take at most (1000 / ms per call).
2. With ``--server``: an Odoo with ``--workers`` on free ports (``-d`` alone, no
   ``--db-filter``), ``--clients`` threads each playing calls back to back over
   HTTP as the bridge does (ringing, then answered, then ended): the calls per
   second Odoo sustains and the ringing round trip under that load.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ADDON = os.path.join(HERE, "..", "addons", "calendoc_voip")
sys.path.insert(0, os.path.join(ADDON, "bridge"))
sys.path.insert(0, os.path.join(ADDON, "tests"))
import signing  # noqa: E402
from bench_voip_sipp import (  # noqa: E402
    CALLER,
    LINE,
    REFUSED,
    SECRET,
    odoo_command,
    setup,
    wait_http,
)
from benchlib import percentile  # noqa: E402
from sip_harness import free_port  # noqa: E402

EVENTS = ("ringing", "answered", "ended")


def event_body(kind, call_id):
    payload = {
        "event": kind,
        "call_id": call_id,
        "time": time.time(),
        "from": CALLER,
        "to": LINE,
    }
    if kind == "answered":
        payload["extension"] = "901"
    if kind == "ended":
        payload["reason"] = "hangup"
    return json.dumps(payload).encode()


def headers_for(body):
    headers = signing.signed_headers(SECRET, body)
    # the bridge's language: French first (Odoo reads the company's language
    # otherwise, on every request without a session)
    headers["Accept-Language"] = "fr-FR"
    return headers


def line(label, values, extra=""):
    print(
        "  %-34s p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms%s"
        % (
            label,
            percentile(values, 0.5),
            percentile(values, 0.95),
            max(values),
            extra,
        ),
        flush=True,
    )


def in_process(args):
    from werkzeug.test import Client

    import odoo

    client = Client(odoo.http.root)
    tag = os.urandom(4).hex()
    times = {kind: [] for kind in EVENTS}
    queries = {kind: [] for kind in EVENTS}
    warmup = 10
    for n in range(warmup + args.calls):
        for kind in EVENTS:
            body = event_body(kind, f"bench-http-{tag}-{n}")
            thread = threading.current_thread()
            thread.query_count = 0
            started = time.perf_counter()
            response = client.post(
                "/calendoc_voip/event",
                data=body,
                headers=dict(headers_for(body), Host="localhost"),
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{kind}: HTTP {response.status_code}")
            if n >= warmup:
                times[kind].append(elapsed)
                queries[kind].append(getattr(thread, "query_count", 0))
    print(
        "in process (odoo.http.root, %d calls one after the other):" % args.calls,
        flush=True,
    )
    for kind in EVENTS:
        line(
            f'"{kind}" event, HTTP stack',
            times[kind],
            "  %d queries" % max(queries[kind]),
        )
    per_call = [sum(times[kind][i] for kind in EVENTS) for i in range(args.calls)]
    line("whole call (3 events)", per_call)
    print(
        "  one Odoo process takes at most %.1f calls/s (1000 / mean ms per call)"
        % (1000 * len(per_call) / sum(per_call)),
        flush=True,
    )


def with_server(args):
    http_port = free_port(socket.SOCK_STREAM)
    log = open(os.path.join("/tmp", f"bench-voip-http-{http_port}.log"), "w")  # noqa: SIM115
    server = subprocess.Popen(
        odoo_command(args.config, args.db, args.workers, http_port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{http_port}/calendoc_voip/event"
    try:
        wait_http(f"http://127.0.0.1:{http_port}/web/health")
        tag = os.urandom(4).hex()
        ringing, errors = [], []
        done = [0]
        lock = threading.Lock()
        stop_at = [None]

        def post(body):
            request = urllib.request.Request(url, data=body, headers=headers_for(body))
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status

        def client(number):
            n = 0
            while time.monotonic() < stop_at[0]:
                call_id = f"bench-srv-{tag}-{number}-{n}"
                n += 1
                try:
                    for kind in EVENTS:
                        started = time.perf_counter()
                        post(event_body(kind, call_id))
                        if kind == "ringing":
                            with lock:
                                ringing.append((time.perf_counter() - started) * 1000)
                except OSError as error:
                    with lock:
                        errors.append(str(error))
                    continue
                with lock:
                    done[0] += 1

        # warm every worker up, then the measured run
        stop_at[0] = time.monotonic() + 5
        warm = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        ringing.clear()
        errors.clear()
        done[0] = 0
        started = time.monotonic()
        stop_at[0] = started + args.duration
        threads = [
            threading.Thread(target=client, args=(100 + i,))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        print(
            "Odoo server, %d workers, %d concurrent bridge clients, %d s:"
            % (args.workers, args.clients, args.duration),
            flush=True,
        )
        print(
            "  %d calls (3 events each) in %.1f s: %.1f calls/s sustained, "
            "%d errors" % (done[0], elapsed, done[0] / elapsed, len(errors)),
            flush=True,
        )
        if ringing:
            line('"ringing" round trip under load', ringing)
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=int, default=30)
    args = parser.parse_args(argv)
    if args.db in REFUSED:
        raise SystemExit(f"{args.db} is not a database for a load run")
    setup(args.config, args.db, free_port())
    print(
        "%s, load average %s" % (args.db, " ".join(map(str, os.getloadavg()))),
        flush=True,
    )
    in_process(args)
    if args.server:
        with_server(args)


if __name__ == "__main__":
    main()
