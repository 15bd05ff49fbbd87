"""IAP's delivery reports (``/sms/status``, Odoo's route): core updates the
notifications of Odoo's own SMS; CalenDoc's SMS, which have none, take the
state reported, so that an SMS reported undelivered gives its credits back
(``sms.sms.write``)."""

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.sms.controllers.main import SmsController

# reports one call may carry (IAP sends them in batches)
MAX_REPORTS = 1000


class CalendocSmsController(SmsController):
    @http.route()
    def update_sms_status(self, message_statuses=None):
        if not self._calendoc_well_formed(message_statuses):
            raise UserError(request.env._("Malformed delivery report."))
        result = super().update_sms_status(message_statuses)
        # sudo: the reports come from the gateway, unauthenticated as in core;
        # only SMS named by their (secret, random) uuid are touched
        request.env["sms.sms"].sudo()._calendoc_delivery_reports(message_statuses)
        return result

    @staticmethod
    def _calendoc_well_formed(message_statuses):
        """Whether the reports have the shape core reads (a list of
        {'sms_status': str, 'uuids': [str]}): core checks their values."""
        return (
            isinstance(message_statuses, list)
            and 0 < len(message_statuses) <= MAX_REPORTS
            and all(
                isinstance(status, dict)
                and isinstance(status.get("sms_status"), str)
                and isinstance(status.get("uuids"), list)
                and 0 < len(status["uuids"]) <= MAX_REPORTS
                and all(isinstance(uuid, str) for uuid in status["uuids"])
                for status in message_statuses
            )
        )
