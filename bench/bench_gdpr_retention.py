"""Benchmark of calendoc_gdpr's retention purge: old records of a requester
made in bulk, then erased by the purge of their category (the stores' own
``_calendoc_erase_personal``, by batches of 1,000 with a flush in between).

    python3 bench/bench_gdpr_retention.py --config .run/odoo.conf --db DB \\
        [--sms 20000] [--calls 5000] [--appointments 2000]

Everything is made and erased in one transaction, rolled back at the end: the
database is left as it was. Prints records/s per category and overall.
Target (issue 20): >= 5,000 records/s.
"""

import argparse
import time
from datetime import datetime, timedelta

from benchlib import odoo_env

TARGET = 5000
OLD = datetime(2015, 1, 5, 9, 0)


def backdate(env, model, ids, column, when):
    env[model].flush_model()
    env.cr.execute(
        f"UPDATE {env[model]._table} SET {column} = %s WHERE id = ANY(%s)",  # noqa: S608
        (when, ids),
    )


def make_data(env, n_sms, n_calls, n_appointments):
    """Old SMS, calls (each with one event) and appointments of requesters of
    one bench account; {category: expected count}."""
    Partner = env["res.partner"]
    account = Partner.create(
        {"name": "BENCH rétention", "is_company": True, "is_calendoc_client": True}
    )
    requesters = Partner.create(
        [
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": account.id,
                "calendoc_last_name": f"BENCH rétention {n}",
            }
            for n in range(100)
        ]
    )
    created = {}
    sms = env["sms.sms"].create(
        [
            {
                "number": "+33612345678",
                "body": f"Rappel {n}",
                "partner_id": requesters[n % 100].id,
                "state": "sent",
            }
            for n in range(n_sms)
        ]
    )
    backdate(env, "sms.sms", sms.ids, "create_date", OLD)
    created["sms"] = len(sms)
    if n_calls and "calendoc.call" in env:
        practice = env["calendoc.practice"].create(
            {"name": "BENCH rétention cabinet", "account_id": account.id}
        )
        calls = env["calendoc.call"].create(
            [
                {
                    "sip_call_id": f"bench-retention-{n}",
                    "direction": "in",
                    "practice_id": practice.id,
                    "account_id": account.id,
                    "requester_id": requesters[n % 100].id,
                    "caller_number": "+33612345678",
                }
                for n in range(n_calls)
            ]
        )
        events = env["calendoc.call.event"].create(
            [
                {
                    "call_id": call.id,
                    "sip_call_id": call.sip_call_id,
                    "kind": "ringing",
                    "event_date": OLD,
                    "payload": '{"caller": "+33612345678"}',
                }
                for call in calls
            ]
        )
        backdate(env, "calendoc.call", calls.ids, "create_date", OLD)
        created["calls"] = len(calls) + len(events)
    if n_appointments:
        practice = env["calendoc.practice"].search(
            [("account_id", "=", account.id)], limit=1
        ) or env["calendoc.practice"].create(
            {"name": "BENCH rétention cabinet", "account_id": account.id}
        )
        doctor = env["calendoc.practitioner"].create(
            {"name": "BENCH rétention docteur", "account_id": account.id}
        )
        # the ORM's create checks the slot: the old appointments are written
        # straight in the table, as years of history would be
        env.cr.execute(
            """
            INSERT INTO calendar_event (name, start, stop, duration, privacy,
                   show_as, active, user_id, calendoc_practitioner_id,
                   calendoc_practice_id, calendoc_requester_id, calendoc_state,
                   create_date, write_date, create_uid, write_uid)
            SELECT 'BENCH rétention', %(old)s + n * interval '30 minutes',
                   %(old)s + (n + 1) * interval '30 minutes',
                   0.5, 'private', 'busy', true, 1, %(doctor)s, %(practice)s,
                   (%(requesters)s)[1 + n %% 100], 'booked',
                   now(), now(), 1, 1
              FROM generate_series(1, %(count)s) n
            """,
            {
                "old": OLD,
                "doctor": doctor.id,
                "practice": practice.id,
                "requesters": requesters.ids,
                "count": n_appointments,
            },
        )
        created["appointments"] = n_appointments
    env.flush_all()
    env.invalidate_all()
    return created


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--sms", type=int, default=20000)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--appointments", type=int, default=2000)
    args = parser.parse_args()
    with odoo_env(args.config, args.db) as env:
        env = env(context={"tracking_disable": True})
        started = time.monotonic()
        created = make_data(env, args.sms, args.calls, args.appointments)
        print(
            f"made {sum(created.values())} old records in "
            f"{time.monotonic() - started:.1f} s: {created}"
        )
        Run = env["calendoc.gdpr.retention.run"]
        now = datetime.now()
        total_records, total_seconds = 0, 0.0
        for category in created:
            rule = env["calendoc.gdpr.retention"].search([("category", "=", category)])
            cutoff = rule._cutoff(now) if rule else now - timedelta(days=365)
            started = time.monotonic()
            counts = Run._calendoc_run_category(env, category, cutoff, dry_run=False)
            env.flush_all()
            seconds = time.monotonic() - started
            records = sum(counts.values())
            total_records += records
            total_seconds += seconds
            print(
                f"{category:13} {records:7d} records in {seconds:6.2f} s: "
                f"{records / seconds if seconds else 0:8.0f} records/s {counts}"
            )
        rate = total_records / total_seconds if total_seconds else 0
        verdict = "OK" if rate >= TARGET else "UNDER TARGET"
        print(
            f"overall       {total_records:7d} records in {total_seconds:6.2f} s: "
            f"{rate:8.0f} records/s (target >= {TARGET}: {verdict})"
        )


if __name__ == "__main__":
    main()
