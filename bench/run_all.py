"""Run every CalenDoc benchmark in turn on an existing bench database, then
print their figures as a Markdown table (for bench/README.md).

    python3 bench/run_all.py --config .run/odoo.conf --db calendoc_bench

Each benchmark runs in a process of its own, so that none inherits the caches
of another.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = [
    "bench_slots.py",
    "bench_agenda.py",
    "bench_board.py",
    "bench_voip.py",
    "bench_portal.py",
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="odoo.conf")
    parser.add_argument("--db", default="calendoc_bench", help="bench database")
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    failed = []
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as results_file:
        for script in BENCHMARKS:
            print("=== %s" % script, flush=True)
            started = time.monotonic()
            done = subprocess.run(
                [
                    sys.executable,
                    os.path.join(HERE, script),
                    "--config",
                    args.config,
                    "--db",
                    args.db,
                    "--iterations",
                    str(args.iterations),
                    "--warmup",
                    str(args.warmup),
                    "--json",
                    results_file.name,
                ]
            )
            print("=== %s: %.0f s\n" % (script, time.monotonic() - started))
            if done.returncode:
                failed.append(script)
        reports = [json.loads(line) for line in results_file if line.strip()]
    if reports:
        print("Machine: %s; database %s" % (reports[0]["machine"], args.db))
        print()
        print("| Benchmark | p50 ms | p95 ms | SQL p50 ms | queries | target p95 | |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for report in reports:
            for row in report["results"]:
                print(
                    "| %s%s | %.1f | %.1f | %.1f | %s | < %d ms | %s |"
                    % (
                        row["label"],
                        " (%s)" % row["note"] if row["note"] else "",
                        row["p50_ms"],
                        row["p95_ms"],
                        row["sql_p50_ms"],
                        row["queries"],
                        row["target_p95_ms"],
                        "ok" if row["ok"] else "**over**",
                    )
                )
    if failed:
        sys.exit("failed: %s" % ", ".join(failed))


if __name__ == "__main__":
    main()
