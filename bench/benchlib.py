"""Helpers shared by the CalenDoc benchmarks: an Odoo environment in-process,
timing loops, percentiles, SQL capture and EXPLAIN summaries."""

import contextlib
import json
import math
import os
import platform
import re
import time

TAG = "BENCH"


def parse_common(parser):
    parser.add_argument("--config", required=True, help="odoo.conf")
    parser.add_argument("--db", required=True, help="bench database")
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="append the results to FILE")
    parser.add_argument(
        "--verbose", action="store_true", help="print every SQL query and full plans"
    )
    return parser


@contextlib.contextmanager
def odoo_env(config_path, db):
    """The superuser's environment on ``db``. Rolled back at the end: the
    benchmarks only read (users they need are created and committed apart)."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config_path, "-d", db, "--log-level=warn"])
    registry = Registry(db)
    with registry.cursor() as cr:
        try:
            yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        finally:
            cr.rollback()


def check_bench_data(env):
    """Stop with a clear message on a database without generated data."""
    env.cr.execute(
        "SELECT count(*) FROM res_partner WHERE is_calendoc_client AND name LIKE %s",
        [TAG + " %"],
    )
    if not env.cr.fetchone()[0]:
        raise SystemExit(
            "%s has no BENCH data: run bench/generate.py first" % env.cr.dbname
        )
    check_schema(env)


def schema_drift(env, prefixes=("calendoc", "calendar", "res.partner", "resource")):
    """Stored fields of the loaded code that the database lacks: the addons
    changed since the database was built (update it or generate it again)."""
    cr = env.cr
    missing = []
    for name, model in env.registry.items():
        if model._abstract or not model._auto or not name.startswith(prefixes):
            continue
        cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
            [model._table],
        )
        columns = {row[0] for row in cr.fetchall()}
        if not columns:
            missing.append(model._table)
            continue
        missing += [
            "%s.%s" % (model._table, field.name)
            for field in model._fields.values()
            if field.store and field.column_type and field.name not in columns
        ]
    return missing


def check_schema(env):
    missing = schema_drift(env)
    if missing:
        raise SystemExit(
            "%s is older than the addons (missing: %s). Rebuild the template "
            "(make test) and generate the bench database again, or run the "
            "benchmarks with the code the database was built from."
            % (env.cr.dbname, ", ".join(missing[:8]))
        )


def percentile(values, fraction):
    """Nearest-rank percentile (p95 of 30 runs is the 29th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@contextlib.contextmanager
def sql_timer(cr):
    """Add the time spent in ``cr.execute`` during the block to ``spent[0]`` (s):
    the rest of a run is Python (ORM, the engine's arithmetic)."""
    spent = [0.0]
    original = cr.execute

    def execute(query, params=None, log_exceptions=True):
        started = time.perf_counter()
        try:
            return original(query, params, log_exceptions)
        finally:
            spent[0] += time.perf_counter() - started

    cr.execute = execute
    try:
        yield spent
    finally:
        del cr.execute


def measure(env, call, iterations, warmup):
    """Run ``call()`` ``warmup`` + ``iterations`` times, emptying the ORM cache
    before each run (the registry's caches, warm in production, stay warm).
    Returns (ms per run, SQL queries per run, ms in SQL per run, last result)."""
    cr = env.cr
    timings, counts, sql_ms = [], [], []
    result = None
    for n in range(warmup + iterations):
        env.invalidate_all()
        queries = cr.sql_log_count
        with sql_timer(cr) as spent:
            started = time.perf_counter()
            result = call()
            elapsed = (time.perf_counter() - started) * 1000
        if n >= warmup:
            timings.append(elapsed)
            counts.append(cr.sql_log_count - queries)
            sql_ms.append(spent[0] * 1000)
    return timings, counts, sql_ms, result


def summary(label, timings, counts, sql_ms, target_ms, extra=""):
    """Print one result line; return it as a dict for --json."""
    p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
    sql_p50 = percentile(sql_ms, 0.5)
    verdict = "OK" if p95 < target_ms else "OVER TARGET"
    queries = (
        "%d" % counts[0]
        if min(counts) == max(counts)
        else "%d-%d"
        % (
            min(counts),
            max(counts),
        )
    )
    print(
        "%-44s p50 %7.1f ms (SQL %5.1f)  p95 %7.1f ms  max %7.1f ms  "
        "%s queries  target p95 < %d ms: %s%s"
        % (
            label,
            p50,
            sql_p50,
            p95,
            max(timings),
            queries,
            target_ms,
            verdict,
            "  (%s)" % extra if extra else "",
        ),
        flush=True,
    )
    return {
        "label": label,
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(timings), 1),
        "sql_p50_ms": round(sql_p50, 1),
        "queries": queries,
        "target_p95_ms": target_ms,
        "ok": p95 < target_ms,
        "runs": len(timings),
        "note": extra,
    }


@contextlib.contextmanager
def capture_sql(cr):
    """Record the SQL text of every query run on ``cr`` in the block."""
    queries = []
    original = cr.execute

    def execute(query, params=None, log_exceptions=True):
        queries.append(cr.mogrify(query, params).decode())
        return original(query, params, log_exceptions)

    cr.execute = execute
    try:
        yield queries
    finally:
        del cr.execute


def explain(cr, query, verbose=False):
    """Run EXPLAIN (ANALYZE, BUFFERS) on ``query``; return the summary lines:
    the scans and joins with their index, buffers and timings."""
    cr.execute("EXPLAIN (ANALYZE, BUFFERS) " + query)
    plan = [row[0] for row in cr.fetchall()]
    if verbose:
        return plan
    keep = re.compile(
        r"Scan|Join|Nested Loop|Sort |Hash |Limit|Buffers: shared|Execution Time|"
        r"Planning Time|Rows Removed"
    )
    lines = [plan[0]] + [line for line in plan[1:] if keep.search(line)]
    # Buffers of the root node and of each scan are enough to read the plan.
    return [line if len(line) < 160 else line[:157] + "..." for line in lines]


def print_explain(title, lines):
    print("  EXPLAIN (ANALYZE, BUFFERS) %s:" % title)
    for line in lines:
        print("    " + line)


def machine():
    return "%s, %d cores, Python %s" % (
        platform.platform(terse=True),
        os.cpu_count() or 0,
        platform.python_version(),
    )


def write_json(path, benchmark, db, results, **extra):
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "benchmark": benchmark,
                    "db": db,
                    "machine": machine(),
                    "results": results,
                    **extra,
                }
            )
            + "\n"
        )
