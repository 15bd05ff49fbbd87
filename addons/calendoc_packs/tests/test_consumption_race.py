"""16 real connections × 200 consumptions on 1,000 credits: exactly 1,000 are
consumed, the balance never goes negative, no key is charged twice."""

import random
import threading
import time

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

THREADS = 16
PER_THREAD = 200
CREDITS = 1000


def run_threads(target, count):
    """Run ``target(thread_number)`` in ``count`` threads and wait for them."""
    threads = [threading.Thread(target=target, args=(t,)) for t in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)


@tagged("post_install", "-at_install")
class TestConsumptionRace(BaseCase):
    """Works on committed data (other connections must see it), then removes it:
    the only tests here that commit."""

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            account = env["res.partner"].create(
                {
                    "name": "Race wallet",
                    "is_company": True,
                    "is_calendoc_client": True,
                    "email": False,
                }
            )
            template = env["product.template"].create(
                {
                    "name": "Race pack",
                    "type": "service",
                    "is_calendoc_pack": True,
                    "calendoc_offer": "premium",
                    "calendoc_credit_ids": env["calendoc.credit.kind"]._credit_commands(
                        {"combined": CREDITS}
                    ),
                }
            )
            env["calendoc.pack"]._create_pack(account, template, 1, key_prefix="race")
            self.account_id, self.template_id = account.id, template.id
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        with self.db.cursor() as cr:
            # The ledger refuses deletes by trigger; only this test's clean-up,
            # as the database owner, switches triggers off for its own session.
            cr.execute("SET session_replication_role = replica")
            cr.execute(
                "DELETE FROM calendoc_credit_move WHERE account_id = %s",
                (self.account_id,),
            )
            cr.execute("SET session_replication_role = DEFAULT")
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["calendoc.pack"].search([("account_id", "=", self.account_id)]).unlink()
            env["calendoc.wallet"].search(
                [("account_id", "=", self.account_id)]
            ).unlink()
            env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.account_id)]
            ).unlink()
            env["res.partner"].browse(self.account_id).unlink()
            env["product.template"].browse(self.template_id).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def test_concurrent_consumptions_never_overspend(self):
        barrier = threading.Barrier(THREADS)
        results = {"charged": 0, "refused": 0, "errors": []}
        lock = threading.Lock()

        def consume(thread):
            barrier.wait(timeout=60)
            for i in range(PER_THREAD):
                # every other charge replays a key another thread also uses
                key = f"race:{thread}:{i}" if i % 2 else f"race:shared:{i}"
                for _attempt in range(200):
                    try:
                        with self.db.cursor() as cr:
                            env = api.Environment(cr, SUPERUSER_ID, {})
                            account = env["res.partner"].browse(self.account_id)
                            account._calendoc_consume_credits(
                                "appointment", 1, key, None
                            )
                        with lock:
                            results["charged"] += 1
                    except pg_errors.SerializationFailure:
                        # what Odoo's request layer does: start again, fresh view
                        time.sleep(random.uniform(0, 0.01))
                        continue
                    except UserError:
                        with lock:
                            results["refused"] += 1
                    except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                        with lock:
                            results["errors"].append(repr(exc))
                    break
                else:
                    with lock:
                        results["errors"].append(f"{key}: too many retries")

        run_threads(consume, THREADS)

        self.assertEqual(results["errors"], [])
        with self.db.cursor() as cr:
            cr.execute(
                """
                SELECT count(*), count(DISTINCT key), COALESCE(sum(quantity), 0), min(balance_after)
                  FROM calendoc_credit_move
                 WHERE account_id = %s AND move_type = 'consumption'
                """,
                (self.account_id,),
            )
            rows, keys, consumed, lowest = cr.fetchone()
            cr.execute(
                "SELECT COALESCE(sum(quantity), 0) FROM calendoc_credit_move WHERE account_id = %s",
                (self.account_id,),
            )
            balance = cr.fetchone()[0]
        self.assertEqual(consumed, -CREDITS)
        self.assertEqual(rows, CREDITS)
        self.assertEqual(keys, rows, "a key was charged twice")
        self.assertEqual(balance, 0)
        self.assertGreaterEqual(lowest, 0)
        # Replays of shared keys succeed without charging; the rest are refused.
        self.assertEqual(results["charged"] + results["refused"], THREADS * PER_THREAD)

    def test_read_committed_transactions_never_overspend_either(self):
        """Odoo runs REPEATABLE READ; code that runs a charge in a READ
        COMMITTED transaction (a script, an integrator's worker) must not
        overspend: the charge then reads the balances again after the lock."""
        threads_count, per_thread = 6, 200  # 1,200 charges for 1,000 credits
        barrier = threading.Barrier(threads_count)
        results = {"charged": 0, "refused": 0, "errors": []}
        lock = threading.Lock()

        def consume(thread):
            barrier.wait(timeout=60)
            for i in range(per_thread):
                try:
                    with self.db.cursor() as cr:
                        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        env["res.partner"].browse(
                            self.account_id
                        )._calendoc_consume_credits(
                            "appointment", 1, f"rc:{thread}:{i}", None
                        )
                    with lock:
                        results["charged"] += 1
                except UserError:
                    with lock:
                        results["refused"] += 1
                except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                    with lock:
                        results["errors"].append(repr(exc))

        run_threads(consume, threads_count)

        # READ COMMITTED waits for the lock instead of failing: no retry needed
        self.assertEqual(results["errors"], [])
        self.assertEqual(results["charged"], CREDITS)
        self.assertEqual(results["refused"], threads_count * per_thread - CREDITS)
        with self.db.cursor() as cr:
            cr.execute(
                """
                SELECT COALESCE(sum(quantity), 0), min(balance_after),
                       count(DISTINCT balance_after)
                  FROM calendoc_credit_move
                 WHERE account_id = %s AND move_type = 'consumption'
                """,
                (self.account_id,),
            )
            consumed, lowest, distinct_balances = cr.fetchone()
        self.assertEqual(consumed, -CREDITS)
        self.assertGreaterEqual(lowest, 0)
        # each charge saw the one before it: running balances 999 down to 0
        self.assertEqual(distinct_balances, CREDITS)

    def test_batched_charges_with_rolled_back_savepoints_never_overspend(self):
        """Charges that share a transaction lock the wallet once (the SMS
        cron's shape); a charge in a savepoint that is rolled back releases
        its lock, and the next charge of the transaction must take it again.
        6 connections × 50 transactions × (1 charge rolled back + 4 charges)
        on 1,000 credits, REPEATABLE READ with Odoo's retry on conflict."""
        threads_count, transactions, per_transaction = 6, 50, 4
        barrier = threading.Barrier(threads_count)
        results = {"charged": 0, "refused": 0, "errors": []}
        lock = threading.Lock()

        class Undo(Exception):
            pass

        def consume(thread):
            barrier.wait(timeout=60)
            for n in range(transactions):
                for _attempt in range(200):
                    charged = refused = 0
                    try:
                        with self.db.cursor() as cr:
                            env = api.Environment(cr, SUPERUSER_ID, {})
                            account = env["res.partner"].browse(self.account_id)
                            try:
                                with cr.savepoint():
                                    account._calendoc_consume_credits(
                                        "appointment", 1, f"void:{thread}:{n}", None
                                    )
                                    raise Undo
                            except (Undo, UserError):
                                pass
                            # the savepoint's lock is gone: someone may charge
                            # now; this transaction must wait for the wallet
                            time.sleep(random.uniform(0, 0.002))
                            for j in range(per_transaction):
                                try:
                                    account._calendoc_consume_credits(
                                        "appointment",
                                        1,
                                        f"batch:{thread}:{n}:{j}",
                                        None,
                                    )
                                    charged += 1
                                except UserError:
                                    refused += 1
                    except pg_errors.SerializationFailure:
                        time.sleep(random.uniform(0, 0.01))
                        continue
                    except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                        with lock:
                            results["errors"].append(repr(exc))
                    with lock:
                        results["charged"] += charged
                        results["refused"] += refused
                    break
                else:
                    with lock:
                        results["errors"].append(f"{thread}:{n}: too many retries")

        run_threads(consume, threads_count)

        self.assertEqual(results["errors"], [])
        self.assertEqual(results["charged"], CREDITS)
        self.assertEqual(
            results["refused"], threads_count * transactions * per_transaction - CREDITS
        )
        with self.db.cursor() as cr:
            cr.execute(
                """
                SELECT COALESCE(sum(quantity), 0), min(balance_after),
                       count(DISTINCT balance_after), count(*) FILTER (
                           WHERE key LIKE 'void:%%')
                  FROM calendoc_credit_move
                 WHERE account_id = %s AND move_type = 'consumption'
                """,
                (self.account_id,),
            )
            consumed, lowest, distinct_balances, voided = cr.fetchone()
        self.assertEqual(consumed, -CREDITS)
        self.assertGreaterEqual(lowest, 0)
        self.assertEqual(voided, 0, "a rolled-back charge was kept")
        # each charge saw the one before it: running balances 999 down to 0
        self.assertEqual(distinct_balances, CREDITS)
