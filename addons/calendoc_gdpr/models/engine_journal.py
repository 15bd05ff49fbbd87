"""The erasure journal (ARCHITECTURE invariant 8): what was erased, when, on
which request, for which client account; the person only as salted hashes
(HMAC-SHA256 with a secret of this database) of his normalised identifiers.
Append-only. It makes erasure stick: ``_calendoc_replay`` erases again, in a
database restored from a backup, the requesters whose hashes match."""

import hashlib
import hmac
import json
import secrets
import unicodedata
import uuid

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .res_partner import MANAGER

SECRET_PARAM = "calendoc_gdpr.erasure_secret"
# Hash kinds: an identity (name and birth date) identifies a person alone;
# the others (a phone shared by a family, a name) only two together.
STRONG = ("identity",)


def _plain(text):
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())


class CalendocGdprErasure(models.Model):
    _name = "calendoc.gdpr.erasure"
    _description = "Erasure journal entry"
    _order = "id desc"
    _calendoc_account_link = "account_id"

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Erased by",
        default=lambda self: self.env.user,
        readonly=True,
        ondelete="restrict",
    )
    account_id = fields.Many2one(
        "res.partner", string="Client account", readonly=True, index=True
    )
    # "model,id" of the request executed (calendoc.gdpr.request, or a journal
    # entry when replayed), kept as text: the journal outlives requests
    request_ref = fields.Char(string="Request", readonly=True)
    entry_uuid = fields.Char(
        string="Entry id",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: str(uuid.uuid4()),
    )
    digests = fields.Text(
        readonly=True,
        help="Technical: the person's salted hashes (kind:hex, space-separated).",
    )
    store_counts = fields.Json(string="Stores", readonly=True)
    summary = fields.Text(compute="_compute_summary")

    _sql_constraints = [
        ("entry_uuid_uniq", "unique (entry_uuid)", "This entry is already journalled.")
    ]

    def init(self):
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS calendoc_gdpr_erasure_digests_idx
            ON calendoc_gdpr_erasure USING gin (string_to_array(digests, ' '))
            """
        )

    @api.depends("store_counts")
    def _compute_summary(self):
        for entry in self:
            entry.summary = "\n".join(
                f"{model}: {count}"
                for model, count in sorted((entry.store_counts or {}).items())
            )

    # --- append-only ----------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("The erasure journal is written by erasures."))
        return super().create(vals_list)

    def write(self, vals):
        if self and not self.env.su:
            raise AccessError(self.env._("The erasure journal cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if self and not self.env.su:
            raise AccessError(self.env._("The erasure journal cannot be deleted."))
        return super().unlink()

    # --- hashes -----------------------------------------------------------------------
    @api.model
    def _calendoc_secret(self):
        """The database's secret key of the hashes, made on first use."""
        # sudo: a system parameter, never shown
        params = self.env["ir.config_parameter"].sudo()
        secret = params.get_param(SECRET_PARAM)
        if not secret:
            secret = secrets.token_hex(32)
            params.set_param(SECRET_PARAM, secret)
        return secret

    @api.model
    def _calendoc_digests(self, requester):
        """The set of "kind:hex" hashes of ``requester``'s identifiers: his
        phones in E.164, his lower-cased email, his name with his birth date."""
        key = self._calendoc_secret().encode()
        name = _plain(
            " ".join(
                filter(
                    None, [requester.calendoc_last_name, requester.calendoc_first_name]
                )
            )
            or requester.name
        )
        values = {
            ("phone", p)
            for p in (requester.calendoc_phone_e164, requester.calendoc_mobile_e164)
            if p
        }
        if requester.email:
            values.add(("email", requester.email.strip().lower()))
        if name and requester.calendoc_birthdate:
            values.add(("identity", f"{name}|{requester.calendoc_birthdate}"))
        elif name:
            values.add(("name", name))
        return {
            f"{kind}:{hmac.new(key, f'{kind}:{value}'.encode(), hashlib.sha256).hexdigest()}"
            for kind, value in values
        }

    @api.model
    def _calendoc_erased(self, digests):
        """Whether the journal holds any of ``digests`` (one indexed query):
        what a late webhook or a sync pull checks before bringing a person
        back."""
        if not digests:
            return False
        self.env.cr.execute(
            "SELECT 1 FROM calendoc_gdpr_erasure"
            " WHERE string_to_array(digests, ' ') && %s::text[] LIMIT 1",
            [list(digests)],
        )
        return bool(self.env.cr.rowcount)

    def _calendoc_matches(self, requester_digests):
        """Whether a requester with these hashes is the person of this entry:
        his identity, or two identifiers at once."""
        self.ensure_one()
        common = set((self.digests or "").split()) & requester_digests
        return any(d.split(":")[0] in STRONG for d in common) or len(common) >= 2

    # --- journalling ----------------------------------------------------------------
    @api.model
    def _calendoc_journal(self, requester, counts, request=None, digests=None):
        # sudo: the journal is append-only, written by the erasure only
        return self.sudo().create(
            {
                "account_id": requester.calendoc_account_id.id,
                "request_ref": request
                and (
                    request
                    if isinstance(request, str)
                    else f"{request._name},{request.id}"
                ),
                "digests": " ".join(
                    sorted(digests or self._calendoc_digests(requester))
                ),
                "store_counts": counts,
            }
        )

    # --- replay on a restored database ------------------------------------------------
    def action_replay(self):
        """Button and menu for managers: erase again the requesters these
        entries (all of them if none selected) name."""
        erased = (self or self.search([]))._calendoc_replay()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s requesters erased again.", count=len(erased)
                ),
            },
        }

    def _calendoc_replay(self):
        """Erase again, in this database, the requesters these entries name
        (restored from a backup taken before the erasure); the requesters
        erased. Usable from ``odoo shell``:
        ``env["calendoc.gdpr.erasure"]._calendoc_journal_load(rows)._calendoc_replay()``."""
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(
                self.env._("Only a secretariat manager erases personal data.")
            )
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        erased = Partner.browse()
        for account in self.account_id | self.env["res.partner"]:
            entries = self.filtered(lambda e, a=account: e.account_id == a)
            if not entries:
                continue
            candidates = Partner.search(
                [
                    ("is_calendoc_requester", "=", True),
                    ("calendoc_account_id", "=", account.id or False),
                ]
            )
            for requester in candidates:
                digests = self._calendoc_digests(requester)
                entry = next((e for e in entries if e._calendoc_matches(digests)), None)
                if entry:
                    requester._calendoc_gdpr_erase(
                        request=f"{entry._name},{entry.id}", cancel_future=True
                    )
                    erased |= requester
        return erased

    @api.model
    def _calendoc_journal_dump(self):
        """The journal as JSON-able rows, to keep beside the backups."""
        if not self.env.user.has_group(MANAGER) and not self.env.su:
            raise AccessError(
                self.env._("Only a secretariat manager reads the journal.")
            )
        return [
            {
                "entry_uuid": e.entry_uuid,
                "date": fields.Datetime.to_string(e.date),
                "account_id": e.account_id.id,
                "request_ref": e.request_ref,
                "digests": e.digests,
                "store_counts": e.store_counts,
            }
            for e in self.sudo().search([], order="id")
        ]

    @api.model
    def _calendoc_journal_load(self, rows):
        """Put back the rows of ``_calendoc_journal_dump`` a restored database
        lacks; all of them (as entries of this database), to replay."""
        if not self.env.su and not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager erases personal data.")
            )
        if isinstance(rows, str):
            rows = json.loads(rows)
        if not isinstance(rows, list) or not all(
            isinstance(r, dict) and r.get("entry_uuid") for r in rows
        ):
            raise UserError(self.env._("This is not an erasure journal."))
        Journal = self.sudo()
        known = {
            e.entry_uuid: e
            for e in Journal.search(
                [("entry_uuid", "in", [r["entry_uuid"] for r in rows])]
            )
        }
        missing = [r for r in rows if r["entry_uuid"] not in known]
        accounts = (
            self.env["res.partner"]
            .sudo()
            .browse({r.get("account_id") or 0 for r in missing} - {0})
            .exists()
        )
        created = Journal.create(
            [
                {
                    "entry_uuid": r["entry_uuid"],
                    "date": r.get("date") or fields.Datetime.now(),
                    "account_id": r.get("account_id")
                    if r.get("account_id") in accounts.ids
                    else False,
                    "request_ref": r.get("request_ref"),
                    "digests": r.get("digests") or "",
                    "store_counts": r.get("store_counts") or {},
                }
                for r in missing
            ]
        )
        return Journal.browse([e.id for e in known.values()]) | created
