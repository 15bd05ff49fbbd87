"""The OVH SMS API as a CalenDoc SMS gateway, through OVH's official client
(``ovh`` on PyPI), which fetches the server's time and signs each request."""

import logging
from urllib.parse import quote

import ovh

from .sms_gateway import PARAM_PREFIX, CalendocSmsApi

_logger = logging.getLogger(__name__)

# OVH's API addresses by region, as the client names them ("ovh-eu": ...).
OVH_REGIONS = {
    url.removesuffix("/1.0"): region for region, url in ovh.client.ENDPOINTS.items()
}


class OvhSmsApi(CalendocSmsApi):
    """POST ``/1.0/sms/{serviceName}/jobs``, one request per SMS."""

    DEFAULT_ENDPOINT = "https://eu.api.ovh.com"
    # Seconds to wait for the gateway: a hung gateway must not hold the SMS queue.
    TIMEOUT = 10
    BATCH_SIZE_PARAM = f"{PARAM_PREFIX}ovh_batch_size"
    CREDENTIALS = ("application_key", "application_secret", "consumer_key")

    def _config(self):
        """The OVH settings, or ``None`` when some are missing. Secrets: keep
        them out of logs and messages."""
        config = {
            key: (self._get_param(f"{PARAM_PREFIX}ovh_{key}") or "").strip()
            for key in (*self.CREDENTIALS, "endpoint", "service_name", "sender")
        }
        config["endpoint"] = (config["endpoint"] or self.DEFAULT_ENDPOINT).rstrip("/")
        if not all(config[key] for key in (*self.CREDENTIALS, "service_name")):
            return None
        return config

    def _client(self, config):
        region = OVH_REGIONS.get(config["endpoint"], "ovh-eu")
        client = ovh.Client(
            endpoint=region,
            timeout=self.TIMEOUT,
            **{key: config[key] for key in self.CREDENTIALS},
        )
        if config["endpoint"] not in OVH_REGIONS:
            # The client knows OVH's regions by name only; the setting is the
            # API's address (an OVH-compatible server, the tests' stand-in).
            client._endpoint = f"{config['endpoint']}/1.0"
        return client

    def _send_sms_batch(self, messages, delivery_reports_url=False):
        config = self._config()
        if not config:
            _logger.info("SMS not sent: the OVH SMS gateway is not configured")
            return self._results(messages, "unregistered")
        client = self._client(config)
        path = "/sms/{}/jobs".format(quote(config["service_name"], safe=""))
        return [
            {
                "uuid": number["uuid"],
                **self._post(client, path, config, message, number),
            }
            for message in messages
            for number in message["numbers"]
        ]

    def _post(self, client, path, config, message, number):
        """Post one SMS; return its state and OVH's job ids as its reference."""
        payload = {
            "message": message["content"],
            "receivers": [number["number"]],
            "charset": "UTF-8",
            "noStopClause": True,
            "senderForResponse": False,
        }
        if config["sender"]:
            payload["sender"] = config["sender"]
        try:
            report = client.post(path, **payload)
        except ovh.exceptions.HTTPError as exc:
            cause = exc.args[1] if len(exc.args) > 1 else exc
            _logger.info(
                "SMS %s: OVH SMS API unreachable (%s)",
                number["uuid"],
                type(cause).__name__,
            )
            return {"state": "server_error"}
        except ovh.exceptions.APIError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            _logger.info(
                "SMS %s refused by the OVH SMS API: HTTP %s %s",
                number["uuid"],
                status,
                str(exc.args[0] if exc.args else "")[:200],
            )
            return {"state": "server_error"}
        if not isinstance(report, dict):
            report = {}
        if number["number"] in (report.get("invalidReceivers") or []):
            return {"state": "wrong_number_format"}
        if report.get("validReceivers") or report.get("ids"):
            jobs = ",".join(str(job) for job in report.get("ids") or [])
            return {"state": "success", "reference": jobs or False}
        _logger.info("SMS %s: unexpected answer from the OVH SMS API", number["uuid"])
        return {"state": "server_error"}
