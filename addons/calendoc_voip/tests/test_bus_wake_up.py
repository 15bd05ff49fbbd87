import json
import select
import time

import psycopg2

from odoo import sql_db
from odoo.tests import TransactionCase, tagged

from ..models.bus_bus import NOTIFIER


@tagged("post_install", "-at_install")
class TestBusWakeUp(TransactionCase):
    """The popups' NOTIFY goes after the commit, on a connection kept from one
    commit to the next, opened again when PostgreSQL drops it."""

    def setUp(self):
        super().setUp()
        _dbname, info = sql_db.connection_info_for("postgres")
        self.listener = psycopg2.connect(**info)
        self.listener.autocommit = True
        self.addCleanup(self.listener.close)
        with self.listener.cursor() as cr:
            cr.execute("LISTEN imbus")
        self.partner = self.env.user.partner_id

    def woken_for(self, timeout=5):
        """The channels of the imbus notifications received within ``timeout``."""
        deadline = time.monotonic() + timeout
        channels = []
        while time.monotonic() < deadline and not channels:
            select.select([self.listener], [], [], deadline - time.monotonic())
            self.listener.poll()
            while self.listener.notifies:
                channels.extend(json.loads(self.listener.notifies.pop(0).payload))
        return channels

    def send(self, value):
        self.env["bus.bus"]._calendoc_send_now(
            [(self.partner, "calendoc_voip/test", {"value": value})]
        )

    def test_the_bus_is_woken_after_the_commit_on_a_kept_connection(self):
        channel = [self.env.cr.dbname, "res.partner", self.partner.id]
        self.send(1)
        message = self.env["bus.bus"].search(
            [("channel", "=", json.dumps(channel, separators=(",", ":")))],
            order="id desc",
            limit=1,
        )
        self.assertEqual(
            json.loads(message.message),
            {"type": "calendoc_voip/test", "payload": {"value": 1}},
        )
        # nothing before the commit: the dispatcher would find no message
        self.assertEqual(self.woken_for(0.3), [])
        self.env.cr.postcommit.run()
        self.assertEqual(self.woken_for(), [channel])
        backend = NOTIFIER._connection.get_backend_pid()

        self.send(2)
        self.env.cr.postcommit.run()
        self.assertEqual(self.woken_for(), [channel])
        self.assertEqual(NOTIFIER._connection.get_backend_pid(), backend)

        # PostgreSQL drops the kept connection: the next one goes on a new one
        with self.listener.cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(%s)", [backend])
        self.send(3)
        self.env.cr.postcommit.run()
        self.assertEqual(self.woken_for(), [channel])
        self.assertNotEqual(NOTIFIER._connection.get_backend_pid(), backend)

    def test_a_forked_worker_opens_its_own_connection(self):
        channel = [self.env.cr.dbname, "res.partner", self.partner.id]
        self.send(1)
        self.env.cr.postcommit.run()
        self.assertEqual(self.woken_for(), [channel])
        inherited = NOTIFIER._connection
        # as seen from a prefork worker: the connection is its parent's
        NOTIFIER._pid = -1
        self.send(2)
        self.env.cr.postcommit.run()
        self.assertEqual(self.woken_for(), [channel])
        self.assertIsNot(NOTIFIER._connection, inherited)
        # the parent's connection is left to the parent, not closed under it
        self.assertFalse(inherited.closed)
        inherited.close()

    def test_nothing_to_send_wakes_nobody(self):
        self.env["bus.bus"]._calendoc_send_now([])
        self.env.cr.postcommit.run()
        self.assertEqual(self.woken_for(0.3), [])
