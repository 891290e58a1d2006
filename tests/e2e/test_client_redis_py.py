"""redis-py (Debian 12: 4.3.4, RESP2 only) as an application uses it: the
connect handshake with client_name and db (CLIENT SETNAME, SELECT), the
health-check PING, Redis.from_url, pipelines without MULTI, scan_iter, and
one ConnectionPool shared by 8 threads. About 1.5 s, most of it the wait
for the health check.
"""
import threading
import time
import unittest

import redis

from resp_client import RespClient
from tierkv_harness import TierkvServer, SharedServerTest


def ping_calls(r):
    return r.info("commandstats").get("cmdstat_ping", {}).get("calls", 0)


class RedisPyTestCase(SharedServerTest):
    """One server for the whole file; every test starts from FLUSHALL."""

    server_args = ["--threads", "2"]

    def setUp(self):
        super().setUp()
        self.addCleanup(self.r.close)

    def url(self, path=""):
        return "redis://127.0.0.1:%d%s" % (self.srv.port, path)


class Connect(RedisPyTestCase):
    def test_client_name_and_db_options(self):
        c = self.srv.client(db=5, client_name="py-app", decode_responses=True)
        self.addCleanup(c.close)
        self.assertEqual(c.client_getname(), "py-app")
        info = c.client_info()
        self.assertEqual(info["db"], 5)
        self.assertEqual(info["name"], "py-app")
        self.assertTrue(c.set("where", "db5"))
        self.assertIsNone(self.r.get("where"))
        self.assertEqual(self.r.info("keyspace")["db5"]["keys"], 1)

    def test_from_url(self):
        c = redis.Redis.from_url(self.url("/4?client_name=from-url"), decode_responses=True)
        self.addCleanup(c.close)
        self.assertTrue(c.ping())
        self.assertEqual(c.client_info()["db"], 4)
        self.assertEqual(c.client_getname(), "from-url")
        c.set("k", "v")
        other = redis.Redis.from_url(self.url("/4"))
        self.addCleanup(other.close)
        self.assertEqual(other.get("k"), b"v")

    def test_health_check_pings_an_idle_connection(self):
        c = self.srv.client(health_check_interval=1)
        self.addCleanup(c.close)
        c.set("k", "v")
        before = ping_calls(self.r)
        time.sleep(1.2)
        self.assertEqual(c.get("k"), b"v")  # preceded by PING, which must answer PONG
        self.assertEqual(ping_calls(self.r), before + 1)


class Pipelines(RedisPyTestCase):
    def test_pipeline_without_transaction(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(500):
            pipe.set("p:%d" % i, i).incr("p:counter")
        results = pipe.execute()
        self.assertEqual(len(results), 1000)
        self.assertEqual(results[0::2], [True] * 500)
        self.assertEqual(results[1::2], list(range(1, 501)))

    def test_error_in_a_pipeline(self):
        pipe = self.r.pipeline(transaction=False)
        pipe.set("t", "text").incr("t").get("t")
        set_ok, error, value = pipe.execute(raise_on_error=False)
        self.assertTrue(set_ok)
        self.assertIsInstance(error, redis.ResponseError)
        self.assertEqual(str(error), "value is not an integer or out of range")  # redis-py drops "ERR "
        self.assertEqual(value, b"text")
        with self.assertRaises(redis.ResponseError):
            self.r.pipeline(transaction=False).incr("t").execute()

    def test_transaction(self):
        # redis-py's COMMAND reply parser cannot take COMMAND INFO's nulls.
        with RespClient(self.srv.port) as raw:
            docs = raw.execute("COMMAND", "INFO", "multi", "exec")
        missing = [name for name, doc in zip(["multi", "exec"], docs) if doc is None]
        if missing:
            self.skipTest("tierkv has no %s yet" % "/".join(missing).upper())
        self.assertEqual(self.r.pipeline(transaction=True).set("m", 1).incr("m").execute(), [True, 2])


class Scan(RedisPyTestCase):
    def test_scan_iter_returns_each_key_once(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set("scan:%d" % i, i)
        pipe.set("other", 1).execute()
        keys = list(self.r.scan_iter(match="scan:*", count=100))
        self.assertEqual(len(keys), 1000)
        self.assertEqual(set(keys), {b"scan:%d" % i for i in range(1000)})


class SharedPool(RedisPyTestCase):
    def test_eight_threads_incr_through_one_pool(self):
        pool = redis.ConnectionPool(host="127.0.0.1", port=self.srv.port, max_connections=8)
        self.addCleanup(pool.disconnect)
        errors = []

        def work():
            c = redis.Redis(connection_pool=pool)
            try:
                for _ in range(500):
                    c.incr("shared")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertEqual(self.r.get("shared"), b"4000")


if __name__ == "__main__":
    unittest.main()
