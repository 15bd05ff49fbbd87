"""Retention (GDPR article 5.1.e, the terms' article 12): per category of
records a period set by the managers; a nightly purge, or a dry run that only
counts, walks the declared stores (``_calendoc_retention``) and erases the
records older than their category's period through each store's own erasure
(``_calendoc_erase_personal``); every run is recorded."""

import time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

MANAGER = "calendoc_agenda.group_calendoc_manager"
CATEGORIES = [
    ("appointments", "Appointments"),
    ("requesters", "Requester files without appointment"),
    ("calls", "Call logs"),
    ("recordings", "Call recordings"),
    ("sms", "SMS"),
    ("messages", "Messages"),
    ("audit", "Audit trail"),
]
# records erased per flush: memory and lock time stay bounded
BATCH = 1000


class CalendocGdprRetention(models.Model):
    _name = "calendoc.gdpr.retention"
    _description = "Retention period"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    category = fields.Selection(CATEGORIES, required=True)
    period = fields.Integer(required=True, default=3)
    unit = fields.Selection(
        [("months", "Months"), ("years", "Years")], required=True, default="years"
    )
    purge = fields.Boolean(
        string="Purge automatically",
        default=True,
        help="Unchecked, the nightly purge leaves this category alone.",
    )
    source = fields.Text(
        translate=True, help="Where the period comes from (law, CNIL guidance)."
    )

    _sql_constraints = [
        ("category_uniq", "unique (category)", "One period per category."),
        ("period_positive", "CHECK (period > 0)", "A period is at least 1."),
    ]

    @api.depends("category", "period", "unit")
    def _compute_display_name(self):
        labels = dict(self._fields["category"]._description_selection(self.env))
        units = dict(self._fields["unit"]._description_selection(self.env))
        for rule in self:
            rule.display_name = f"{labels.get(rule.category, '')} ({rule.period} {units.get(rule.unit, '')})"

    def _cutoff(self, now):
        """The date before which this category's records go."""
        self.ensure_one()
        return now - relativedelta(**{self.unit: self.period})


class CalendocGdprRetentionRun(models.Model):
    _name = "calendoc.gdpr.retention.run"
    _description = "Retention run"
    _order = "id desc"

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    dry_run = fields.Boolean(readonly=True)
    user_id = fields.Many2one("res.users", string="Run by", readonly=True)
    counts = fields.Json(readonly=True, help="{category: {model: records}}")
    total = fields.Integer(string="Records", readonly=True)
    duration = fields.Float(string="Seconds", readonly=True)
    summary = fields.Text(readonly=True)

    @api.model
    def _calendoc_run(self, dry_run=True):
        """Count (``dry_run``) or erase the records of every category older
        than its period; the run recorded and returned. Secretariat managers
        (or the nightly job) only."""
        if not self.env.su and not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager runs the retention purge.")
            )
        started = time.monotonic()
        now = fields.Datetime.now()
        # sudo: the purge acts on every store, whoever's records (the right
        # was checked above)
        env = self.sudo().env
        rules = env["calendoc.gdpr.retention"].search([("purge", "=", True)])
        # requester files last: their other records go first by category
        rules = rules.sorted(lambda rule: rule.category == "requesters")
        counts = {}
        for rule in rules:
            found = self._calendoc_run_category(
                env, rule.category, rule._cutoff(now), dry_run
            )
            if found:
                counts[rule.category] = found
        total = sum(sum(found.values()) for found in counts.values())
        return self.sudo().create(
            {
                "dry_run": dry_run,
                "user_id": self.env.user.id,
                "counts": counts,
                "total": total,
                "duration": round(time.monotonic() - started, 3),
                "summary": self._calendoc_summary(env, counts, dry_run),
            }
        )

    @api.model
    def _calendoc_retention_stores(self, env, category):
        """The models whose records fall in ``category``."""
        return [
            name
            for name in sorted(env.registry)
            if env[name]._calendoc_retention == category
            and not env[name]._abstract
            and not env[name]._transient
        ]

    @api.model
    def _calendoc_run_category(self, env, category, cutoff, dry_run):
        """{model: count} of ``category``'s records older than ``cutoff``,
        erased unless ``dry_run``, by batches."""
        counts = {}
        if category == "requesters":
            ids = env["res.partner"]._calendoc_retention_ids(category, cutoff)
            for start in range(0, len(ids), BATCH):
                requesters = env["res.partner"].browse(ids[start : start + BATCH])
                records = requesters._calendoc_gdpr_records()
                # the requesters themselves last: the other stores point to them
                for name in sorted(records, key=lambda name: name == "res.partner"):
                    found = records[name]
                    counts[name] = counts.get(name, 0) + (
                        len(found) if dry_run else found._calendoc_erase_personal()
                    )
                env.flush_all()
                env.invalidate_all()
            return {name: count for name, count in counts.items() if count}
        for name in self._calendoc_retention_stores(env, category):
            Model = env[name].with_context(active_test=False)
            ids = Model._calendoc_retention_ids(category, cutoff)
            if dry_run:
                counts[name] = len(ids)
                continue
            erased = 0
            for start in range(0, len(ids), BATCH):
                erased += Model.browse(
                    ids[start : start + BATCH]
                )._calendoc_erase_personal()
                env.flush_all()
                env.invalidate_all()
            counts[name] = erased
        return {name: count for name, count in counts.items() if count}

    @api.model
    def _calendoc_summary(self, env, counts, dry_run):
        labels = dict(CATEGORIES)
        labels = (
            dict(
                env["calendoc.gdpr.retention"]
                ._fields["category"]
                ._description_selection(self.env)
            )
            or labels
        )
        lines = [
            self.env._("Dry run: nothing was erased.")
            if dry_run
            else self.env._("Purge: the records below were erased.")
        ]
        for category, found in counts.items():
            for name, count in found.items():
                lines.append(
                    f"{labels.get(category, category)} — "
                    f"{env[name]._description} ({name}): {count}"
                )
        if not counts:
            lines.append(self.env._("No record is older than its retention period."))
        return "\n".join(lines)

    @api.model
    def _calendoc_cron_purge(self):
        """The nightly purge."""
        # sudo: the scheduled job runs as the system; a manager runs it by hand
        # through the wizard
        return self.sudo()._calendoc_run(dry_run=False)
