"""The export bundle of a requester (GDPR articles 15 and 20): one zip with
``data.json`` (every declared store), one CSV per store, a PDF summary in
French, the files attached to his records (call recordings included) and
``manifest.json`` (the SHA-256 of each file); delivered by a signed, expiring
link whose every download is logged."""

import csv
import hashlib
import io
import json
import re
import secrets
import zipfile
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import consteq, json_default

MANAGER = "calendoc_agenda.group_calendoc_manager"
# how long a download link lives, unless the setting says otherwise
DEFAULT_DAYS = 7
DAYS_PARAM = "calendoc_gdpr.export_link_days"


class CalendocGdprExport(models.Model):
    _name = "calendoc.gdpr.export"
    _description = "Personal data export bundle"
    _inherit = ["mail.thread"]
    _order = "id desc"
    # Tenant isolation: the bundle is the requester's account's (managers only)
    _calendoc_account_link = "account_id"
    # A bundle is a copy of the requester's data (invariant 4): exported and
    # erased with the rest of it
    _calendoc_personal_fields = ("requester_id", "name", "attachment_id")
    _calendoc_requester_link = "requester_id"

    name = fields.Char(required=True, readonly=True)
    requester_id = fields.Many2one(
        "res.partner",
        string="Requester",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    account_id = fields.Many2one(
        "res.partner", string="Client account", readonly=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Exported by",
        readonly=True,
        default=lambda self: self.env.user,
    )
    date_expiry = fields.Datetime(string="Link valid until", readonly=True)
    access_token = fields.Char(readonly=True, copy=False)
    attachment_id = fields.Many2one("ir.attachment", string="Bundle", readonly=True)
    download_count = fields.Integer(string="Downloads", readonly=True, copy=False)
    download_url = fields.Char(string="Download link", compute="_compute_download_url")
    expired = fields.Boolean(compute="_compute_download_url")

    @api.depends("access_token", "date_expiry")
    def _compute_download_url(self):
        base = self.get_base_url()
        now = fields.Datetime.now()
        for export in self:
            export.download_url = (
                f"{base}/calendoc/gdpr/export/{export.id}/{export.access_token}"
                if export.id and export.access_token
                else False
            )
            export.expired = not export.date_expiry or export.date_expiry < now

    # --- creation -------------------------------------------------------------
    @api.model
    def _calendoc_create_bundles(self, requesters):
        """One bundle per requester, built and stored; managers only."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager exports personal data.")
            )
        requesters = requesters.filtered("is_calendoc_requester")
        if not requesters:
            raise UserError(self.env._("Select the requesters whose data to export."))
        requesters.check_access("read")
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(DAYS_PARAM, DEFAULT_DAYS)
        )
        exports = self.browse()
        for requester in requesters:
            export = self.create(
                {
                    "name": self.env._(
                        "Personal data of %(name)s", name=requester.name
                    ),
                    "requester_id": requester.id,
                    "account_id": requester.calendoc_account_id.id,
                    "access_token": secrets.token_urlsafe(32),
                    "date_expiry": fields.Datetime.now() + timedelta(days=days),
                }
            )
            export._calendoc_build()
            requester.message_post(
                body=self.env._(
                    "Personal data exported (access request) by %(user)s: "
                    "bundle %(export)s.",
                    user=self.env.user.name,
                    export=export.id,
                ),
            )
            exports |= export
        return exports

    def _calendoc_build(self):
        """Write the zip of this export and attach it to the record."""
        self.ensure_one()
        requester = self.requester_id
        files = {}
        data = requester._calendoc_gdpr_data()
        files["data.json"] = json.dumps(
            data, default=json_default, ensure_ascii=False, indent=1
        ).encode()
        for model, rows in data.items():
            if isinstance(rows, list) and rows:
                files[f"csv/{model}.csv"] = _csv_of(rows)
        files["summary.pdf"] = self._calendoc_summary_pdf()
        for attachment in self._calendoc_attachments():
            folder = (
                "recordings" if attachment.res_model == "calendoc.call" else "files"
            )
            name = f"{folder}/{attachment.id}-{_safe(attachment.name)}"
            files[name] = attachment.raw or b""
        manifest = {
            name: hashlib.sha256(content).hexdigest()
            for name, content in sorted(files.items())
        }
        files["manifest.json"] = json.dumps(manifest, indent=1).encode()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, content in files.items():
                bundle.writestr(name, content)
        self.attachment_id = self.env["ir.attachment"].create(
            {
                "name": f"donnees-personnelles-{requester.id}-{self.id}.zip",
                "mimetype": "application/zip",
                "raw": buffer.getvalue(),
                "res_model": self._name,
                "res_id": self.id,
            }
        )

    def _calendoc_summary_pdf(self):
        """The French summary (QWeb report on the requester), as PDF bytes."""
        report = self.env["ir.actions.report"].with_context(lang="fr_FR")
        content, _kind = report._render_qweb_pdf(
            "calendoc_gdpr.calendoc_gdpr_summary_report", self.requester_id.ids
        )
        return content

    def _calendoc_attachments(self):
        """The files attached to the requester's records (call recordings
        included), bundles of earlier exports excluded."""
        # sudo: as _calendoc_gdpr_records, every file about him; the caller
        # is a manager (checked at creation)
        Attachment = self.env["ir.attachment"].sudo()
        domains = [
            [("res_model", "=", model), ("res_id", "in", records.ids)]
            for model, records in self.requester_id._calendoc_gdpr_records().items()
            if model != self._name
        ]
        found = (
            Attachment.search(expression.OR(domains), order="id")
            if domains
            else Attachment
        )
        if "calendoc.call" in self.env:
            calls = (
                self.env["calendoc.call"]
                .sudo()
                ._calendoc_personal_records(self.requester_id)
            )
            found |= calls.recording_id
        return found.filtered(lambda a: a.type == "binary")

    # --- delivery -------------------------------------------------------------
    def _calendoc_download(self, token, ip):
        """The bundle's attachment when ``token`` opens this export and the
        link is still valid, the download logged; else "missing" (no such
        export or a wrong token) or "expired". Called by the public route on
        the sudo record: the token is the right."""
        # an id the route took from the URL: 0 or an id of nothing is missing
        if len(self) != 1 or not self.id or not self.exists():
            return "missing"
        if not self.access_token or not token:
            return "missing"
        if not consteq(self.access_token, token):
            return "missing"
        if self.expired or not self.attachment_id:
            return "expired"
        now = fields.Datetime.now()
        self.download_count += 1
        # in the language of the manager who made it: the log is the firm's
        env = self.with_context(lang=self.user_id.lang or self.env.lang).env
        self.message_post(
            body=env._(
                "Bundle downloaded on %(when)s (UTC) from %(ip)s.",
                when=fields.Datetime.to_string(now),
                ip=ip or "?",
            )
        )
        return self.attachment_id

    @api.model
    def _calendoc_page_lang(self):
        """The language of the page a refused link shows: French when it is
        installed (the requesters are French patients), else the visitor's."""
        if self.env["res.lang"]._get_code("fr_FR"):
            return "fr_FR"
        return self.env.lang

    def action_calendoc_revoke(self):
        """End the link now."""
        self.check_access("write")
        self.write({"date_expiry": fields.Datetime.now() - timedelta(seconds=1)})
        for export in self:
            export.message_post(body=self.env._("Download link revoked."))


def _safe(name):
    return re.sub(r"[^\w.-]+", "_", name or "file")[:80]


def _csv_of(rows):
    """Rows as ``read`` gives them, as CSV (many2one: the name; x2many: the
    ids)."""
    columns = list(rows[0])
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return stream.getvalue().encode("utf-8-sig")


def _cell(value):
    if value is False or value is None:
        return ""
    if isinstance(value, tuple) and len(value) == 2:
        return value[1]
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=json_default, ensure_ascii=False)
    return json_default(value) if not isinstance(value, (str, int, float)) else value
