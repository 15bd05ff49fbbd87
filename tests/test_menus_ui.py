from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCalendocMenus(HttpCase):
    """Odoo's clickbot opens every CalenDoc menu and view in a real browser, as the
    secretariat manager of the demo data: nothing may raise, whatever the addon."""

    allow_end_on_form = True

    def test_manager_can_open_every_calendoc_menu_and_view(self):
        self.browser_js(
            "/odoo",
            "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader')"
            ".startClickEverywhere('calendoc_agenda.calendoc_root_menu');",
            "odoo.isReady === true",
            login="admin",
            timeout=600,
            success_signal="clickbot test succeeded",
        )
