"""Credit kinds as rows (issue 18): the credits of a pack for sale were three
columns of product.template (calendoc_appointment_credits, calendoc_sms_credits,
calendoc_combined_credits), those of a purchased pack three columns of
calendoc.pack. They become lines of calendoc.product.credit, one per kind, and
the pack's total granted (the base of its low-credit alert); the ledger, which
already recorded each kind by its code, is unchanged. Odoo drops the old
columns at the end of the update; the charge functions that read them go now."""

from odoo.tools import SQL, sql

# the old columns and the code of the kind (data record) each one held
OLD_COLUMNS = {
    "appointment": ("calendoc_appointment_credits", "appointment_credits"),
    "sms": ("calendoc_sms_credits", "sms_credits"),
    "combined": ("calendoc_combined_credits", "combined_credits"),
}


def migrate(cr, version):
    move_credit_columns(cr)
    cr.execute(
        """
        DROP FUNCTION IF EXISTS calendoc_charge(
            integer, varchar, integer, varchar, date, integer, timestamp, boolean,
            varchar, varchar, integer, integer, varchar, integer);
        DROP FUNCTION IF EXISTS calendoc_pack_balances(integer);
        """
    )


def move_credit_columns(cr):
    """Turn the old credit columns of packs for sale into lines (a line the
    update already made is kept), and sum those of purchased packs into
    ``credits_granted``."""
    for code, (product_column, pack_column) in OLD_COLUMNS.items():
        if sql.column_exists(cr, "product_template", product_column):
            cr.execute(
                SQL(
                    """
                    INSERT INTO calendoc_product_credit (
                        product_tmpl_id, kind_id, credits, create_uid, create_date,
                        write_uid, write_date)
                    SELECT t.id, k.id, t.%(column)s, 1, now() at time zone 'UTC',
                           1, now() at time zone 'UTC'
                      FROM product_template t
                      JOIN calendoc_credit_kind k ON k.code = %(code)s
                     WHERE t.%(column)s > 0
                    ON CONFLICT (product_tmpl_id, kind_id) DO NOTHING
                    """,
                    column=SQL.identifier(product_column),
                    code=code,
                )
            )
        if sql.column_exists(cr, "calendoc_pack", pack_column):
            cr.execute(
                SQL(
                    """
                    UPDATE calendoc_pack
                       SET credits_granted = COALESCE(credits_granted, 0)
                                             + COALESCE(%(column)s, 0)
                    """,
                    column=SQL.identifier(pack_column),
                )
            )
