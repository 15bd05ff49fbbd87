import logging
import os
import threading

import psycopg2

from odoo import api, models, sql_db
from odoo.tools.misc import OrderedSet

from odoo.addons.bus.models.bus import (
    ODOO_NOTIFY_FUNCTION,
    channel_with_db,
    get_notify_payloads,
    json_dump,
)

_logger = logging.getLogger(__name__)


class KeptNotifier:
    """The bus's wake-up (``NOTIFY imbus`` on the ``postgres`` database, which
    the bus dispatcher listens to) sent on a connection this process keeps.

    Odoo's bus opens a connection to ``postgres`` for every commit that sent
    notifications and closes it (its pool keeps no connection to that
    database): about 5 ms on this machine, on the path from the phone ringing
    to the popup. One connection per process (a prefork worker, or the
    threaded server's threads in turn, under the lock); opened again after a
    fork or when PostgreSQL dropped it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None

    def _connect(self):
        _dbname, info = sql_db.connection_info_for("postgres")
        connection = psycopg2.connect(**info)
        connection.autocommit = True
        return connection

    def close(self):
        with self._lock:
            self._drop()

    def _drop(self):
        if self._connection is not None and self._pid == os.getpid():
            try:
                self._connection.close()
            except psycopg2.Error:
                pass
        self._connection = None

    def notify(self, payloads):
        query = f'SELECT "{ODOO_NOTIFY_FUNCTION}"(%s, %s)'
        with self._lock:
            for attempt in (1, 2):
                if self._pid != os.getpid() or self._connection is None:
                    # a forked worker must not share its parent's connection
                    self._connection = None
                    self._connection = self._connect()
                    self._pid = os.getpid()
                try:
                    with self._connection.cursor() as cr:
                        for payload in payloads:
                            cr.execute(query, ("imbus", payload))
                    return
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    # the kept connection was closed (PostgreSQL restarted, idle
                    # timeout): once more on a new one
                    self._drop()
                    if attempt == 2:
                        raise
                    _logger.info("bus notification connection lost, reconnecting")


NOTIFIER = KeptNotifier()


class BusBus(models.Model):
    _inherit = "bus.bus"

    @api.model
    def _calendoc_send_now(self, notifications):
        """Send ``notifications`` (a list of (target, type, payload), targets
        as for ``_sendone``) as ``_sendone`` does: the messages are in the bus
        table with this transaction, the bus is woken up once it is committed.
        The wake-up goes on ``NOTIFIER``'s kept connection, not on a new one."""
        dbname = self.env.cr.dbname
        channels = OrderedSet()
        values = []
        for target, notification_type, message in notifications:
            channel = channel_with_db(dbname, target)
            channels.add(channel)
            values.append(
                {
                    "channel": json_dump(channel),
                    "message": json_dump(
                        {"type": notification_type, "payload": message}
                    ),
                }
            )
        if not values:
            return
        # sudo: the bus table is written by the system for its recipients
        self.sudo().create(values)
        payloads = get_notify_payloads(list(channels))
        # after the commit: the dispatcher fetches the messages when told
        self.env.cr.postcommit.add(lambda: NOTIFIER.notify(payloads))
