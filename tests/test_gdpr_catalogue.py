"""Invariant 4 checked on the PostgreSQL catalogue (issue 20): every table
that can reference a requester — a foreign key to ``res_partner``, a foreign
key to a CalenDoc record about a requester, or a (model, id) pair naming any
record — is a declared store or exempted here with a reason; and every text,
char, html, json and binary column of every declared store's table is a
declared personal field or exempted here with a reason. A future model, or a
new column on a store, that forgets its declaration fails this test."""

from odoo.tests import TransactionCase, tagged

# Why the data of these tables never holds a requester's, or goes otherwise.
ACCOUNT = "a client account, a firm or a company: never a requester"
USER = "an internal or portal user's own partner: requesters have no login"
ACCOUNTING = "invoices and payments are the client account's, not a requester's"
NO_TEXT = "a link with no text: erased with the record it belongs to"
CHATTER = "hangs from a message: deleted with it (mail.message is a store)"
TECH = "a technical value (state, kind, token, id, model name): no text about a person"
FILE = "the file's content or name on disk: goes with the record (unlink, then the filestore GC)"
COMPUTED = "computed from declared fields: recomputed when erasure empties them"
PARTNER_SETTING = (
    "an accounting, invoicing or client-account setting of a contact, "
    "not the requester's data"
)
EXEMPT_LINKS = {
    # calendoc_gdpr's own records name the client account (the controller),
    # never a requester through these columns
    "calendoc_gdpr_audit.account_id": ACCOUNT,
    "calendoc_gdpr_consent.account_id": ACCOUNT,
    "calendoc_gdpr_export.account_id": ACCOUNT,
    "calendoc_gdpr_incident_account_rel.account_id": ACCOUNT,
    "calendoc_gdpr_notice.account_id": ACCOUNT,
    "calendoc_gdpr_processing_account_rel.account_id": ACCOUNT,
    "calendoc_gdpr_request.account_id": ACCOUNT,
    "calendoc_gdpr_subprocessor_objection.account_id": ACCOUNT,
    "sms_sms.calendoc_account_id": ACCOUNT,
    "account_analytic_account.partner_id": ACCOUNTING,
    "account_analytic_distribution_model.partner_id": ACCOUNTING,
    "account_analytic_line.partner_id": ACCOUNTING,
    "account_bank_statement_line.partner_id": ACCOUNTING,
    "account_move.commercial_partner_id": ACCOUNTING,
    "account_move.partner_id": ACCOUNTING,
    "account_move.partner_shipping_id": ACCOUNTING,
    "account_move_line.partner_id": ACCOUNTING,
    "account_payment.partner_id": ACCOUNTING,
    "account_reconcile_model_partner_mapping.partner_id": ACCOUNTING,
    "account_reconcile_model_res_partner_rel.res_partner_id": ACCOUNTING,
    "calendar_event.calendoc_account_id": ACCOUNT,
    "calendar_filters.partner_id": "a user's calendar display filter: no text, the partner is anonymised",
    "calendar_recurrence.base_event_id": "a recurrence of the practitioner's own events; appointments do not recur",
    "calendoc_account_secretary_rel.account_id": ACCOUNT,
    "calendoc_appointment_type.account_id": ACCOUNT,
    "calendoc_call.account_id": ACCOUNT,
    "calendoc_call_event.account_id": ACCOUNT,
    "calendoc_credit_move.account_id": ACCOUNT,
    "calendoc_credit_move.charged_for_id": ACCOUNT,
    "calendoc_delegation.grantee_account_id": ACCOUNT,
    "calendoc_delegation.grantor_account_id": ACCOUNT,
    "calendoc_gdpr_erasure.account_id": ACCOUNT,
    "calendoc_google_connection.account_id": ACCOUNT,
    "calendoc_pack.account_id": ACCOUNT,
    "calendoc_practice.account_id": ACCOUNT,
    "calendoc_practice_line.account_id": ACCOUNT,
    "calendoc_practitioner.account_id": ACCOUNT,
    "calendoc_practitioner.partner_id": "a practitioner: a professional, not a requester",
    "calendoc_requester_category.account_id": ACCOUNT,
    "calendoc_requester_thread.account_id": ACCOUNT,
    "calendoc_requester_thread_seen_rel.partner_id": USER,
    "calendoc_schedule.account_id": ACCOUNT,
    "calendoc_terms_objection.account_id": ACCOUNT,
    "calendoc_wallet.account_id": ACCOUNT,
    "discuss_channel_member.partner_id": USER,
    "ir_act_server_res_partner_rel.res_partner_id": "the partners a server action notifies: configuration",
    "mail_activity.request_partner_id": USER,
    "mail_message_reaction.partner_id": USER,
    "mail_message_res_partner_starred_rel.res_partner_id": USER,
    "mail_notification.author_id": CHATTER,
    "mail_push_device.partner_id": USER,
    "mail_scheduled_message.author_id": USER,
    "payment_token.partner_id": ACCOUNTING,
    "payment_transaction.partner_id": ACCOUNTING,
    "product_supplierinfo.partner_id": "a vendor of a product: the firm's suppliers",
    "res_company.partner_id": ACCOUNT,
    "res_partner.calendoc_account_id": ACCOUNT,
    "res_partner.commercial_partner_id": "the requester himself (no company): anonymised with him",
    "res_partner.parent_id": "requesters have no parent; the contacts of a client account do",
    "res_partner_autocomplete_sync.partner_id": "companies looked up by VAT number: client accounts",
    "res_partner_bank.partner_id": "bank accounts: requesters pay nothing through CalenDoc",
    "res_partner_res_partner_category_rel.partner_id": NO_TEXT,
    "res_users.calendoc_permanence_account_id": ACCOUNT,
    "res_users.partner_id": USER,
    "res_users_settings_volumes.guest_id": USER,
    "res_users_settings_volumes.partner_id": USER,
    "sale_order.partner_id": ACCOUNTING,
    "sale_order.partner_invoice_id": ACCOUNTING,
    "sale_order.partner_shipping_id": ACCOUNTING,
    "sale_order_line.order_partner_id": ACCOUNTING,
    "snailmail_letter.partner_id": "postal letters of invoices, sent to client accounts",
}
EXEMPT_DOCUMENT_TABLES = {
    "calendoc_delegation_log": "a delegate's use of a record: field names and an id, no text; the account's audit trail",
    "ir_act_window": "window actions: configuration, never about a requester",
    "ir_model_data": "external ids of records: identifiers only, no text",
    "snailmail_letter": "postal letters of invoices, sent to client accounts",
}
EXEMPT_COLUMNS = {
    "calendoc_gdpr_export.access_token": TECH,
    "calendoc_gdpr_request.channel": TECH,
    "calendoc_gdpr_request.request_type": TECH,
    "calendoc_gdpr_request.state": TECH,
    "calendoc_gdpr_request.extension_reason": (
        "the processor's reason for the extension (article 12.3), kept as "
        "proof with the request"
    ),
    "calendoc_gdpr_request.refusal_reason": (
        "the controller's reason for refusing, kept as proof with the request"
    ),
    "res_partner.calendoc_transfer_outside_eu": (
        "a client account's decision on transfers outside the EU"
    ),
    "res_partner.siret": (
        "l10n_fr's SIRET of a company (client accounts), never a requester's"
    ),
    "calendoc_call_event.response": (
        "CalenDoc's answer to the PBX: action, call id, practice, the "
        "secretaries' extensions; nothing about the caller"
    ),
    "calendar_attendee.access_token": TECH,
    "calendar_attendee.availability": TECH,
    "calendar_attendee.state": TECH,
    "calendar_event.access_token": TECH,
    "calendar_event.calendoc_access_token": TECH,
    "calendar_event.calendoc_google_event_id": "the Google mapping: an id, deleted with the appointment",
    "calendar_event.calendoc_source": TECH,
    "calendar_event.calendoc_state": TECH,
    "calendar_event.google_id": "the Google mapping: an id, deleted with the appointment",
    "calendar_event.privacy": TECH,
    "calendar_event.res_model": TECH,
    "calendar_event.show_as": TECH,
    "calendar_event.videocall_location": "the practice's video link, not the requester's",
    "calendoc_call.direction": TECH,
    "calendoc_call.outcome": TECH,
    "calendoc_call.sip_call_id": TECH,
    "calendoc_call.state": TECH,
    "calendoc_call_event.kind": TECH,
    "calendoc_call_event.sip_call_id": TECH,
    "calendoc_credit_move.description": "the statement line: a date and a practitioner, no requester (calendoc.wallet._charge_description), kept ten years",
    "calendoc_credit_move.key": TECH,
    "calendoc_credit_move.kind": TECH,
    "calendoc_credit_move.move_type": TECH,
    "calendoc_credit_move.origin_model": TECH,
    "calendoc_credit_move.reason": "a manager's correction of the account's balance, about the account",
    "calendoc_credit_move.sms_country_code": TECH,
    "calendoc_google_push.google_calendar_id": TECH,
    "calendoc_google_push.last_error": "Google's answer to a push (status and reason), no event content",
    "calendoc_google_push.operation": TECH,
    "calendoc_google_push.state": TECH,
    "calendoc_requester_thread.access_token": TECH,
    "ir_attachment.access_token": TECH,
    "ir_attachment.checksum": TECH,
    "ir_attachment.db_datas": FILE,
    "ir_attachment.mimetype": TECH,
    "ir_attachment.res_field": TECH,
    "ir_attachment.res_model": TECH,
    "ir_attachment.store_fname": FILE,
    "ir_attachment.type": TECH,
    "mail_activity.res_model": TECH,
    "mail_activity.user_tz": TECH,
    "mail_followers.res_model": TECH,
    "mail_mail.failure_type": TECH,
    "mail_mail.state": TECH,
    "mail_message.email_layout_xmlid": TECH,
    "mail_message.message_id": TECH,
    "mail_message.message_type": TECH,
    "mail_message.model": TECH,
    "mail_notification.failure_type": TECH,
    "mail_notification.notification_status": TECH,
    "mail_notification.notification_type": TECH,
    "mail_scheduled_message.model": TECH,
    "mail_scheduled_message.notification_parameters": TECH,
    "mail_tracking_value.field_info": "the description of a removed field, not its value",
    "res_partner.additional_info": PARTNER_SETTING,
    "res_partner.autopost_bills": PARTNER_SETTING,
    "res_partner.calendoc_offer": PARTNER_SETTING,
    "res_partner.calendoc_permanence_code": PARTNER_SETTING,
    "res_partner.calendoc_recording_announcement": PARTNER_SETTING,
    "res_partner.calendoc_siret": PARTNER_SETTING,
    "res_partner.commercial_company_name": COMPUTED,
    "res_partner.company_registry": PARTNER_SETTING,
    "res_partner.complete_name": COMPUTED,
    "res_partner.credit_limit": PARTNER_SETTING,
    "res_partner.email_normalized": COMPUTED,
    "res_partner.ignore_abnormal_invoice_amount": PARTNER_SETTING,
    "res_partner.ignore_abnormal_invoice_date": PARTNER_SETTING,
    "res_partner.invoice_edi_format_store": PARTNER_SETTING,
    "res_partner.invoice_sending_method": PARTNER_SETTING,
    "res_partner.invoice_warn": PARTNER_SETTING,
    "res_partner.invoice_warn_msg": PARTNER_SETTING,
    "res_partner.lang": PARTNER_SETTING,
    "res_partner.peppol_eas": PARTNER_SETTING,
    "res_partner.peppol_endpoint": PARTNER_SETTING,
    "res_partner.phone_sanitized": COMPUTED,
    "res_partner.property_account_payable_id": PARTNER_SETTING,
    "res_partner.property_account_position_id": PARTNER_SETTING,
    "res_partner.property_account_receivable_id": PARTNER_SETTING,
    "res_partner.property_inbound_payment_method_line_id": PARTNER_SETTING,
    "res_partner.property_outbound_payment_method_line_id": PARTNER_SETTING,
    "res_partner.property_payment_term_id": PARTNER_SETTING,
    "res_partner.property_supplier_payment_term_id": PARTNER_SETTING,
    "res_partner.sale_warn": PARTNER_SETTING,
    "res_partner.sale_warn_msg": PARTNER_SETTING,
    "res_partner.signup_type": PARTNER_SETTING,
    "res_partner.specific_property_product_pricelist": PARTNER_SETTING,
    "res_partner.trust": PARTNER_SETTING,
    "res_partner.type": PARTNER_SETTING,
    "res_partner.tz": PARTNER_SETTING,
    "sms_sms.calendoc_country_code": TECH,
    "sms_sms.calendoc_encoding": TECH,
    "sms_sms.calendoc_kind": TECH,
    "sms_sms.calendoc_provider_ref": TECH,
    "sms_sms.failure_type": TECH,
    "sms_sms.state": TECH,
    "sms_sms.uuid": TECH,
}
RETENTION_CATEGORIES = (
    None,
    "appointments",
    "requesters",
    "calls",
    "recordings",
    "sms",
    "messages",
    "audit",
)
TEXT_TYPES = ("text", "character varying", "character", "jsonb", "json", "bytea")


class Catalogue:
    """The walk of the catalogue, on ``env`` (also timed by
    bench/bench_gdpr.py)."""

    def __init__(self, env):
        self.env = env
        self.tables = {}  # table -> model
        self.relations = {}  # m2m table -> (model, field)
        for name in env.registry:
            model = env[name]
            if model._abstract or not model._auto:
                continue
            self.tables[model._table] = model
            for field in model._fields.values():
                if field.type == "many2many" and field.store:
                    self.relations.setdefault(field.relation, (model, field))
        self.stores = {
            env[name]._table: env[name]
            for name in env["res.partner"]._calendoc_gdpr_stores()
        }

    def transient(self, table):
        model = self.tables.get(table)
        if model is None and table in self.relations:
            model = self.relations[table][0]
        return model is not None and model._transient

    def declared_links(self):
        """{(table, column)} that the stores declare as their path to the
        requester or as one of their personal fields."""
        links = set()
        for table, model in self.stores.items():
            link = (model._calendoc_requester_link or "").split(".")[0]
            for fname in (link, *model._calendoc_personal_fields):
                field = model._fields.get(fname)
                if not field or not field.store:
                    continue
                if field.type == "many2many":
                    links.add((field.relation, field.column2))
                elif field.type == "many2one" or fname == "id":
                    links.add((table, fname))
        return links

    def foreign_keys(self, target_tables):
        self.env.cr.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
              FROM pg_constraint c
              JOIN pg_attribute a
                ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.contype = 'f' AND c.confrelid::regclass::text = ANY(%s)
            """,
            [list(target_tables)],
        )
        return self.env.cr.fetchall()

    def missing_links(self):
        """The tables that may reference a requester and are neither a store
        nor exempted."""
        declared = self.declared_links()
        missing = []
        # 1. a foreign key to res_partner: a requester may be the partner
        for table, column, _target in self.foreign_keys(["res_partner"]):
            key = f"{table}.{column}"
            if (
                (table, column) in declared
                or key in EXEMPT_LINKS
                or self.transient(table)
            ):
                continue
            missing.append(key)
        # 2. a foreign key to a CalenDoc record about a requester
        documents = [
            table
            for table, model in self.stores.items()
            if model._name != "res.partner" and model._calendoc_requester_link
        ]
        for table, column, _target in self.foreign_keys(documents):
            key = f"{table}.{column}"
            if (
                table in self.stores
                or table in self.relations
                and self.relations[table][0]._table in self.stores
                or key in EXEMPT_LINKS
                or self.transient(table)
            ):
                continue
            missing.append(key)
        # 3. a (model, id) pair: it may name any record, a requester's too
        self.env.cr.execute(
            """
            SELECT table_name FROM information_schema.columns
             WHERE table_schema = current_schema()
               AND column_name IN ('res_model', 'model', 'res_id')
             GROUP BY table_name HAVING count(*) >= 2
            """
        )
        for (table,) in self.env.cr.fetchall():
            if (
                table in self.stores
                or table in EXEMPT_DOCUMENT_TABLES
                or self.transient(table)
            ):
                continue
            missing.append(f"{table} (model, id)")
        return sorted(missing)

    def missing_columns(self):
        """The text columns of the stores neither declared nor exempted."""
        self.env.cr.execute(
            """
            SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ANY(%s)
               AND data_type IN %s
             ORDER BY table_name, column_name
            """,
            [list(self.stores), TEXT_TYPES],
        )
        missing = []
        for table, column in self.env.cr.fetchall():
            model = self.stores[table]
            if column in model._calendoc_personal_fields:
                continue
            if f"{table}.{column}" in EXEMPT_COLUMNS:
                continue
            missing.append(f"{table}.{column}")
        return missing


@tagged("post_install", "-at_install")
class TestGdprCatalogue(TransactionCase):
    maxDiff = None

    def setUp(self):
        super().setUp()
        self.catalogue = Catalogue(self.env)

    def test_every_link_to_a_requester_is_a_store_or_exempted(self):
        self.assertEqual(
            self.catalogue.missing_links(),
            [],
            "these tables may reference a requester: declare them as a store "
            "(_calendoc_personal_fields, _calendoc_requester_link or "
            "_calendoc_personal_records) or exempt them here with a reason",
        )

    def test_every_text_column_of_a_store_is_declared_or_exempted(self):
        self.assertEqual(
            self.catalogue.missing_columns(),
            [],
            "these columns of declared stores are neither personal fields nor "
            "exempted with a reason",
        )

    def test_every_exemption_has_a_reason_and_exists(self):
        for exempt in (EXEMPT_LINKS, EXEMPT_DOCUMENT_TABLES, EXEMPT_COLUMNS):
            for key, reason in exempt.items():
                with self.subTest(key=key):
                    self.assertTrue(reason and len(reason) > 10)
        for model in self.catalogue.stores.values():
            with self.subTest(store=model._name):
                self.assertIn(model._calendoc_erasure, ("delete", "anonymise", "keep"))
                if model._calendoc_erasure != "delete":
                    self.assertTrue(model._calendoc_erasure_reason)
                self.assertIn(model._calendoc_retention, RETENTION_CATEGORIES)
