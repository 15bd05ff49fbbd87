{
    "name": "CalenDoc Portal",
    "summary": "Client portal and public online booking for the practices",
    "version": "18.0.1.0.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": ["calendoc_packs", "portal", "payment"],
    "data": [
        "views/calendoc_portal_menus.xml",
    ],
    "installable": True,
}
