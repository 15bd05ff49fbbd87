{
    "name": "CalenDoc Google Calendar",
    "summary": "Two-way synchronisation of practitioners' agendas with Google "
    "Calendar: appointments pushed without health data, busy time pulled",
    "version": "18.0.1.0.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    # google_calendar: only to keep Odoo's own per-user sync off what CalenDoc
    # synchronises (no event reaches Google twice).
    "depends": ["calendoc_agenda", "google_calendar"],
    "external_dependencies": {"python": ["requests", "google-auth"]},
    "data": [
        "security/ir.model.access.csv",
        "data/calendoc_google_data.xml",
        "views/calendoc_google_connection_views.xml",
        "views/calendoc_google_push_views.xml",
        "views/calendoc_practitioner_views.xml",
        "views/calendoc_practice_views.xml",
        "views/res_config_settings_views.xml",
        "views/calendoc_google_menus.xml",
    ],
    "installable": True,
}
