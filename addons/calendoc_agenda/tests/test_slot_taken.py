import json
from datetime import datetime

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from ..exceptions import SlotTakenError
from .common import CalendocCase

MONDAY = datetime(2031, 3, 24)
SLOT_TAKEN = "odoo.addons.calendoc_agenda.exceptions.SlotTakenError"


@tagged("post_install", "-at_install")
class TestSlotTaken(CalendocCase):
    def test_a_booking_over_another_is_refused_as_a_slot_taken(self):
        self.book(MONDAY.replace(hour=8))
        with self.assertRaisesRegex(SlotTakenError, "already has an appointment"):
            self.book(MONDAY.replace(hour=8, minute=15))
        other = self.book(MONDAY.replace(hour=9))
        with self.assertRaisesRegex(SlotTakenError, "already has an appointment"):
            other.write(
                {
                    "start": MONDAY.replace(hour=8, minute=15),
                    "stop": MONDAY.replace(hour=8, minute=45),
                }
            )

    def test_an_overlap_only_the_database_saw_is_a_slot_taken(self):
        # an appointment archived, its slot booked since, then restored: the
        # application's check is not run (nothing moved), the exclusion
        # constraint refuses
        archived = self.book(MONDAY.replace(hour=8))
        archived.active = False
        self.book(MONDAY.replace(hour=8, minute=15))
        with self.assertRaisesRegex(SlotTakenError, "just taken"):
            archived.active = True

    def test_other_refusals_are_not_a_slot_taken(self):
        stranger = self.env["calendoc.practitioner"].create(
            {"name": "Dr Ailleurs", "account_id": self.account.id}
        )
        refusals = {
            "does not consult": {"calendoc_practitioner_id": stranger.id},
            "end after it starts": {"stop": MONDAY.replace(hour=7)},
        }
        for message, values in refusals.items():
            with self.subTest(message=message):
                with self.assertRaisesRegex(ValidationError, message) as refused:
                    self.env["calendar.event"].create(
                        {
                            "calendoc_practitioner_id": self.doctor.id,
                            "calendoc_practice_id": self.practice.id,
                            "start": MONDAY.replace(hour=9),
                            "stop": MONDAY.replace(hour=9, minute=30),
                            **values,
                        }
                    )
                self.assertNotIsInstance(refused.exception, SlotTakenError)


@tagged("post_install", "-at_install")
class TestSlotTakenInTheWebClient(HttpCase, CalendocCase):
    def test_a_secretary_is_told_the_slot_is_taken_as_a_validation_error(self):
        """The web client shows an error class it does not know as a server
        error ("Oops!", a traceback): a slot taken is shown as the validation
        error it is, as before it had a class of its own."""
        self.book(MONDAY.replace(hour=8))
        values = {
            "calendoc_practitioner_id": self.doctor.id,
            "calendoc_type_id": self.consult.id,
            "calendoc_requester_id": self.requester.id,
            "start": "2031-03-24 08:15:00",
        }
        code = """
            const { registry } = odoo.loader.modules.get("@web/core/registry");
            const { WarningDialog, odooExceptionTitleMap } = odoo.loader.modules.get(
                "@web/core/errors/error_dialogs"
            );
            const { orm } = odoo.__WOWL_DEBUG__.root.env.services;
            orm.create("calendar.event", [%s]).then(
                () => console.error("the taken slot was booked"),
                (error) => {
                    const name = error.exceptionName;
                    const title = odooExceptionTitleMap.get(name);
                    const validation = odooExceptionTitleMap.get(
                        "odoo.exceptions.ValidationError"
                    );
                    if (
                        name === "%s" &&
                        registry.category("error_dialogs").get(name, null) === WarningDialog &&
                        String(title) === String(validation)
                    ) {
                        console.log("test successful");
                    } else {
                        console.error(`a slot taken is shown as ${name}, "${title}"`);
                    }
                }
            );
        """ % (json.dumps(values), SLOT_TAKEN)
        self.browser_js(
            "/odoo", code, "odoo.isReady === true", login=self.secretary.login
        )
        self.assertEqual(
            self.env["calendar.event"].search_count(
                [("calendoc_practitioner_id", "=", self.doctor.id)]
            ),
            1,
        )
