from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        """Give the packs that have no sale tax in ``company`` its default sale tax.

        Odoo only adds the new chart's default tax to products already taxed in
        another company. Packs made before the chart (the demo's, or a firm that
        set its offers up before its accounting) would be sold without VAT: they
        take the company's default sale tax (TVA 20 % with the French chart).
        """
        super()._post_load_data(template_code, company, template_data)
        company = company or self.env.company
        if not company.account_sale_tax_id:
            return
        packs = self.env["product.template"].search(
            [
                ("is_calendoc_pack", "=", True),
                *self.env["product.template"]._check_company_domain(company),
            ]
        )
        untaxed = packs.filtered(
            lambda p: (
                not p.taxes_id.filtered_domain(
                    p.taxes_id._check_company_domain(company)
                )
            )
        )
        untaxed._force_default_sale_tax(company)
        # the demo's pack sales, which needed accounts and journals
        self.env["calendoc.pack"]._demo_sell_pending_packs()
