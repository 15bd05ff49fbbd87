{
    "name": "CalenDoc Portal",
    "summary": "Client portal, messages with the secretariat about patients, "
    "and public online booking for the practices",
    "version": "18.0.1.3.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": [
        "calendoc_packs",
        "auth_signup",
        "auth_totp_portal",
        "portal",
        "payment",
        # wire transfer, the way French firms are paid by their clients
        "payment_custom",
        # its portal's invoice pages are retitled for clients
        "account_payment",
        "sale",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/calendoc_portal_security.xml",
        "views/calendoc_practice_views.xml",
        "views/calendar_event_views.xml",
        "views/calendoc_requester_thread_views.xml",
        "views/calendoc_online_templates.xml",
        "views/calendoc_portal_templates.xml",
        "views/calendoc_signup_templates.xml",
        "views/calendoc_portal_menus.xml",
        "data/calendoc_portal_mail_data.xml",
        "wizards/calendoc_user_invite_views.xml",
    ],
    "demo": [
        "demo/calendoc_portal_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "calendoc_portal/static/src/scss/calendoc_portal.scss",
        ],
        "web.assets_tests": [
            "calendoc_portal/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
