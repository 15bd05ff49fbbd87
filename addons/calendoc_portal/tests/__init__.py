from . import test_online_booking, test_manage_link, test_portal, test_ui
