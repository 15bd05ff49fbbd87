{
    "name": "CalenDoc Agenda",
    "summary": "Secretariat agenda: client accounts, practices, practitioners, "
    "requesters, appointment types, slot engine, appointments and SMS",
    "version": "18.0.1.0.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": ["calendar", "resource", "sms", "phone_validation"],
    "external_dependencies": {"python": ["phonenumbers", "python-stdnum"]},
    "data": [
        "security/calendoc_security.xml",
        "security/ir.model.access.csv",
        "data/calendoc_agenda_data.xml",
        "views/calendoc_practice_views.xml",
        "views/calendoc_practitioner_views.xml",
        "views/calendoc_appointment_type_views.xml",
        "views/res_partner_views.xml",
        "views/calendar_event_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/calendoc_slot_finder_views.xml",
        "wizards/calendoc_cancel_wizard_views.xml",
        "views/calendoc_menus.xml",
        "data/calendoc_sms_data.xml",
        "views/sms_sms_views.xml",
    ],
    "demo": [
        "demo/calendoc_agenda_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "calendoc_agenda/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
