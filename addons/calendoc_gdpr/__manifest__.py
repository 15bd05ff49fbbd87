{
    "name": "CalenDoc GDPR",
    "summary": "The secretariat's duties as a data processor: register of "
    "requesters' personal data, access, rectification, erasure, retention",
    "version": "18.0.1.1.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": ["calendoc_agenda", "mail"],
    "data": [
        "security/ir.model.access.csv",
        "data/engine_data.xml",
        "views/calendoc_gdpr_menus.xml",
        "views/calendoc_gdpr_actions.xml",
        "views/engine_views.xml",
        "report/export_bundle_report.xml",
        "views/export_bundle_views.xml",
        "data/retention_data.xml",
        "views/retention_views.xml",
        "security/gdpr_request_security.xml",
        "data/gdpr_request_data.xml",
        "data/gdpr_request_mail_data.xml",
        "views/gdpr_request_views.xml",
    ],
    "assets": {
        "web.report_assets_common": [
            "calendoc_gdpr/static/src/scss/export_bundle_report.scss",
        ],
    },
    "installable": True,
}
