"""Appointment charges written with a UTC timestamp get the practice's local
time to the minute (calendoc.credit.move._calendoc_localise_old_descriptions).

A pack paid online is invoiced at once (Sales' "Automatic Invoice"): its
paid invoice grants the credits. Databases where the firm never chose get it;
a firm that turned it off keeps its choice."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    api.Environment(cr, SUPERUSER_ID, {})[
        "calendoc.credit.move"
    ]._calendoc_localise_old_descriptions()
    cr.execute(
        """
        INSERT INTO ir_config_parameter (key, value, create_uid, write_uid,
                                         create_date, write_date)
        VALUES ('sale.automatic_invoice', 'True', 1, 1,
                now() at time zone 'UTC', now() at time zone 'UTC')
        ON CONFLICT (key) DO NOTHING
        """
    )
