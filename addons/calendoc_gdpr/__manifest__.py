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
        # consents of online bookings, DPO on its pages
        "calendoc_portal",
        # its sync is a transfer outside the EU
        "calendoc_google",
    ],
    "data": [
        "views/calendoc_gdpr_menus.xml",
        "views/calendoc_gdpr_actions.xml",
        "security/ir.model.access.csv",
        "security/calendoc_gdpr_audit_security.xml",
        "views/audit_views.xml",
        "views/consent_views.xml",
    ],
    "installable": True,
}
