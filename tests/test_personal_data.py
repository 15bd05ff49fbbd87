"""Invariant 4 (ARCHITECTURE.md): every model holding a requester's data says
which fields, in ``_calendoc_personal_fields``: the one list access export,
rectification, erasure and retention are driven by. Checked over every model
the six addons install, so that a new model linked to requesters cannot be
added without its declaration."""

from odoo.tests import TransactionCase, tagged

# Models linked to requesters, by the field that links them.
REQUESTER_LINKS = {
    "calendar.event": "calendoc_requester_id",
    "calendoc.call": "requester_id",
    "calendoc.requester.thread": "requester_id",
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
