#!/usr/bin/python3
"""test_redis_py_adapter.py -- the redis-py adapter's classification of
errors (clients/redis-py/README.md): fail only when the command certainly
did not take effect, info otherwise. Inputs are redis-py's own exception
classes (Debian's python3-redis), and one real refused connection on
loopback (nothing listens on port 1): what redis-py raises when the
master is down."""
import os
import sys
import types
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "clients", "redis-py"))
import adapter  # noqa: E402
import redis  # noqa: E402
from redis import exceptions as rx  # noqa: E402
from redis.sentinel import MasterNotFoundError  # noqa: E402


def kind(e, retry_on_timeout=False):
    me = types.SimpleNamespace(retry_on_timeout=retry_on_timeout)
    return adapter.Adapter.classify(me, e).kind


class Classify(unittest.TestCase):
    def test_refused_by_the_server_is_fail(self):
        self.assertEqual(kind(rx.ReadOnlyError("You can't write against a read only replica.")), "fail")
        self.assertEqual(kind(rx.ResponseError("NOREPLICAS Not enough good replicas to write.")), "fail")
        self.assertEqual(kind(rx.ResponseError("MISCONF Errors writing to the AOF file")), "fail")

    def test_no_master_known_is_fail(self):
        self.assertEqual(kind(MasterNotFoundError("No master found for 'mymaster'")), "fail")

    def test_readonly_turned_into_a_connection_error_is_fail(self):
        # SentinelManagedConnection's own message for a READONLY reply
        e = rx.ConnectionError("The previous master is now a slave")
        self.assertEqual(kind(e), "fail")
        self.assertEqual(kind(e, retry_on_timeout=True), "fail")

    def test_a_real_refused_connection_is_fail_unless_retried(self):
        r = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
        with self.assertRaises(rx.ConnectionError) as cm:
            r.set("k", "v")
        self.assertIn("connecting to", str(cm.exception))
        self.assertEqual(kind(cm.exception), "fail")
        # with retry_on_timeout a first attempt may have been sent before
        self.assertEqual(kind(cm.exception, retry_on_timeout=True), "info")

    def test_lost_replies_are_info(self):
        for e in (rx.TimeoutError("Timeout reading from socket"),
                  rx.ConnectionError("Connection closed by server."),
                  rx.ConnectionError("Error while reading from 10.77.0.10:6379 : (104, 'Connection reset by peer')")):
            self.assertEqual(kind(e), "info", e)
            self.assertEqual(kind(e, retry_on_timeout=True), "info", e)

    def test_anything_else_is_info(self):
        self.assertEqual(kind(ValueError("odd")), "info")


if __name__ == "__main__":
    unittest.main()
