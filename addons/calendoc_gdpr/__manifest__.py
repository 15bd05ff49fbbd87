{
    "name": "CalenDoc GDPR",
    "summary": "The secretariat's duties as a data processor: register of "
    "requesters' personal data, access, rectification, erasure, retention",
    "version": "18.0.1.1.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": ["calendoc_agenda", "calendoc_portal"],
    "data": [
        "views/calendoc_gdpr_menus.xml",
        "views/calendoc_gdpr_actions.xml",
        "security/ir.model.access.csv",
        "security/registers_security.xml",
        "data/registers_processing_data.xml",
        "data/registers_mail_data.xml",
        "views/registers_views.xml",
        "views/registers_portal_templates.xml",
        "report/registers_report.xml",
    ],
    "demo": [
        "demo/registers_demo.xml",
    ],
    "installable": True,
}
