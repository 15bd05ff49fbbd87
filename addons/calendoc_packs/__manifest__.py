{
    "name": "CalenDoc Packs",
    "summary": "Prepaid offers and packs of appointment and SMS credits, sold and "
    "invoiced with Odoo sales, payments and accounting",
    "version": "18.0.1.2.0",
    "category": "Services/CalenDoc",
    "license": "LGPL-3",
    "author": "CalenDoc for Odoo contributors",
    "website": "https://github.com/calendoc/calendoc-odoo",
    "depends": [
        "calendoc_agenda",
        "sale_management",
        "account",
        "payment",
        "base_vat",
    ],
    "external_dependencies": {"python": ["num2words", "python-stdnum"]},
    "data": [
        "security/ir.model.access.csv",
        "security/calendoc_packs_security.xml",
        "data/calendoc_credit_kinds.xml",
        "data/calendoc_packs_data.xml",
        "views/product_template_views.xml",
        "views/calendoc_pack_views.xml",
        "views/calendoc_revision_views.xml",
        "report/calendoc_statement_report.xml",
        "views/calendoc_packs_menus.xml",
    ],
    "demo": ["demo/calendoc_packs_demo.xml"],
    "assets": {
        "web.report_assets_common": [
            "calendoc_packs/static/src/scss/calendoc_report.scss",
        ],
    },
    "installable": True,
}
