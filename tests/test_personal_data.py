"""Invariant 4 (ARCHITECTURE.md): every model holding a requester's data says
which fields, in ``_calendoc_personal_fields``: the one list access export,
rectification, erasure and retention are driven by. Checked over every model
the six addons install, so that a new model linked to requesters cannot be
added without its declaration."""

from odoo.tests import TransactionCase, new_test_user, tagged

# Models linked to requesters, by the field that links them.
REQUESTER_LINKS = {
    "calendar.event": "calendoc_requester_id",
    "calendoc.call": "requester_id",
    "calendoc.gdpr.export": "requester_id",
    "calendoc.gdpr.request": "requester_id",
    "calendoc.requester.thread": "requester_id",
    "calendoc.gdpr.consent": "requester_id",
    "calendoc.gdpr.audit": "requester_id",
}


@tagged("post_install", "-at_install")
class TestPersonalData(TransactionCase):
    def requester_links(self):
        """{model: [fields]} of the stored Many2one to partners named after the
        requester, on every persisted model."""
        found = {}
        for name, model in self.env.registry.items():
            if model._abstract or model._transient or not model._auto:
                continue
            for field in model._fields.values():
                if (
                    field.type == "many2one"
                    and field.comodel_name == "res.partner"
                    and field.store
                    and "requester" in field.name
                ):
                    found.setdefault(name, []).append(field.name)
        return found

    def test_every_model_linked_to_requesters_declares_his_data(self):
        links = self.requester_links()
        self.assertEqual(
            {model: fields[0] for model, fields in links.items()}, REQUESTER_LINKS
        )
        for model, fields in links.items():
            declared = getattr(self.env[model], "_calendoc_personal_fields", ())
            with self.subTest(model=model):
                self.assertTrue(
                    set(fields) <= set(declared),
                    f"{model} holds requesters' data ({fields}) without declaring it",
                )

    def test_every_declared_field_exists_and_is_stored(self):
        declaring = [
            name
            for name, model in self.env.registry.items()
            if getattr(model, "_calendoc_personal_fields", None)
        ]
        self.assertTrue(
            {"res.partner", "calendar.event", "sms.sms", "calendoc.call"}
            <= set(declaring)
        )
        for name in declaring:
            model = self.env[name]
            for field_name in model._calendoc_personal_fields:
                with self.subTest(model=name, field=field_name):
                    self.assertIn(field_name, model._fields)
                    self.assertTrue(model._fields[field_name].store)


@tagged("post_install", "-at_install")
class TestAccessExportAcrossAddons(TransactionCase):
    """calendoc_gdpr knows none of the telephony and portal models: their
    declarations alone bring their data into an access export."""

    def test_calls_and_conversations_are_in_the_export(self):
        account = self.env["res.partner"].create(
            {"name": "Cabinet RGPD", "is_company": True, "is_calendoc_client": True}
        )
        practice = self.env["calendoc.practice"].create(
            {"name": "Cabinet RGPD", "account_id": account.id}
        )
        requester = self.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": account.id,
                "calendoc_last_name": "Durand",
                "calendoc_first_name": "Lise",
                "mobile": "06 11 22 33 44",
            }
        )
        call = self.env["calendoc.call"].create(
            {
                "sip_call_id": "gdpr-export-1",
                "direction": "in",
                "caller_number": "+33611223344",
                "called_number": "+33241000000",
                "practice_id": practice.id,
                "account_id": account.id,
                "requester_id": requester.id,
            }
        )
        self.env["calendoc.call.event"].create(
            {
                "call_id": call.id,
                "sip_call_id": call.sip_call_id,
                "kind": "ringing",
                "event_date": "2030-01-01 10:00:00",
                "payload": {"from": "0611223344"},
            }
        )
        thread = self.env["calendoc.requester.thread"].create(
            {"requester_id": requester.id}
        )
        thread.message_post(body="Mme Durand rappellera demain", message_type="comment")
        manager = new_test_user(
            self.env,
            login="calendoc_gdpr_manager_x",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        data = requester.with_user(manager)._calendoc_gdpr_data()
        [exported_call] = data["calendoc.call"]
        self.assertEqual(exported_call["caller_number"], "+33611223344")
        [event] = data["calendoc.call.event"]
        self.assertEqual(event["payload"], {"from": "0611223344"})
        [conversation] = data["calendoc.requester.thread"]
        self.assertIn(
            "Mme Durand rappellera demain",
            [message["text"] for message in conversation["messages"]],
        )
