"""CalenDoc's roles on the user form without developer mode (Odoo shows the
groups of a category that is not one chain, as CalenDoc's, in developer mode
only, and never for portal users), a portal role making a client's user with
his permanence login and his own e-mail, and choosing "Portal" keeping the
role a portal user may have. Tests run outside any request: no developer
mode."""

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import CalendocCase

PORTAL_PRACTITIONER = "calendoc_agenda.group_calendoc_portal_practitioner"


@tagged("post_install", "-at_install")
class TestUserRoles(CalendocCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # who manages the firm's users (Odoo's "Access Rights"), no debug mode
        cls.administrator = new_test_user(
            cls.env,
            login="roles_administrator",
            groups="base.group_erp_manager,calendoc_agenda.group_calendoc_manager",
        )
        cls.Users = cls.env["res.users"].with_user(cls.administrator)
        # the form of Settings > Users (Odoo's default form is a simpler one)
        cls.form_view = cls.env.ref("base.view_users_form")

    def user_type_field(self):
        """Odoo's user type field (internal, portal, public) of the form."""
        internal = self.env.ref("base.group_user")
        portal = self.env.ref("base.group_portal")
        return next(
            name
            for name in self.Users.fields_get()
            if name.startswith("sel_groups_")
            and {str(internal.id), str(portal.id)} <= set(name.split("_")[2:])
        )

    def test_the_role_is_on_the_user_form_without_developer_mode(self):
        arch = self.Users.get_views([(self.form_view.id, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="calendoc_role"', arch)
        form = Form(self.Users, view=self.form_view)
        form.name = "Léa Secrétaire"
        form.login = "lea.secretaire"
        form.calendoc_role = "secretary"
        user = form.save()
        self.assertTrue(user.has_group("calendoc_agenda.group_calendoc_secretary"))
        self.assertFalse(user.has_group("calendoc_agenda.group_calendoc_manager"))
        self.assertFalse(user.share)
        form = Form(user.with_user(self.administrator), view=self.form_view)
        self.assertEqual(form.calendoc_role, "secretary")
        form.calendoc_role = "manager"
        form.save()
        self.assertTrue(user.has_group("calendoc_agenda.group_calendoc_manager"))
        self.assertEqual(user.calendoc_role, "manager")

    def test_a_portal_role_makes_a_client_user_who_keeps_his_email(self):
        form = Form(self.Users, view=self.form_view)
        form.name = "Claire Accueil"
        form.login = "claire@cabinet-test.fr"
        form.calendoc_role = "portal_practitioner"
        form.calendoc_permanence_account_id = self.account
        form.calendoc_permanence_login = "Accueil"
        form.email = "claire@cabinet-test.fr"
        self.assertEqual(form.login, "TEST01/accueil", "the login is shown at once")
        user = form.save()
        self.assertEqual(user.login, "TEST01/accueil")
        self.assertEqual(user.email, "claire@cabinet-test.fr")
        self.assertTrue(user.share)
        self.assertTrue(user.has_group(PORTAL_PRACTITIONER))
        self.assertEqual(user.calendoc_role, "portal_practitioner")
        # made an administrator of his account, still a portal user
        form = Form(user.with_user(self.administrator), view=self.form_view)
        form.calendoc_role = "portal_client"
        form.save()
        self.assertTrue(user.has_group("calendoc_agenda.group_calendoc_portal_client"))
        self.assertTrue(user.share)
        self.assertEqual(user.email, "claire@cabinet-test.fr")

    def test_choosing_portal_keeps_the_role_a_portal_user_may_have(self):
        user = new_test_user(
            self.env,
            login="devenu_portail",
            groups="calendoc_agenda.group_calendoc_practitioner",
        )
        portal = self.env.ref("base.group_portal")
        field = self.user_type_field()
        # what the form shows once "Portal" is chosen (developer mode)
        result = user.with_user(self.administrator).onchange(
            {field: portal.id},
            [field],
            {field: {}, "calendoc_role": {}, "groups_id": {}},
        )
        self.assertEqual(result["value"]["calendoc_role"], "portal_practitioner")
        # and what it saves
        user.with_user(self.administrator).write(
            {field: portal.id, "calendoc_role": "portal_practitioner"}
        )
        self.assertTrue(user.share)
        self.assertTrue(user.has_group(PORTAL_PRACTITIONER))
        self.assertFalse(user.has_group("calendoc_agenda.group_calendoc_practitioner"))

    def test_nobody_gives_himself_a_role(self):
        for login, groups in (
            ("role_secretary", "calendoc_agenda.group_calendoc_secretary"),
            ("role_portal", "calendoc_agenda.group_calendoc_portal_client"),
        ):
            user = new_test_user(
                self.env, login=login, password=f"{login}-password", groups=groups
            )
            with self.subTest(login=login), self.assertRaises(AccessError):
                user.with_user(user).write({"calendoc_role": "manager"})
            self.assertFalse(user.has_group("calendoc_agenda.group_calendoc_manager"))
