from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER = "calendoc_agenda.group_calendoc_manager"
# Odoo's stores that hang from the CalenDoc records (engine_stores.py)
ODOO_STORES = (
    "mail.tracking.value",
    "mail.notification",
    "mail.mail",
    "mail.message",
    "mail.followers",
    "mail.activity",
    "mail.scheduled.message",
    "ir.attachment",
)


def _erase_order(name):
    if name in ODOO_STORES:
        return (0, ODOO_STORES.index(name))
    return (2, 0) if name == "res.partner" else (1, 0)


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _calendoc_gdpr_stores(self):
        """The names of the models that declare personal data (the stores
        export, erasure, restriction and retention walk), sorted."""
        return [
            name
            for name in sorted(self.env.registry)
            if not self.env[name]._abstract
            and not self.env[name]._transient
            and self.env[name]._calendoc_personal_fields
        ]

    def _calendoc_gdpr_documents(self):
        """{model: ids} of the CalenDoc records about these requesters (every
        store but Odoo's own chatter and attachments, which hang from them),
        with under ``ir.attachment`` the files those records name."""
        docs = {}
        for name in self._calendoc_gdpr_stores():
            if name in ODOO_STORES:
                continue
            # sudo: as in _calendoc_gdpr_records
            records = self.env[name].sudo()._calendoc_personal_records(self)
            if not records:
                continue
            docs[name] = records.ids
            for fname in records._calendoc_personal_fields:
                field = records._fields[fname]
                if field.comodel_name == "ir.attachment":
                    docs.setdefault("ir.attachment", []).extend(records[fname].ids)
        return docs

    def _calendoc_gdpr_records(self):
        """{model: records} of every declared store about these requesters:
        the one collection export and erasure both read, so that they cover
        the same data."""
        # sudo: an access or erasure request covers every record about him,
        # those kept by the system too (SMS sent, call events); callers check
        # the manager's right first
        Partner = self.sudo().with_context(
            calendoc_gdpr_documents=self._calendoc_gdpr_documents()
        )
        requesters = Partner.browse(self.ids)
        return {
            name: records.with_env(self.env(su=True))
            for name in self._calendoc_gdpr_stores()
            if (records := Partner.env[name]._calendoc_personal_records(requesters))
        }

    def _calendoc_gdpr_data(self):
        """{model: rows} of every declared store about this requester: the
        declared fields of the records ``_calendoc_gdpr_records`` finds (the
        same collection erasure acts on)."""
        self.ensure_one()
        data = {
            "requester": self.name,
            "exported": fields.Datetime.now(),
        }
        # sudo: as in _calendoc_gdpr_records, with the same documents
        Partner = self.sudo().with_context(
            calendoc_gdpr_documents=self._calendoc_gdpr_documents()
        )
        for name in self._calendoc_gdpr_stores():
            rows = Partner.env[name]._calendoc_personal_data(Partner.browse(self.ids))
            if rows:
                data[name] = rows
        return data

    def _calendoc_gdpr_erase(self, request=None, cancel_future=False):
        """Erase these requesters' data, store by store, per each store's
        declared erasure mode, all in one transaction (a store that fails
        rolls every store back); journal each erasure (the person as salted
        hashes only). {model: count}. Secretariat managers only (checked here:
        the stores are walked with sudo).

        A requester with appointments still to come is refused (UserError)
        unless ``cancel_future``: they are then cancelled first, with the
        erasure as reason (the practice's board shows it at once, Google's
        copy is deleted)."""
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(
                self.env._("Only a secretariat manager erases personal data.")
            )
        requesters = self.filtered("is_calendoc_requester")
        if not requesters:
            raise UserError(self.env._("Select the requesters whose data to erase."))
        # sudo: the manager's right is checked above; archived requesters too
        requesters = requesters.sudo().with_context(active_test=False)
        future = (
            self.env["calendar.event"]
            .sudo()
            .search(
                [
                    ("calendoc_requester_id", "in", requesters.ids),
                    ("calendoc_state", "!=", "cancelled"),
                    ("start", ">", fields.Datetime.now()),
                ]
            )
        )
        if future and not cancel_future:
            raise UserError(
                self.env._(
                    "%(count)s appointments of %(names)s are still to come: cancel "
                    "them first (the practice is told), then erase.",
                    count=len(future),
                    names=", ".join(future.calendoc_requester_id.mapped("name")),
                )
            )
        total = {}
        with self.env.cr.savepoint():
            if future:
                future.calendoc_cancel(
                    self.env._("Cancelled on the requester's erasure request.")
                )
            Journal = self.env["calendoc.gdpr.erasure"]
            for requester in requesters:
                # the hashes of who he was, before his data goes
                digests = Journal._calendoc_digests(requester)
                counts = requester._calendoc_gdpr_erase_one()
                Journal._calendoc_journal(requester, counts, request, digests)
                for name, count in counts.items():
                    total[name] = total.get(name, 0) + count
            self.env.flush_all()
        return total

    def _calendoc_gdpr_erase_one(self):
        """Apply every store's erasure mode to this requester's records."""
        self.ensure_one()
        records = self._calendoc_gdpr_records()
        counts = {}
        # what hangs from messages first, the documents next, the requester
        # himself last: the others point to him
        for name in sorted(records, key=_erase_order):
            found = records[name]
            records[name].exists()._calendoc_erase_personal()
            counts[name] = len(found)
        return counts

    def _calendoc_gdpr_restrict(self, restricted=True, request=None):
        """Restrict (GDPR article 18) or lift the restriction of these
        requesters. Secretariat managers only."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only a secretariat manager restricts processing.")
            )
        self.check_access("write")
        # sudo: the flag is read-only on the form, set by this path only
        self.sudo().write({"calendoc_restricted": restricted})
        if restricted:
            # sudo: the SMS queue is the system's; what waits for him stays
            # unsent (its credits come back, see sms.sms.write)
            self.env["sms.sms"].sudo().search(
                [("partner_id", "in", self.ids), ("state", "=", "outgoing")]
            ).action_set_canceled()
