from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .common import PortalCase

LIST = "/my/calendoc/messages"


@tagged("post_install", "-at_install")
class TestRequesterMessages(PortalCase):
    """Messages between a client account's users and the secretariat about a
    requester: the patient never receives nor sees them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Thread = cls.env["calendoc.requester.thread"]
        # the pages in English whatever the users' language in this database
        (cls.client_admin | cls.other_admin | cls.doctor_user).lang = "en_US"
        now = fields.Datetime.now()
        Event = cls.env["calendar.event"]
        Engine = cls.env["calendoc.slot.engine"]
        cls.secretary.partner_id.email = "secretaire@example.fr"
        cls.client_admin.partner_id.email = "client.admin@example.fr"
        # a second patient, seen by Dr Bruno only
        cls.requester2 = cls.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.account.id,
                "calendoc_last_name": "Martin",
                "calendoc_first_name": "Louis",
                "email": "louis.martin@example.fr",
            }
        )
        cls.other_requester = cls.env["res.partner"].create(
            {
                "is_calendoc_requester": True,
                "calendoc_account_id": cls.other_account.id,
                "calendoc_last_name": "Etranger",
                "calendoc_first_name": "Paul",
            }
        )
        events = []
        for practitioner, requester in (
            (cls.doctor, cls.requester),
            (cls.doctor2, cls.requester2),
        ):
            slot = Engine._find_slots(
                cls.consult,
                now,
                now + timedelta(days=30),
                practitioners=practitioner,
                online=True,
            )[0]
            events.append(
                Event.create(
                    {
                        "calendoc_type_id": cls.consult.id,
                        "calendoc_practitioner_id": practitioner.id,
                        "calendoc_requester_id": requester.id,
                        "start": slot["start"],
                    }
                )
            )
        cls.alice_event, cls.bruno_event = events
        cls.other_secretary = new_test_user(
            cls.env,
            login="other_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        cls.other_account.calendoc_secretary_ids = [(4, cls.other_secretary.id)]
        cls.delegate = new_test_user(
            cls.env,
            login="delegate_messages",
            groups="calendoc_agenda.group_calendoc_secretary",
        )

    # --- helpers ---------------------------------------------------------------
    def thread_by_client(self, text="Le patient demande un rappel.", requester=None):
        """A conversation started by the client administrator (as the portal
        does: under his own rights)."""
        Thread = self.Thread.with_user(self.client_admin)
        thread = Thread._calendoc_thread_for(requester or self.requester)
        thread._calendoc_post_from_client(text)
        return thread.with_user(self.env.user)

    def counts(self):
        return (
            self.Thread.search_count([]),
            self.env["mail.message"].search_count(
                [("model", "=", "calendoc.requester.thread")]
            ),
        )

    def notified(self, message):
        return message.sudo().notification_ids.res_partner_id

    def mailed(self, message):
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        return mails.recipient_ids, " ".join(filter(None, mails.mapped("email_to")))

    # --- access per route ------------------------------------------------------
    def routes(self, thread):
        return (
            LIST,
            f"{LIST}/{thread.id}",
            f"{LIST}/new?requester_id={self.requester.id}",
        )

    def test_anonymous_visitors_are_sent_to_the_login(self):
        thread = self.thread_by_client()
        for url in self.routes(thread):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertIn("/web/login", response.url)
                self.assertNotIn("DUPONT", response.text)

    def test_portal_user_without_calendoc_role_is_refused(self):
        thread = self.thread_by_client()
        self.authenticate("plain_portal", "plain_portal")
        for url in self.routes(thread):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 403)
                self.assertNotIn("DUPONT", response.text)

    def test_other_clients_user_sees_nothing_and_posts_nothing(self):
        thread = self.thread_by_client("Confidentiel : allergie")
        self.authenticate("other_admin", "other_admin")
        listing = self.url_open(LIST)
        self.assertEqual(listing.status_code, 200)
        self.assertNotIn("o_calendoc_thread_row", listing.text)
        for url in self.routes(thread)[1:]:
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn("DUPONT", response.text)
                self.assertNotIn("allergie", response.text)
        before = self.counts()
        token = self.csrf("/my/calendoc/gdpr")
        for url in self.routes(thread)[1:]:
            with self.subTest(post=url):
                response = self.url_open(url, data={"csrf_token": token, "body": "x"})
                self.assertEqual(response.status_code, 404)
        self.assertEqual(self.counts(), before)
        with self.assertRaises(AccessError):
            thread.with_user(self.other_admin).read(["name"])

    # --- the client writes -----------------------------------------------------
    def test_client_starts_a_conversation_from_the_appointment(self):
        self.authenticate("client_admin", "client_admin")
        detail = self.url_open(f"/my/calendoc/appointments/{self.alice_event.id}")
        new_url = f"{LIST}/new?requester_id={self.requester.id}"
        self.assertIn(new_url.replace("&", "&amp;"), detail.text)
        form = self.url_open(new_url)
        self.assertEqual(form.status_code, 200)
        self.assertIn("DUPONT Jeanne", form.text)
        self.assertFalse(self.Thread.search([]), "nothing is created by looking")
        response = self.url_open(
            new_url,
            data={
                "csrf_token": self.csrf(new_url),
                "body": "Rappeler <b>Mme Dupont</b>\nà propos de son dossier",
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        thread = self.Thread.search([("requester_id", "=", self.requester.id)])
        self.assertEqual(len(thread), 1)
        self.assertIn(f"{LIST}/{thread.id}?sent=1", response.headers["Location"])
        self.assertEqual(thread.account_id, self.account)
        self.assertTrue(thread.needs_reply)
        message = thread.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.client_admin.partner_id)
        # the text is escaped, its lines kept
        self.assertIn("&lt;b&gt;Mme Dupont&lt;/b&gt;<br>", message.body)
        self.assertNotIn("<b>", message.body)
        # the secretary of the account is told, the patient never
        notified = self.notified(message)
        self.assertIn(self.secretary.partner_id, notified)
        self.assertNotIn(self.requester, notified)
        recipients, emails = self.mailed(message)
        self.assertNotIn(self.requester, recipients)
        self.assertNotIn("jeanne.dupont@example.fr", emails)
        self.assertEqual(
            thread.message_partner_ids,
            self.secretary.partner_id | self.client_admin.partner_id,
        )
        page = self.url_open(response.headers["Location"])
        self.assertIn('id="calendoc_message_sent"', page.text)
        self.assertIn("&lt;b&gt;Mme Dupont&lt;/b&gt;", page.text)
        # the same patient again: the same conversation, not a second one
        again = self.url_open(new_url)
        self.assertEqual(again.status_code, 200)
        self.assertTrue(again.url.endswith(f"{LIST}/{thread.id}"), again.url)
        self.assertEqual(self.Thread.search_count([]), 1)

    def test_a_secretary_assigned_later_is_told_of_the_next_message(self):
        thread = self.thread_by_client()
        newcomer = new_test_user(
            self.env,
            login="new_secretary",
            groups="calendoc_agenda.group_calendoc_secretary",
        )
        self.account.calendoc_secretary_ids = [(4, newcomer.id)]
        message = thread.with_user(self.client_admin)._calendoc_post_from_client(
            "Encore une question"
        )
        self.assertIn(newcomer.partner_id, self.notified(message))
        self.assertIn(self.secretary.partner_id, self.notified(message))
        self.assertNotIn(self.other_secretary.partner_id, self.notified(message))

    def test_client_answers_with_an_attachment(self):
        thread = self.thread_by_client()
        self.authenticate("client_admin", "client_admin")
        url = f"{LIST}/{thread.id}"
        response = self.url_open(
            url,
            data={"csrf_token": self.csrf(url), "body": "Voici l'ordonnance"},
            files={"attachments": ("ordonnance.txt", b"Doliprane 1 g", "text/plain")},
        )
        self.assertEqual(response.status_code, 200)
        last = thread.message_ids.sorted("id")[-1]
        self.assertEqual(last.attachment_ids.mapped("name"), ["ordonnance.txt"])
        self.assertEqual(last.attachment_ids.res_model, thread._name)
        self.assertIn("o_calendoc_message_attachment", response.text)
        link = response.text.split('class="o_calendoc_message_attachment" href="')[1]
        download = self.url_open(link.split('"')[0].replace("&amp;", "&"))
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content, b"Doliprane 1 g")

    def test_practitioner_writes_about_his_own_patients_only(self):
        self.authenticate("doctor_portal", "doctor_portal")
        own = f"{LIST}/new?requester_id={self.requester.id}"
        response = self.url_open(
            own, data={"csrf_token": self.csrf(own), "body": "Merci"}
        )
        self.assertEqual(response.status_code, 200)
        thread = self.Thread.search([("requester_id", "=", self.requester.id)])
        self.assertEqual(
            thread.message_ids.sorted("id")[-1].author_id, self.doctor_user.partner_id
        )
        # Dr Bruno's patient is not his
        before = self.counts()
        other = f"{LIST}/new?requester_id={self.requester2.id}"
        self.assertEqual(self.url_open(other).status_code, 404)
        response = self.url_open(
            other, data={"csrf_token": self.csrf(own), "body": "Merci"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.counts(), before)
        # the administrator's conversation about Dr Bruno's patient is hidden
        bruno_thread = self.thread_by_client(requester=self.requester2)
        self.assertEqual(self.url_open(f"{LIST}/{bruno_thread.id}").status_code, 404)
        listing = self.url_open(LIST)
        self.assertEqual(listing.text.count("o_calendoc_thread_row"), 1)
        self.assertNotIn("MARTIN Louis", listing.text)

    def test_bad_input_creates_nothing(self):
        thread = self.thread_by_client()
        self.authenticate("client_admin", "client_admin")
        thread_url = f"{LIST}/{thread.id}"
        token = self.csrf(thread_url)
        new_url = f"{LIST}/new?requester_id={self.requester2.id}"
        before = self.counts()
        cases = {
            "empty": (thread_url, {"body": "   "}, None, 400, "Write a message"),
            "empty new": (new_url, {"body": ""}, None, 400, "Write a message"),
            "too long": (thread_url, {"body": "x" * 4001}, None, 400, "at most 4000"),
            "too many files": (
                thread_url,
                {"body": "pièces"},
                [("attachments", (f"f{i}.txt", b"x", "text/plain")) for i in range(6)],
                400,
                "at most 5 files",
            ),
            "foreign requester": (
                f"{LIST}/new?requester_id={self.other_requester.id}",
                {"body": "x"},
                None,
                404,
                "No such patient",
            ),
            "not a requester": (
                f"{LIST}/new?requester_id={self.account.id}",
                {"body": "x"},
                None,
                404,
                "No such patient",
            ),
            "tampered requester": (
                f"{LIST}/new?requester_id=1%20OR%201",
                {"body": "x"},
                None,
                404,
                "No such patient",
            ),
            "unknown thread": (f"{LIST}/999999999", {"body": "x"}, None, 404, ""),
        }
        for name, (url, data, files, status, text) in cases.items():
            with self.subTest(case=name):
                response = self.url_open(
                    url, data=dict(data, csrf_token=token), files=files
                )
                self.assertEqual(response.status_code, status)
                self.assertIn(text, response.text)
        # without the CSRF token
        response = self.url_open(thread_url, data={"body": "sans jeton"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.counts(), before)

    # --- the secretariat answers -----------------------------------------------
    def test_secretary_answer_reaches_the_client_never_the_patient(self):
        thread = self.thread_by_client()
        as_secretary = thread.with_user(self.secretary)
        # even asked to, the patient does not follow nor receive
        as_secretary.message_subscribe(partner_ids=self.requester.ids)
        self.assertNotIn(self.requester, thread.message_partner_ids)
        reply = as_secretary.message_post(
            body="Nous l'avons rappelée.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.requester.ids,
        )
        notified = self.notified(reply)
        self.assertIn(self.client_admin.partner_id, notified)
        self.assertNotIn(self.requester, notified)
        recipients, emails = self.mailed(reply)
        self.assertIn(self.client_admin.partner_id, recipients)
        # the client's email opens the conversation on his portal
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "=", reply.id),
                    ("recipient_ids", "in", self.client_admin.partner_id.ids),
                ]
            )
        )
        self.assertIn(f"/my/calendoc/messages/{thread.id}", str(mail.body_html))
        self.assertNotIn(self.requester, recipients)
        self.assertNotIn("jeanne.dupont@example.fr", emails)
        self.assertFalse(thread.needs_reply)
        as_secretary.message_post(
            body="Note interne : dossier sensible",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self.authenticate("client_admin", "client_admin")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["calendoc_message_count"]}
        )
        self.assertEqual(counters["calendoc_message_count"], 1)
        listing = self.url_open(LIST)
        self.assertEqual(listing.text.count("o_calendoc_thread_unread"), 1)
        self.assertIn('id="calendoc_messages_unread"', listing.text)
        page = self.url_open(f"{LIST}/{thread.id}")
        self.assertIn("avons rappelée.</p>", page.text)
        self.assertEqual(page.text.count("o_calendoc_thread_message "), 2)
        self.assertNotIn("dossier sensible", page.text)
        listing = self.url_open(LIST)
        self.assertNotIn("o_calendoc_thread_unread", listing.text, "read now")

    def test_back_office_opens_the_conversation_from_the_requester(self):
        requester = self.requester.with_user(self.secretary)
        self.assertEqual(requester.calendoc_thread_count, 0)
        action = requester.action_calendoc_requester_thread()
        thread = self.Thread.browse(action["res_id"])
        self.assertEqual(thread.requester_id, self.requester)
        self.assertEqual(
            requester.action_calendoc_requester_thread()["res_id"], thread.id
        )
        requester.invalidate_recordset(["calendoc_thread_count"])
        self.assertEqual(requester.calendoc_thread_count, 1)
        # a user without access to the conversations reads the contact all the same
        employee = new_test_user(self.env, login="plain_employee")
        self.assertEqual(
            self.account.with_user(employee).read(["calendoc_thread_count"]),
            [{"id": self.account.id, "calendoc_thread_count": 0}],
        )
        # the other account's secretary neither sees nor starts it
        with self.assertRaises(AccessError):
            thread.with_user(self.other_secretary).read(["name"])
        self.assertFalse(self.Thread.with_user(self.other_secretary).search([]))
        with self.assertRaises(AccessError):
            self.Thread.with_user(self.other_secretary).create(
                {"requester_id": self.requester2.id}
            )

    def test_secretary_finds_the_conversations_in_the_back_office(self):
        thread = self.thread_by_client()
        Thread = self.Thread.with_user(self.secretary)
        action = self.env.ref("calendoc_portal.calendoc_requester_thread_action")
        menu = self.env.ref("calendoc_portal.calendoc_requester_thread_menu")
        self.assertIn(menu, self.env["ir.ui.menu"].with_user(self.secretary).search([]))
        views = Thread.get_views([(False, "list"), (False, "form"), (False, "search")])
        self.assertIn("<chatter", views["views"]["form"]["arch"])
        self.assertIn("to_answer", views["views"]["search"]["arch"])
        to_answer = Thread.search([("needs_reply", "=", True)])
        self.assertEqual(to_answer, thread)
        self.assertEqual(action.res_model, thread._name)
        form = (
            self.env["res.partner"]
            .with_user(self.secretary)
            .get_view(
                self.env.ref(
                    "calendoc_agenda.res_partner_view_form_calendoc_requester"
                ).id,
                "form",
            )
        )
        self.assertIn("action_calendoc_requester_thread", form["arch"])
        # the secretary answers from the chatter's "Send message"
        Thread.browse(thread.id).message_post(
            body="Bien reçu", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertFalse(Thread.search([("needs_reply", "=", True)]))

    def test_delegated_secretary_reads_until_the_delegation_ends(self):
        thread = self.thread_by_client()
        now = fields.Datetime.now().replace(microsecond=0)
        Delegation = self.env["calendoc.delegation"]
        values = {
            "grantor_account_id": self.account.id,
            "grantee_user_id": self.delegate.id,
            "reason": "Remplacement",
            "date_start": now - timedelta(hours=1),
            "date_end": now + timedelta(days=1),
        }
        as_delegate = self.Thread.with_user(self.delegate)
        Delegation.create(dict(values, scope_agenda_read=True))
        self.assertFalse(as_delegate.search([]), "messages were not delegated")
        Delegation.create(dict(values, scope_messages=True))
        self.assertEqual(as_delegate.search([]), thread)
        # the form opens though the requesters themselves were not delegated
        form = (
            as_delegate.browse(thread.id)
            .with_context(lang="en_US")
            .web_read(
                {
                    "name": {},
                    "requester_id": {"fields": {"display_name": {}}},
                    "account_id": {"fields": {"display_name": {}}},
                }
            )
        )
        self.assertEqual(form[0]["name"], "DUPONT Jeanne")
        self.assertEqual(form[0]["account_id"]["display_name"], self.account.name)
        thread.with_user(self.delegate).message_post(
            body="Réponse du remplaçant",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        with freeze_time(now + timedelta(days=1, seconds=1)):
            self.assertFalse(as_delegate.search([]))
            with self.assertRaises(AccessError):
                thread.with_user(self.delegate).read(["name"])

    # --- personal data ---------------------------------------------------------
    def test_personal_data_is_declared_exported_and_erased(self):
        declared = self.Thread._calendoc_personal_fields
        for name in declared:
            self.assertIn(name, self.Thread._fields)
        self.assertTrue({"requester_id", "message_ids"} <= set(declared))
        thread = self.thread_by_client("Allergie à la pénicilline")
        thread.with_user(self.client_admin).message_post(
            body="Voir pièce jointe",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("analyse.txt", b"resultats")],
        )
        exported = self.Thread._calendoc_personal_data(self.requester)
        self.assertEqual(len(exported), 1)
        self.assertEqual(exported[0]["requester"], "DUPONT Jeanne")
        texts = [m["text"] for m in exported[0]["messages"]]
        self.assertIn("Allergie à la pénicilline", texts)
        self.assertIn(
            ["analyse.txt"], [m["attachments"] for m in exported[0]["messages"]]
        )
        self.assertEqual(self.Thread._calendoc_personal_data(self.requester2), [])
        message_ids = thread.message_ids.ids
        attachments = thread.message_ids.attachment_ids
        self.assertTrue(attachments)
        with self.assertRaises(AccessError):
            self.Thread.with_user(self.secretary)._calendoc_erase_personal_data(
                self.requester
            )
        self.assertEqual(self.Thread._calendoc_erase_personal_data(self.requester), 1)
        self.assertFalse(thread.exists())
        self.assertFalse(self.env["mail.message"].browse(message_ids).exists())
        self.assertFalse(attachments.exists())

    def test_deleting_the_requester_deletes_what_is_written_about_him(self):
        thread = self.thread_by_client(requester=self.requester2)
        message_ids = thread.message_ids.ids
        self.bruno_event.unlink()
        self.requester2.unlink()
        self.assertFalse(thread.exists())
        self.assertFalse(self.env["mail.message"].browse(message_ids).exists())
