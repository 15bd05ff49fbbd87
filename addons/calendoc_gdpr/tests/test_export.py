import io
import json
import zipfile

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.calendoc_agenda.tests.common import CalendocCase


@tagged("post_install", "-at_install")
class TestAccessExport(CalendocCase):
    """An access request exports what the declared lists cover about one
    requester, and nothing about anybody else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="calendoc_gdpr_manager",
            groups="calendoc_agenda.group_calendoc_manager",
        )
        cls.other = cls.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.account.id,
                "calendoc_last_name": "Martin",
                "calendoc_first_name": "Paul",
                "mobile": "06 99 88 77 66",
            }
        )

    def export(self, requesters, user=None):
        """The data.json of the bundle exported, and the bundle's record."""
        action = requesters.with_user(
            user or self.manager
        ).action_calendoc_gdpr_export()
        export = self.env["calendoc.gdpr.export"].browse(action["res_id"])
        return json_of(export), export

    def test_the_requesters_data_from_every_declaring_model(self):
        self.requester.calendoc_birthdate = "1980-02-29"
        mine = self.book(
            self.utc(2030, 3, 4, 9, 0), calendoc_remarks="Allergique à la pénicilline"
        )
        theirs = self.book(
            self.utc(2030, 3, 4, 10, 0),
            calendoc_requester_id=self.other.id,
            calendoc_remarks="Remarque d'un autre patient",
        )
        theirs.calendoc_state = "cancelled"
        sms = self.env["sms.sms"].create(
            {
                "number": "+33612345678",
                "body": "Rappel : rendez-vous le 4 mars",
                "partner_id": self.requester.id,
            }
        )
        data, export = self.export(self.requester)
        [me] = data["res.partner"]
        self.assertEqual(me["name"], "DUPONT Jeanne")
        self.assertEqual(me["calendoc_mobile_e164"], "+33612345678")
        self.assertEqual(me["email"], "jeanne.dupont@example.fr")
        self.assertEqual(me["calendoc_birthdate"], "1980-02-29")
        [appointment] = data["calendar.event"]
        self.assertEqual(appointment["id"], mine.id)
        self.assertEqual(appointment["calendoc_remarks"], "Allergique à la pénicilline")
        self.assertEqual([row["body"] for row in data["sms.sms"]], [sms.body])
        # nothing of the other requester
        self.assertNotIn("Martin", json.dumps(data))
        self.assertNotIn("autre patient", json.dumps(data))
        # kept on the export of this requester, and the request noted in his
        # chatter
        self.assertEqual(export.requester_id, self.requester)
        self.assertEqual(
            (export.attachment_id.res_model, export.attachment_id.res_id),
            ("calendoc.gdpr.export", export.id),
        )
        self.assertIn(
            "Personal data exported",
            self.requester.message_ids[0].body,
        )

    def test_only_a_manager_exports_and_only_requesters(self):
        with self.assertRaises(AccessError):
            self.requester.with_user(self.secretary).action_calendoc_gdpr_export()
        with self.assertRaises(UserError):
            self.account.with_user(self.manager).action_calendoc_gdpr_export()

    def test_several_requesters_get_one_file_each(self):
        action = (
            (self.requester | self.other)
            .with_user(self.manager)
            .action_calendoc_gdpr_export()
        )
        exports = self.env["calendoc.gdpr.export"].search(action["domain"])
        for requester in self.requester | self.other:
            export = exports.filtered(lambda e, r=requester: e.requester_id == r)
            self.assertEqual(len(export), 1)
            self.assertEqual(json_of(export)["requester"], requester.name)


def json_of(export):
    """The data.json of an export bundle."""
    with zipfile.ZipFile(io.BytesIO(export.attachment_id.raw)) as bundle:
        return json.loads(bundle.read("data.json"))
