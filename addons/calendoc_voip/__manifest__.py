{
    "name": "CalenDoc VoIP",
    "summary": "Call centre for the secretariat: practice lines, incoming-call "
    "screen, click-to-call and call log",
    "version": "18.0.1.1.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": ["calendoc_agenda", "bus"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/ir.model.access.csv",
        "security/calendoc_voip_security.xml",
        "views/calendoc_call_views.xml",
        "views/calendoc_duty_views.xml",
        "views/calendoc_sip_endpoint_views.xml",
        "views/calendoc_pbx_views.xml",
        "views/res_partner_views.xml",
        "wizards/calendoc_firm_setup_views.xml",
        "views/calendoc_voip_menus.xml",
    ],
    "demo": ["demo/calendoc_voip_demo.xml"],
    "assets": {
        "web.assets_backend": [
            "calendoc_voip/static/src/js/**/*",
        ],
        "web.assets_tests": [
            "calendoc_voip/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
