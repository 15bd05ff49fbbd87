{
    "name": "CalenDoc VoIP",
    "summary": "Call centre for the secretariat: practice lines, incoming-call "
    "screen, click-to-call and call log",
    "version": "18.0.1.0.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": ["calendoc_agenda", "bus"],
    "data": [
        "views/calendoc_voip_menus.xml",
    ],
    "installable": True,
}
