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
        "views/calendoc_gdpr_menus.xml",
        "views/calendoc_gdpr_actions.xml",
        "security/ir.model.access.csv",
        "security/gdpr_request_security.xml",
        "data/gdpr_request_data.xml",
        "data/gdpr_request_mail_data.xml",
        "views/gdpr_request_views.xml",
    ],
    "installable": True,
}
