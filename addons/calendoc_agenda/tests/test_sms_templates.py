"""The texts of the SMS are sms.template records a manager edits: they render
today's texts, in French too, and no text can carry health data."""

from datetime import date, datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CalendocCase
from .test_sms_rules import provide_credits

# What must never reach an SMS: the type of a practice that does not show it,
# the remarks of the appointment and of the requester, her birth date (in
# every format a template could print it).
HEALTH_DATA = (
    "Suivi diabète",
    "diabète",
    "Prise de sang à jeun",
    "Allergie pénicilline",
    "1961",
    "03/02/1961",
    "02/03/1961",
)
# Every expression a template could use to reach what an SMS must not say.
REACHING_FURTHER = (
    "object.calendoc_remarks",
    "object.calendoc_requester_id.calendoc_birthdate",
    "object.calendoc_requester_id.calendoc_remarks",
    "object.calendoc_type_id.name",
    "object",
    "ctx",
    "user.name",
    "format_date(object.start)",
    "practitioner.__class__",
    "practitioner[0]",
    "appointments",
    "not valid python(",
)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-08 06:00:00")
class TestSmsTemplates(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        provide_credits(cls.env, cls.account)
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["res.lang"]._activate_lang("en_US")
        cls.requester.lang = "fr_FR"
        cls.Template = cls.env["sms.template"]
        cls.texts = cls.Template.search([("calendoc_kind", "!=", False)])
        cls.manager = new_test_user(
            cls.env,
            login="calendoc_sms_manager",
            password="calendoc_sms_manager-Pass-2026",
            groups="calendoc_agenda.group_calendoc_manager",
            lang="fr_FR",
        )

    def text(self, kind):
        return self.Template._calendoc_template(kind)

    def confirmation_of(self, event):
        return event.calendoc_sms_ids.filtered(
            lambda sms: sms.calendoc_kind == "confirmation"
        )

    def two_appointments(self, **values):
        first = self.book(datetime(2026, 6, 9, 7, 0), **values)
        second = self.book(datetime(2026, 6, 9, 13, 0), practitioner=self.doctor2)
        return first | second

    def assertNoHealthData(self, text):
        for datum in HEALTH_DATA:
            self.assertNotIn(datum, text)

    def test_each_kind_has_one_text(self):
        self.assertEqual(
            sorted(self.texts.mapped("calendoc_kind")),
            ["confirmation", "reminder", "reminder_grouped", "reminder_line"],
        )

    def test_french_texts_are_those_sent_before(self):
        events = self.two_appointments()
        first = events[0]
        self.assertEqual(
            self.confirmation_of(first).body,
            "Votre rendez-vous avec Dr Alice Test (Cabinet Test) le 09/06/2026 "
            "à 09:00 est enregistré.",
        )
        self.assertEqual(
            first._calendoc_sms_body("reminder"),
            "Rappel : rendez-vous avec Dr Alice Test (Cabinet Test) le 09/06/2026 "
            "à 09:00.",
        )
        self.assertEqual(
            events._calendoc_sms_body("reminder"),
            "Rappel, vos rendez-vous : le 09/06/2026 à 09:00 avec Dr Alice Test "
            "(Cabinet Test); le 09/06/2026 à 15:00 avec Dr Bruno Test (Cabinet Test).",
        )
        self.practice.sms_show_type = True
        self.assertEqual(
            first._calendoc_sms_body("confirmation"),
            "Votre rendez-vous (Consultation) avec Dr Alice Test (Cabinet Test) le "
            "09/06/2026 à 09:00 est enregistré.",
        )
        self.assertEqual(
            first._calendoc_sms_body("reminder"),
            "Rappel : rendez-vous (Consultation) avec Dr Alice Test (Cabinet Test) "
            "le 09/06/2026 à 09:00.",
        )
        self.assertEqual(
            events._calendoc_sms_body("reminder"),
            "Rappel, vos rendez-vous : le 09/06/2026 à 09:00 avec Dr Alice Test "
            "(Cabinet Test, Consultation); le 09/06/2026 à 15:00 avec Dr Bruno Test "
            "(Cabinet Test, Consultation).",
        )

    # --- the health-data guard ------------------------------------------------
    def test_no_text_carries_health_data(self):
        """Every text, in every language, and any text a manager may write
        with the placeholders, says nothing of the type (the practice does not
        show it), the remarks or the requester's birth date."""
        self.consult.name = "Suivi diabète"
        self.requester.write(
            {
                "calendoc_birthdate": date(1961, 2, 3),
                "calendoc_remarks": "Allergie pénicilline",
            }
        )
        events = self.two_appointments(calendoc_remarks="Prise de sang à jeun")
        self.assertFalse(self.practice.sms_show_type)
        for lang in ("fr_FR", "en_US"):
            for template in self.texts:
                self.assertNoHealthData(template._calendoc_render(events, lang))
        self.assertNoHealthData(self.confirmation_of(events[0]).body)
        # Whatever a manager writes, a text only says what its placeholders do.
        everything = {
            "confirmation": "{{ practitioner }} {{ practice }} {{ date }} {{ time }} "
            "{{ appointment_type }} {{ appointment_type or practitioner }}",
            "reminder_grouped": "{{ appointments }}",
        }
        for lang in ("fr_FR", "en_US"):
            for template in self.texts.with_user(self.manager):
                kind = template.calendoc_kind
                body = everything.get(kind, everything["confirmation"])
                template.with_context(lang=lang).body = body
            for template in self.texts:
                text = template._calendoc_render(events, lang)
                self.assertIn("Dr Alice Test", text)
                self.assertNoHealthData(text)

    def test_a_text_reaching_further_than_its_placeholders_is_refused(self):
        confirmation = self.text("confirmation").with_user(self.manager)
        for lang in ("fr_FR", "en_US"):
            for expression in REACHING_FURTHER:
                with (
                    self.subTest(lang=lang, expression=expression),
                    self.assertRaises(ValidationError),
                    self.env.cr.savepoint(),
                ):
                    text = f"Rendez-vous le {{{{ date }}}} : {{{{ {expression} }}}}"
                    confirmation.with_context(lang=lang).body = text
        # Not through the translation dialog either.
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            confirmation.update_field_translations(
                "body", {"fr_FR": "{{ object.calendoc_remarks }}"}
            )

    @mute_logger("odoo.addons.calendoc_agenda.models.calendar_event_sms")
    def test_a_text_written_around_the_check_is_refused_when_sent(self):
        confirmation = self.text("confirmation")
        self.env.cr.execute(
            """UPDATE sms_template
                  SET body = body || jsonb_build_object('fr_FR', %s)
                WHERE id = %s""",
            ["Note : {{ object.calendoc_remarks }}", confirmation.id],
        )
        confirmation.invalidate_recordset(["body"])
        event = self.book(datetime(2026, 6, 9, 7, 0), calendoc_remarks="à jeun")
        self.assertEqual(event.calendoc_state, "booked", "the booking stands")
        self.assertFalse(self.confirmation_of(event), "no SMS rather than that one")

    # --- a manager edits the texts -------------------------------------------
    def test_a_manager_edits_a_text_in_french(self):
        confirmation = self.text("confirmation").with_user(self.manager)
        english = confirmation.with_context(lang="en_US").body
        french = "RDV {{ date }} à {{ time }} avec {{ practitioner }}."
        confirmation.with_context(lang="fr_FR").body = french
        event = self.book(datetime(2026, 6, 9, 7, 0))
        self.assertEqual(
            self.confirmation_of(event).body,
            "RDV 09/06/2026 à 09:00 avec Dr Alice Test.",
        )
        self.assertEqual(confirmation.with_context(lang="en_US").body, english)

    def test_the_preview_shows_the_text_of_an_appointment(self):
        event = self.book(datetime(2026, 6, 9, 7, 0))
        preview = (
            self.env["sms.template.preview"]
            .with_user(self.manager)
            .create(
                {
                    "sms_template_id": self.text("reminder").id,
                    "resource_ref": f"calendar.event,{event.id}",
                    "lang": "fr_FR",
                }
            )
        )
        self.assertEqual(
            preview.body,
            "Rappel : rendez-vous avec Dr Alice Test (Cabinet Test) le 09/06/2026 "
            "à 09:00.",
        )

    def test_only_managers_edit_the_texts_and_nobody_deletes_them(self):
        confirmation = self.text("confirmation")
        with self.assertRaises(AccessError):
            confirmation.with_user(self.secretary).body = "{{ date }}"
        other = self.Template.create(
            {
                "name": "Not CalenDoc's",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Hello",
            }
        )
        with self.assertRaises(AccessError):
            other.with_user(self.manager).body = "Bonjour"
        with self.assertRaises(UserError):
            confirmation.unlink()
