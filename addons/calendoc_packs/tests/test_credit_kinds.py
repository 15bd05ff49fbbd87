import ast
import importlib.util
from pathlib import Path

from psycopg2 import errors as pg_errors

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import PacksCase

ADDON = Path(__file__).resolve().parent.parent


@tagged("post_install", "-at_install")
@freeze_time("2026-03-23 05:00:00")
class TestCreditKinds(PacksCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Kind = cls.env["calendoc.credit.kind"]
        cls.combined = cls.env.ref("calendoc_packs.credit_kind_combined")

    def add_fax(self):
        """A new kind of credits: one record, nothing else."""
        return self.Kind.create({"name": "Fax", "code": "fax", "sequence": 40})

    def fax_pack(self, credits):
        return self.env["product.template"].create(
            {
                "name": f"Pack Avantage {credits} fax",
                "type": "service",
                "is_calendoc_pack": True,
                "calendoc_offer": "avantage",
                "calendoc_credit_ids": self.Kind._credit_commands({"fax": credits}),
            }
        )

    def test_a_new_kind_is_one_record_and_is_charged_like_the_others(self):
        self.add_fax()
        pack = self.grant(self.fax_pack(3), key="fax")
        self.assertEqual(
            {move.kind: move.quantity for move in pack.grant_move_ids}, {"fax": 3}
        )
        self.assertEqual(pack.credits_granted, 3)
        fax = self.env["res.partner"].create({"name": "Fax au laboratoire"})
        move = self.account._calendoc_consume_credits("fax", 2, "fax:1", fax)
        self.assertEqual(
            (move.kind, move.quantity, move.balance_after, move.description),
            ("fax", -2, 1, "Fax au laboratoire"),
        )
        # once per key, in the same wallet as the other kinds
        again = self.account._calendoc_consume_credits("fax", 2, "fax:1", fax)
        self.assertEqual(again, move)
        balances = self.account._calendoc_balances()
        self.assertEqual(
            balances, {"appointment": 0, "sms": 0, "combined": 0, "fax": 1}
        )
        # its own credits only: the combined ones do not pay for it (yet)
        self.grant(self.pack_combined, key="combined")
        with self.assertRaisesRegex(UserError, "not enough credits"):
            self.account._calendoc_consume_credits("fax", 2, "fax:2", fax)
        self.assertFalse(
            self.env["calendoc.credit.move"].search([("key", "like", "fax:2")])
        )
        # and no free Standard use, which is for appointments
        self.assertEqual(self.ledger_sum(), 1 + 3)

    def test_a_kind_that_pays_for_another_is_spent_after_the_kinds_own(self):
        fax = self.add_fax()
        self.combined.pays_for_ids |= fax
        self.grant(self.pack_combined, key="combined")  # 3 combined
        self.grant(self.fax_pack(1), key="fax")  # 1 fax, expires first
        moves = self.account._calendoc_consume_credits("fax", 3, "fax:3", None)
        self.assertEqual(
            [(m.kind, m.quantity, m.balance_after, m.key) for m in moves.sorted("id")],
            [("fax", -1, 0, "fax:3"), ("combined", -2, 1, "fax:3#2")],
        )
        self.assertEqual(
            self.account._calendoc_balances(),
            {"appointment": 0, "sms": 0, "combined": 1, "fax": 0},
        )
        # appointments and SMS are still paid by the combined credits
        self.account._calendoc_consume_credits("sms", 1, "sms:1", None)
        self.assertEqual(self.account._calendoc_balances()["combined"], 0)

    def test_the_statement_names_and_totals_a_new_kind(self):
        self.add_fax()
        self.grant(self.fax_pack(5), key="fax")
        self.account._calendoc_consume_credits("fax", 2, "fax:stmt", None)
        wizard = self.env["calendoc.statement.wizard"].create(
            {
                "account_id": self.account.id,
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
            }
        )
        self.assertEqual(wizard._totals()["fax"], {"in": 5, "out": 2})
        self.assertEqual(
            [(line.code, line.credits) for line in wizard._balance_lines()],
            [("appointment", 0), ("sms", 0), ("combined", 0), ("fax", 3)],
        )
        self.assertIn('class="o_calendoc_fax_balance">3<', wizard.balances_html)
        csv_rows = wizard._csv_content().decode("utf-8-sig").splitlines()
        self.assertEqual(
            [row.split(";")[2:5] for row in csv_rows[1:]],
            [["Fax", "5", "5"], ["Fax", "-2", "3"]],
        )

    def test_a_manager_corrects_credits_of_a_new_kind(self):
        self.add_fax()
        pack = self.grant(self.fax_pack(1), key="fax")
        self.env["calendoc.credit.correction"].create(
            {
                "account_id": self.account.id,
                "pack_id": pack.id,
                "kind": "fax",
                "quantity": 4,
                "reason": "Geste commercial",
            }
        ).action_apply()
        self.assertEqual(self.account._calendoc_balances()["fax"], 5)

    def test_an_unknown_kind_is_refused_and_nothing_is_written(self):
        self.grant(self.pack_combined)
        before = self.ledger_sum()
        with self.assertRaisesRegex(UserError, "telex is not a kind of credits"):
            self.account._calendoc_consume_credits("telex", 1, "telex:1", None)
        self.assertEqual(self.ledger_sum(), before)

    def test_a_kind_in_the_ledger_keeps_its_code_and_stays(self):
        fax = self.add_fax()
        fax.code = "telecopie"  # no credits of it yet: free to change
        fax.code = "fax"
        self.grant(self.fax_pack(1), key="fax")
        with self.assertRaisesRegex(UserError, "cannot change"):
            fax.code = "telecopie"
        with self.assertRaisesRegex(UserError, "stays"):
            fax.unlink()
        fax.name = "Télécopie"  # its name is only shown
        kind = self.env["calendoc.credit.move"]._fields["kind"]
        self.assertEqual(
            dict(kind._description_selection(self.env))["fax"], "Télécopie"
        )

    def test_a_pack_for_sale_lists_positive_credits_once_per_kind(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(pg_errors.UniqueViolation):
            self.env["product.template"].create(
                {
                    "name": "Deux fois",
                    "is_calendoc_pack": True,
                    "calendoc_offer": "standard",
                    "calendoc_credit_ids": self.Kind._credit_commands(
                        {"appointment": 1}
                    )
                    * 2,
                }
            )
        with self.assertRaisesRegex(UserError, "positive number of credits"):
            self.env["product.template"].create(
                {
                    "name": "Vide",
                    "is_calendoc_pack": True,
                    "calendoc_offer": "standard",
                    "calendoc_credit_ids": [],
                }
            )

    def test_no_kind_is_named_in_the_code(self):
        """Kinds are data: the addon's Python names none of their codes
        (docstrings and comments aside), in its strings or its SQL."""
        codes = self.Kind.search([]).mapped("code")
        named = []
        for path in sorted(
            p
            for folder in ("models", "wizards", "controllers")
            for p in (ADDON / folder).glob("*.py")
        ):
            tree = ast.parse(path.read_text())
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docstrings
                ):
                    for code in codes:
                        if node.value == code or f"'{code}'" in node.value:
                            named.append(f"{path.name}:{node.lineno} {code}")
        self.assertEqual(named, [])


@tagged("post_install", "-at_install")
class TestCreditColumnsMigration(PacksCase):
    """The update from 18.0.1.0.0, where credits were columns: run on this
    database with the old columns put back (and rolled back with the test)."""

    def migrate(self):
        path = ADDON / "migrations" / "18.0.1.1.0" / "post-migration.py"
        spec = importlib.util.spec_from_file_location("calendoc_kinds_migration", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()

    def test_old_credit_columns_become_lines(self):
        cr = self.env.cr
        old = self.grant(key="old")  # 5 appointments, 10 SMS
        partly = self.pack_combined.copy({"name": "Pack déjà migré"})
        self.env.flush_all()
        cr.execute(
            """
            ALTER TABLE product_template
                ADD COLUMN calendoc_appointment_credits integer,
                ADD COLUMN calendoc_sms_credits integer,
                ADD COLUMN calendoc_combined_credits integer;
            ALTER TABLE calendoc_pack
                ADD COLUMN appointment_credits integer,
                ADD COLUMN sms_credits integer,
                ADD COLUMN combined_credits integer;
            -- as the update leaves them: columns filled, no line, no total
            DELETE FROM calendoc_product_credit WHERE product_tmpl_id = %(rdv)s;
            UPDATE product_template
               SET calendoc_appointment_credits = 5, calendoc_sms_credits = 10,
                   calendoc_combined_credits = 0
             WHERE id = %(rdv)s;
            UPDATE product_template SET calendoc_combined_credits = 7
             WHERE id = %(partly)s;
            UPDATE calendoc_pack
               SET appointment_credits = 5, sms_credits = 10, combined_credits = NULL,
                   credits_granted = NULL
             WHERE id = %(pack)s;
            """,
            {"rdv": self.pack_rdv.id, "partly": partly.id, "pack": old.id},
        )
        self.migrate()
        self.assertEqual(
            self.pack_rdv._calendoc_credits(), {"appointment": 5, "sms": 10}
        )
        # a line already there is kept
        self.assertEqual(partly._calendoc_credits(), {"combined": 3})
        self.assertEqual(old.credits_granted, 15)
        # the ledger was already by kind: the balances are unchanged
        self.assertEqual(
            self.account._calendoc_balances(),
            {"appointment": 5, "sms": 10, "combined": 0},
        )
        self.account._calendoc_consume_credits("appointment", 1, "after", None)
        self.assertEqual(self.account._calendoc_balances()["appointment"], 4)
