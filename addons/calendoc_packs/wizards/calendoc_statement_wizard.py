import csv
import io
import json
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.calendoc_agenda.tools.local_time import (
    local_midnight,
    local_tz,
    sql_local,
)

# One statement line in HTML, for PostgreSQL's format() (a bound parameter:
# odoo.tools.SQL does not allow a literal % in the code).
ROW_HTML = (
    "<tr><td>%s</td><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
    "<td class='text-end'>%s</td><td>%s</td><td>%s</td></tr>"
)


def _sql_escape(expression):
    """SQL escaping ``expression`` (text) for HTML, as markupsafe does."""
    for char, entity in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&#34;"),
        ("'", "&#39;"),
    ):
        expression = SQL("replace(%s, %s, %s)", expression, char, entity)
    return expression


class CalendocStatementWizard(models.TransientModel):
    """The consumption statement (relevé de consommation, terms article 8): every
    credit move of a client account over a period, with its balances."""

    _name = "calendoc.statement.wizard"
    _description = "Consumption statement"

    # Above this many moves in the period, the PDF gives the totals of each day
    # instead of every move (still on screen and in the CSV): wkhtmltopdf lays
    # out about 1,200 rows a second (100,000 moves: 4,508 pages, 54 s), and a
    # document of thousands of pages is read by a spreadsheet, not a person.
    PDF_DETAIL_LIMIT = 1000

    account_id = fields.Many2one(
        "res.partner", required=True, domain=[("is_calendoc_client", "=", True)]
    )
    date_from = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    move_ids = fields.Many2many("calendoc.credit.move", compute="_compute_move_ids")
    move_count = fields.Integer(string="Moves", compute="_compute_summary")
    # rendered by the template calendoc_packs.credit_balances, which escapes
    balances_html = fields.Html(
        string="Credits left", compute="_compute_summary", sanitize=False
    )
    valid_until = fields.Date(compute="_compute_summary")

    @api.depends("account_id", "date_from", "date_to")
    def _compute_move_ids(self):
        for wizard in self:
            wizard.move_ids = wizard._moves()

    @api.depends("account_id", "date_from", "date_to")
    def _compute_summary(self):
        """What the dialog shows: a count, not the moves (a big account has
        100,000 of them in a month)."""
        Move = self.env["calendoc.credit.move"]
        for wizard in self:
            wizard._check_statement_access()
            wizard.move_count = (
                Move.search_count(wizard._moves_domain()) if wizard.account_id else 0
            )
            wizard.valid_until = (
                wizard.account_id._calendoc_valid_packs()[:1].date_end
                if wizard.account_id
                else False
            )
            wizard.balances_html = self.env["ir.qweb"]._render(
                "calendoc_packs.credit_balances", {"lines": wizard._balance_lines()}
            )

    def _check_statement_access(self):
        """The balances are read as superuser: only those whom the account's
        'statements' scope opens (its secretaries, delegates with it, its
        administrator, managers) see them."""
        account = self.account_id
        if account and ",statements," not in (
            account.sudo().calendoc_access_scope or ""
        ):
            raise AccessError(
                self.env._(
                    "You may not read the consumption statement of this client account."
                )
            )

    def _balance_lines(self):
        """The account's credits left as ``KindBalance(code, name, credits)``,
        every kind in its order (the statement's dialog, PDF and portal
        page)."""
        self.ensure_one()
        self._check_statement_access()
        return self.account_id._calendoc_balance_lines() if self.account_id else []

    def _tz(self):
        """The time zone the statement is read in: the client account's (a
        statement spans its practices), else its first practice's, else the
        user's, else the default."""
        return local_tz(self.env, account=self.account_id)

    def _period(self):
        """The period's whole local days as naive UTC datetimes [start, end):
        a move at 00:30 in Paris on the 1st (22:30 UTC the day before) is the
        1st's."""
        tz = self._tz()
        return (
            local_midnight(self.date_from, tz),
            local_midnight(self.date_to + relativedelta(days=1), tz),
        )

    def _moves_domain(self):
        start, end = self._period()
        return [
            ("account_id", "=", self.account_id.id),
            ("date", ">=", start),
            ("date", "<", end),
        ]

    def _moves(self):
        self.ensure_one()
        if not self.account_id:
            return self.env["calendoc.credit.move"]
        return self.env["calendoc.credit.move"].search(
            self._moves_domain(), order="date, id"
        )

    def _moves_query(self):
        """The period's moves (every column, record rules applied) as a query
        to select FROM: PostgreSQL flattens it into the statement's queries,
        which then read the (account, date) index directly. Selecting ids
        with ``IN (subquery)`` instead costs a semi-join over 100,000 rows."""
        Move = self.env["calendoc.credit.move"]
        Move.flush_model()
        self.env["calendoc.pack"].flush_model(["name"])
        query = Move._search(self._moves_domain())
        return SQL("(%s)", query.select(SQL("%s.*", SQL.identifier(query.table))))

    def _totals(self):
        """Credits in and out per kind over the period (one aggregate query)."""
        self.ensure_one()
        totals = defaultdict(lambda: {"in": 0, "out": 0})
        if not self.account_id:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT kind, quantity > 0, SUM(quantity)
                  FROM %s AS m
                 GROUP BY 1, 2
                """,
                self._moves_query(),
            )
        )
        for kind, positive, quantity in self.env.cr.fetchall():
            totals[kind]["in" if positive else "out"] += abs(quantity)
        return dict(totals)

    def action_view(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "calendoc_packs.calendoc_credit_move_action"
        )
        action["domain"] = self._moves_domain()
        return action

    def action_pdf(self):
        self.ensure_one()
        return self.env.ref("calendoc_packs.calendoc_statement_report").report_action(
            self
        )

    def action_csv(self):
        """Download the statement as CSV (semicolons, the French spreadsheet habit)."""
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": self._csv_filename(),
                "raw": self._csv_content(),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _csv_filename(self):
        return f"releve-{self.account_id.calendoc_permanence_code or self.account_id.id}-{self.date_from}-{self.date_to}.csv"

    ROW_KEYS = (
        "date",
        "type",
        "kind",
        "quantity",
        "balance_after",
        "description",
        "sms_segments",
        "pack",
    )

    def _rows(self):
        """The statement's lines as dicts of display values (``ROW_KEYS``)."""
        return [
            dict(zip(self.ROW_KEYS, row, strict=True)) for row in self._row_tuples()
        ]

    def _row_tuples(self):
        """The statement's lines as tuples of display values in ``ROW_KEYS``
        order, read in one query: a 100,000-move account must not go through
        the ORM row by row."""
        self.ensure_one()
        if not self.account_id:
            return []
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s ORDER BY m.date, m.id",
                SQL(", ").join(self._row_columns()),
                self._row_source(),
            )
        )
        return self.env.cr.fetchall()

    def _row_columns(self, html=False):
        """The SQL expressions of the columns of ``ROW_KEYS`` (labels of the
        selections in the user's language, HTML-escaped if ``html``)."""
        Move = self.env["calendoc.credit.move"]
        labels = {
            name: json.dumps(
                {
                    value: str(escape(label)) if html else label
                    for value, label in Move._fields[name]._description_selection(
                        self.env
                    )
                }
            )
            for name in ("move_type", "kind")
        }
        return [
            # local time, to the minute (invariant 6)
            SQL("to_char(%s, 'YYYY-MM-DD HH24:MI')", self._local_date()),
            SQL("%s::jsonb ->> m.move_type", labels["move_type"]),
            SQL("%s::jsonb ->> m.kind", labels["kind"]),
            SQL("m.quantity"),
            SQL("m.balance_after"),
            SQL("COALESCE(m.description, '')"),
            SQL(
                "CASE WHEN m.sms_segments > 0 THEN m.sms_segments || ' × ' "
                "|| COALESCE(m.sms_country_code, '') ELSE '' END"
            ),
            SQL("COALESCE(p.name, '')"),
        ]

    def _local_date(self):
        """The SQL of a move's date (``m.date``, UTC) in the statement's time
        zone."""
        return sql_local(SQL("m.date"), self._tz())

    def _row_source(self):
        return SQL(
            "%s AS m LEFT JOIN calendoc_pack p ON p.id = m.pack_id",
            self._moves_query(),
        )

    def _pdf_detailed(self):
        """Whether the PDF lists every move of the period (see
        ``PDF_DETAIL_LIMIT``) or the totals of each day."""
        self.ensure_one()
        return self.move_count <= self.PDF_DETAIL_LIMIT

    def _daily_rows(self):
        """The period's totals per local day, type and kind (the PDF of a busy
        account): (day, type, credits kind, moves, quantity, SMS segments)."""
        self.ensure_one()
        if not self.account_id:
            return []
        # grouped first, labelled after: the labels are looked up per group
        _date, move_type, kind, *_others = self._row_columns()
        self.env.cr.execute(
            SQL(
                """
                SELECT to_char(m.day, 'YYYY-MM-DD'), %s, %s, m.moves, m.quantity,
                       m.segments
                  FROM (SELECT %s::date AS day, m.move_type, m.kind,
                               count(*) AS moves, sum(m.quantity) AS quantity,
                               sum(m.sms_segments) AS segments
                          FROM %s AS m
                         GROUP BY 1, 2, 3) AS m
                 ORDER BY m.day, m.move_type, m.kind
                """,
                move_type,
                kind,
                self._local_date(),
                self._moves_query(),
            )
        )
        return self.env.cr.fetchall()

    def _rows_html(self):
        """The table rows of the statement as one piece of HTML for the QWeb
        report, built and escaped by PostgreSQL: QWeb costs about 60 µs per
        row and field (6.6 s for 100,000 moves), Python escaping 5 µs a row."""
        self.ensure_one()
        if not self.account_id:
            return Markup()
        date, move_type, kind, quantity, balance, description, sms, _pack = (
            self._row_columns(html=True)
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT string_agg(
                    format(%s, %s, %s, %s, %s, COALESCE(%s::text, ''), %s, %s),
                    chr(10) ORDER BY m.date, m.id)
                  FROM %s
                """,
                ROW_HTML,
                date,
                move_type,
                kind,
                quantity,
                balance,
                _sql_escape(description),
                _sql_escape(sms),
                self._row_source(),
            )
        )
        # every text was escaped: labels in Python, the rest by _sql_escape
        return Markup(self.env.cr.fetchone()[0] or "")

    def _csv_content(self):
        """The statement as CSV (UTF-8 with BOM, semicolons): the header from
        Python, the rows written by PostgreSQL's COPY (100,000 rows in a
        fraction of a second, where Python's csv module needs seconds)."""
        self.ensure_one()
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow(
            [
                self.env._("Date"),
                self.env._("Type"),
                self.env._("Credits"),
                self.env._("Quantity"),
                self.env._("Balance after"),
                self.env._("Paid for"),
                self.env._("SMS"),
                self.env._("Pack"),
            ]
        )
        content = io.BytesIO()
        content.write(buffer.getvalue().encode("utf-8-sig"))
        if self.account_id:
            query = SQL(
                "SELECT %s FROM %s ORDER BY m.date, m.id",
                SQL(", ").join(self._row_columns()),
                self._row_source(),
            )
            # COPY takes no bound parameters: psycopg2 quotes them in (mogrify).
            select = self.env.cr.mogrify(query.code, query.params).decode()
            self.env.cr.copy_expert(
                "COPY (%s) TO STDOUT WITH (FORMAT csv, DELIMITER ';', "
                "ENCODING 'UTF8')" % select,
                content,
            )
        return content.getvalue()
