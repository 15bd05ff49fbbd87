"""Benchmark of the GDPR engine (calendoc_gdpr, issue 20): the erasure of one
requester with 200 appointments and 50 messages, the residue search over
every text column of the whole database, and the completeness check of the
catalogue (tests/test_gdpr_catalogue.py).

    createdb -T calendoc_test calendoc_bench_gdpr
    python3 bench/bench_gdpr.py --config .run/odoo.conf --db calendoc_bench_gdpr
    dropdb calendoc_bench_gdpr

Generates its own small data set with SQL into that throw-away database
(``--requesters`` requesters of one client account, ``--events`` past
appointments spread over them, the measured requester's 200 among them, and
his 50 messages), commits it once, then times each step in a transaction
rolled back. In-process, as the superuser. Targets of the issue, for the
lead's 1M appointments / 300k requesters database: erasure < 5 s, residue
search < 60 s, completeness < 30 s.
"""

import argparse
import os
import sys
import time

SHARED_DBS = {"calendoc_dev", "calendoc_test", "calendoc_demo"}
TARGETS = {"erasure": 5.0, "residue": 60.0, "completeness": 30.0}
LAST, FIRST = "Zorglubeau", "Philomène"
MOBILE, EMAIL = "0647586971", "philomene.zorglubeau@example.fr"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="odoo.conf")
    parser.add_argument("--db", required=True, help="a throw-away bench database")
    parser.add_argument("--requesters", type=int, default=5000)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--appointments", type=int, default=200)
    parser.add_argument("--messages", type=int, default=50)
    return parser.parse_args(argv)


def generate(env, args):
    """The data set, in SQL; returns the measured requester."""
    cr = env.cr
    account = env["res.partner"].create(
        {"name": "Cabinet bench RGPD", "is_company": True, "is_calendoc_client": True}
    )
    cr.execute(
        """
        INSERT INTO res_partner (name, calendoc_last_name, calendoc_first_name,
               is_calendoc_requester, calendoc_account_id, mobile,
               calendoc_mobile_e164, email, active, type, autopost_bills,
               create_date, write_date)
        SELECT 'BENCH' || n || ' Paul', 'Bench' || n, 'Paul', true, %s,
               '06' || lpad(n::text, 8, '0'), '+336' || lpad(n::text, 8, '0'),
               'bench' || n || '@example.fr', true, 'contact', 'ask',
               now(), now()
          FROM generate_series(1, %s) n
        """,
        [account.id, args.requesters - 1],
    )
    person = env["res.partner"].create(
        {
            "is_calendoc_requester": True,
            "calendoc_account_id": account.id,
            "calendoc_last_name": LAST,
            "calendoc_first_name": FIRST,
            "mobile": MOBILE,
            "email": EMAIL,
            "calendoc_birthdate": "1972-03-14",
        }
    )
    cr.execute(
        """
        INSERT INTO calendar_event (name, start, stop, show_as, privacy, active,
               calendoc_requester_id, calendoc_state, calendoc_remarks,
               create_date, write_date)
        SELECT 'Rendez-vous', ts, ts + interval '30 minutes', 'busy', 'private',
               true, r.id, 'done', NULL, now(), now()
          FROM generate_series(1, %s) n
          CROSS JOIN LATERAL (SELECT timestamp '2025-01-06 08:00'
                                     + (n %% 8000) * interval '30 minutes' AS ts) t
          JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                  FROM res_partner
                 WHERE is_calendoc_requester AND calendoc_account_id = %s) r
            ON r.k = n %% %s
        """,
        [args.events - args.appointments, account.id, args.requesters],
    )
    cr.execute(
        """
        INSERT INTO calendar_event (name, start, stop, show_as, privacy, active,
               calendoc_requester_id, calendoc_state, calendoc_remarks,
               create_date, write_date)
        SELECT 'Rendez-vous ' || %s, ts, ts + interval '30 minutes', 'busy',
               'private', true, %s, 'done', %s, now(), now()
          FROM generate_series(1, %s) n
          CROSS JOIN LATERAL (SELECT timestamp '2025-02-03 08:00'
                                     + n * interval '1 day' AS ts) t
        RETURNING id
        """,
        [f"{LAST} {FIRST}", person.id, f"{FIRST} {LAST}, {MOBILE}", args.appointments],
    )
    events = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO mail_message (model, res_id, body, message_type, author_id,
               date, create_date, write_date)
        SELECT 'calendar.event', e, %s, 'comment', %s, now(), now(), now()
          FROM unnest(%s::int[]) WITH ORDINALITY AS u(e, n)
         WHERE n <= %s
        """,
        [
            f"<p>{FIRST} {LAST} a rappelé ({MOBILE})</p>",
            env.user.partner_id.id,
            events,
            args.messages,
        ],
    )
    env.invalidate_all()
    cr.execute("ANALYZE res_partner; ANALYZE calendar_event; ANALYZE mail_message")
    return person


def timed(label, call, results):
    start = time.perf_counter()
    value = call()
    results[label] = time.perf_counter() - start
    return value


def main(argv=None):
    args = parse_args(argv)
    if args.db in SHARED_DBS:
        sys.exit(f"{args.db} is shared: run on a throw-away copy")
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.db, "--log-level=warn"]
    )
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        person = generate(env, args)
        cr.commit()
        person_id = person.id
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
    # the catalogue walk is the test's own; its module imports Odoo's test
    # framework, which wants to know it is welcome
    odoo.tools.config["test_enable"] = True
    from test_gdpr_catalogue import Catalogue  # noqa: PLC0415

    results = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        person = env["res.partner"].browse(person_id)
        Journal = env["calendoc.gdpr.erasure"]
        terms = Journal._calendoc_residue_terms(
            names=[LAST, f"{FIRST} {LAST}"], phones=[MOBILE], emails=[EMAIL]
        )
        before = Journal._calendoc_residue(terms)
        counts = timed(
            "erasure",
            lambda: (person._calendoc_gdpr_erase(), env.flush_all())[0],
            results,
        )
        residue = timed("residue", lambda: Journal._calendoc_residue(terms), results)

        def completeness():
            catalogue = Catalogue(env)
            return catalogue.missing_links() + catalogue.missing_columns()

        gaps = timed("completeness", completeness, results)
        cr.rollback()
    env_counts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"data set: {args.requesters} requesters, {args.events} appointments")
    print(f"found before erasure: {len(before)} columns; erased: {env_counts}")
    print(
        f"residue after erasure: {residue or 'none'}; catalogue gaps: {gaps or 'none'}"
    )
    print("| step | seconds | target (1M/300k DB) |")
    print("| --- | --- | --- |")
    for label, seconds in results.items():
        print(f"| {label} | {seconds:.2f} | < {TARGETS[label]:.0f} s |")


if __name__ == "__main__":
    main()
