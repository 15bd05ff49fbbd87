import functools
import subprocess

import lxml.html

from odoo import models

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

# class test of Odoo's _prepare_html: a div whose classes include ``name``
CLASS_XPATH = "contains(concat(' ', normalize-space(@class), ' '), ' %s ')"


@functools.cache
def wkhtmltopdf_draws_headers():
    """Whether the installed wkhtmltopdf draws ``--header-html`` and
    ``--footer-html``: only the builds "with patched qt" do; Debian's
    (the one Odoo supports on Debian 12) ignores them."""
    try:
        out = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return True  # no wkhtmltopdf: Odoo reports that itself
    return "patched qt" in out


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _prepare_html(self, html, report_model=False):
        """With a wkhtmltopdf that draws no header nor footer (Debian's), the
        firm's header (logo, name) and footer (address, SIRET, VAT) went
        missing from every PDF, invoices and statements alike: put each
        document's header at the top of its body and its footer at the end
        (without the page numbers, which only the header engine knows)."""
        if not wkhtmltopdf_draws_headers():
            html = inline_headers(html)
        return super()._prepare_html(html, report_model=report_model)


def inline_headers(html):
    """``html`` (bytes) with each ``div.header`` moved to the start of the
    ``div.article`` that follows it and each ``div.footer`` to the end of the
    one before it."""
    root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
    articles = root.xpath(f"//div[{CLASS_XPATH % 'article'}]")
    if not articles:
        return html
    for node in root.xpath(f"//div[{CLASS_XPATH % 'header'}]"):
        following = node.xpath(f"following::div[{CLASS_XPATH % 'article'}][1]")
        if following:
            _inline(node, following[0], at_start=True)
    for node in root.xpath(f"//div[{CLASS_XPATH % 'footer'}]"):
        preceding = node.xpath(f"preceding::div[{CLASS_XPATH % 'article'}][1]")
        if preceding:
            _inline(node, preceding[0], at_start=False)
    return lxml.html.tostring(root, encoding="utf-8")


def _inline(node, article, at_start):
    node.getparent().remove(node)
    classes = node.get("class", "").split()
    kept = [c for c in classes if c not in ("header", "footer")]
    node.set("class", " ".join([*kept, "o_calendoc_inline_" + classes[0]]))
    # page numbers are the header engine's (JavaScript fed by wkhtmltopdf)
    for number in node.xpath(".//span[@class='page' or @class='topage']"):
        holder = number.getparent()
        if holder is not None and holder.getparent() is not None:
            holder.getparent().remove(holder)
    if at_start:
        article.insert(0, node)
    else:
        article.append(node)
