{
    "name": "CalenDoc GDPR",
    "summary": "The secretariat's duties as a data processor: register of "
    "requesters' personal data, access, rectification, erasure, retention",
    "version": "18.0.1.1.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": [
        "calendoc_agenda",
        "mail",
        # consents of online bookings, DPO, registers and requests on its pages
        "calendoc_portal",
        # its sync is a transfer outside the EU
        "calendoc_google",
    ],
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
        "security/registers_security.xml",
        "data/registers_processing_data.xml",
        "data/registers_mail_data.xml",
        "views/registers_views.xml",
        "views/registers_portal_templates.xml",
        "report/registers_report.xml",
        "security/calendoc_gdpr_audit_security.xml",
        "views/audit_views.xml",
        "views/consent_views.xml",
    ],
    "demo": [
        "demo/registers_demo.xml",
    ],
    "assets": {
        "web.report_assets_common": [
            "calendoc_gdpr/static/src/scss/export_bundle_report.scss",
        ],
    },
    "installable": True,
}
