"""The shape of an SMS gateway CalenDoc sends its confirmations and reminders
through: core's ``SmsApi`` (``odoo.addons.sms.tools.sms_api``), one small class
per gateway, so that ``sms.sms`` stays free of any provider's protocol.

A gateway is built with the environment and answers ``_send_sms_batch`` the way
core's ``SmsApi`` does for Odoo's IAP; ``sms.sms._calendoc_sms_api()`` picks the
gateway of the provider chosen in the settings (see ``readme/CONFIGURE.md``).
"""

PARAM_PREFIX = "calendoc_agenda."


class CalendocSmsApi:
    """Base of CalenDoc's SMS gateways: subclass it and implement
    :meth:`_send_sms_batch`."""

    # SMS given to one _send_sms_batch call. Odoo's queue commits after each
    # batch: a gateway that makes one request per SMS keeps them small, so that
    # a crash re-sends few messages.
    DEFAULT_BATCH_SIZE = 50
    # The system parameter that overrides DEFAULT_BATCH_SIZE, if any.
    BATCH_SIZE_PARAM = None

    def __init__(self, env):
        self.env = env

    def _get_param(self, key, default=False):
        """System parameter ``key``. Gateways keep their credentials there,
        readable by system administrators only: never log them."""
        return self.env["ir.config_parameter"].sudo().get_param(key, default)

    def _batch_size(self):
        if not self.BATCH_SIZE_PARAM:
            return self.DEFAULT_BATCH_SIZE
        return int(self._get_param(self.BATCH_SIZE_PARAM, self.DEFAULT_BATCH_SIZE))

    def _send_sms_batch(self, messages, delivery_reports_url=False):
        """Send ``messages`` and say what became of each SMS, as core's
        ``SmsApi._send_sms_batch``.

        :param list messages: ``[{'content': str, 'numbers': [{'uuid': str,
            'number': str}, ...]}, ...]``, the SMS grouped by text;
        :param str delivery_reports_url: where Odoo receives IAP's delivery
            reports; CalenDoc gives none to other gateways (a gateway that
            reports deliveries brings its own route);
        :return: ``[{'uuid': str, 'state': str, 'reference': str}, ...]``, one
            per number, ``state`` one of IAP's: 'success' (accepted), 'processing',
            'server_error', 'unregistered' (gateway not configured),
            'insufficient_credit', 'wrong_number_format',
            'country_not_supported'; ``reference`` (optional) is the gateway's
            id of the SMS.

        Raise only when the gateway cannot be reached before any SMS of the
        batch left; a failure of one SMS is its result.
        """
        raise NotImplementedError

    @staticmethod
    def _results(messages, state):
        """The same ``state`` for every SMS of ``messages``."""
        return [
            {"uuid": number["uuid"], "state": state}
            for message in messages
            for number in message["numbers"]
        ]
