from odoo import http
from odoo.http import request


class CalendocGdprExportController(http.Controller):
    @http.route(
        "/calendoc/gdpr/export/<int:export_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def calendoc_gdpr_export_download(self, export_id, token, **kwargs):
        """The export bundle behind a signed link: the token is the right."""
        # sudo: the requester opening the link has no user; the model method
        # compares the token (consteq) before giving anything
        export = request.env["calendoc.gdpr.export"].sudo().browse(export_id)
        result = export._calendoc_download(token, request.httprequest.remote_addr)
        if result in ("missing", "expired"):
            request.update_context(lang=export._calendoc_page_lang())
            status = 410 if result == "expired" else 404
            return request.render(
                "calendoc_gdpr.export_link_unavailable",
                {"expired": result == "expired"},
                status=status,
            )
        return request.make_response(
            result.raw,
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Disposition", http.content_disposition(result.name)),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
