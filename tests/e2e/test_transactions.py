"""Transactions end to end (MULTI EXEC DISCARD WATCH UNWATCH): no lost update
with 8 connections incrementing through WATCH retry loops and through
MULTI/INCR/HINCRBY/EXEC; WATCH conflicts from another client, from expiry
and from FLUSHALL; EXECABORT; atomicity (a reader never sees half of a
transaction's writes to keys in different shards); RESP3 replies; blocking
pops inside MULTI; a transaction over keys that were spilled to the tier.
"""
import os
import tempfile
import threading
import time
import unittest

import redis

from tierkv_harness import SharedServerTest, TierkvServer

THREADS = 8
ROUNDS = 500


def run_threads(target, count=THREADS):
    errors = []

    def wrapped(i):
        try:
            target(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrapped, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
        assert not t.is_alive(), "worker still running"
    if errors:
        raise errors[0]


class Transactions(SharedServerTest):

    def test_watch_retry_loops_lose_no_update(self):
        retries = [0] * THREADS

        def worker(i):
            r = self.srv.client()
            for _ in range(ROUNDS):
                while True:
                    with r.pipeline(transaction=True) as p:
                        try:
                            p.watch("counter")
                            value = int(p.get("counter") or 0)
                            p.multi()
                            p.set("counter", value + 1)
                            p.execute()
                            break
                        except redis.WatchError:
                            retries[i] += 1

        run_threads(worker)
        self.assertEqual(int(self.r.get("counter")), THREADS * ROUNDS)
        self.assertGreater(sum(retries), 0, "8 connections never conflicted: WATCH was not exercised")

    def test_multi_incr_hincrby_lose_no_update(self):
        def worker(i):
            r = self.srv.client()
            for _ in range(ROUNDS):
                p = r.pipeline(transaction=True)
                p.incr("n")
                p.hincrby("h", "f", 2)
                p.incrby("m", 3)
                p.execute()

        run_threads(worker)
        self.assertEqual(int(self.r.get("n")), THREADS * ROUNDS)
        self.assertEqual(int(self.r.hget("h", "f")), 2 * THREADS * ROUNDS)
        self.assertEqual(int(self.r.get("m")), 3 * THREADS * ROUNDS)

    def watched_exec(self, key, change):
        """WATCH key, let `change` run, then MULTI/INCR x/EXEC: EXEC's reply."""
        c = self.srv.resp3(protocol=2)
        try:
            c.execute("WATCH", key)
            change()
            self.assertEqual(c.execute("MULTI"), "OK")
            self.assertEqual(c.execute("INCR", "x"), "QUEUED")
            return c.execute("EXEC")
        finally:
            c.close()

    def test_watch_conflict_from_another_client(self):
        self.r.set("w", "1")
        self.assertIsNone(self.watched_exec("w", lambda: self.r.set("w", "2")))
        self.assertIsNone(self.watched_exec("w", lambda: self.r.delete("w")))
        self.assertIsNone(self.watched_exec("new", lambda: self.r.set("new", "1")))
        self.assertIsNone(self.watched_exec("new", lambda: self.r.append("new", "x")))
        self.assertIsNone(self.watched_exec("new", lambda: self.r.expire("new", 100)))
        self.r.hset("hh", "a", "1")
        self.assertIsNone(self.watched_exec("hh", lambda: self.r.hincrby("hh", "a", 1)))
        self.assertIsNone(self.r.get("x"), "an aborted EXEC ran its commands")
        # Untouched keys, reads and writes of other keys do not abort.
        self.assertEqual(self.watched_exec("w", lambda: (self.r.get("w"), self.r.set("other", "1"))), [1])

    def test_watch_conflict_from_expiry(self):
        self.r.set("e", "v")
        self.assertIsNone(self.watched_exec("e", lambda: (self.r.pexpire("e", 50), time.sleep(0.15))))
        # Expired and gone (active expiry) before EXEC: changed too.
        self.r.set("e2", "v", px=50)
        self.assertIsNone(self.watched_exec("e2", lambda: time.sleep(0.6)))

    def test_watch_conflict_from_flush(self):
        self.r.set("f", "v")
        self.assertIsNone(self.watched_exec("f", lambda: self.r.flushall()))
        self.r.set("f", "v")
        self.assertIsNone(self.watched_exec("f", lambda: self.r.flushdb()))

    def test_execabort_and_runtime_errors(self):
        c = self.srv.resp3(protocol=2)
        c.execute("MULTI")
        c.execute("SET", "a", "1")
        c.send("NOSUCH")
        with self.assertRaises(Exception):
            c.read()
        with self.assertRaisesRegex(Exception, "EXECABORT Transaction discarded because of previous errors"):
            c.execute("EXEC")
        self.assertIsNone(self.r.get("a"))
        self.r.set("s", "str")
        c.execute("MULTI")
        c.execute("INCR", "s")
        c.execute("SET", "a", "1")
        reply = c.execute("EXEC", raise_errors=False)
        self.assertEqual(len(reply), 2)
        self.assertIn("not an integer", str(reply[0]))
        self.assertEqual(reply[1], "OK")
        c.close()

    def test_resp3_replies(self):
        c = self.srv.resp3()
        c.execute("SET", "k", "1")
        c.execute("WATCH", "k")
        self.r.set("k", "2")
        c.execute("MULTI")
        c.execute("GET", "k")
        self.assertEqual(c.raw_reply("EXEC"), b"_\r\n")
        c.execute("MULTI")
        c.execute("GET", "k")
        c.execute("HSET", "h", "a", "1")
        c.execute("HGETALL", "h")
        self.assertEqual(c.execute("EXEC"), [b"2", 1, {b"a": b"1"}])
        c.close()

    def test_atomic_across_shards(self):
        # Many key pairs, so most pairs sit in different shards.
        pairs = [("a:%d" % i, "b:%d" % i) for i in range(16)]
        stop = threading.Event()
        torn = []

        def writer(i):
            r = self.srv.client()
            n = 0
            while not stop.is_set():
                n += 1
                a, b = pairs[n % len(pairs)]
                p = r.pipeline(transaction=True)
                p.set(a, "%d:%d" % (i, n))
                p.set(b, "%d:%d" % (i, n))
                p.execute()

        def reader(_):
            r = self.srv.client()
            deadline = time.time() + 2.0
            while time.time() < deadline:
                for a, b in pairs:
                    va, vb = r.mget(a, b)
                    if va != vb:
                        torn.append((a, va, vb))
                    p = r.pipeline(transaction=True)
                    p.get(a)
                    p.get(b)
                    va, vb = p.execute()
                    if va != vb:
                        torn.append((a, va, vb))
            stop.set()

        threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(2)]
        for t in threads:
            t.start()
        run_threads(reader, count=2)
        stop.set()
        for t in threads:
            t.join(10)
        self.assertEqual(torn, [])

    def test_keyless_commands_and_blocking_inside_multi(self):
        c = self.srv.resp3(protocol=2)
        c.execute("SET", "k1", "v")
        c.execute("MULTI")
        c.execute("DBSIZE")
        c.execute("KEYS", "k*")
        c.execute("BLPOP", "empty", "0")
        c.execute("FLUSHALL")
        c.execute("DBSIZE")
        started = time.time()
        self.assertEqual(c.execute("EXEC"), [1, [b"k1"], None, "OK", 0])
        self.assertLess(time.time() - started, 1.0)
        c.close()

    def test_push_inside_exec_wakes_blocked_client(self):
        result = {}

        def waiter():
            result["v"] = self.srv.client().blpop("q", 5)

        t = threading.Thread(target=waiter, daemon=True)
        t.start()
        time.sleep(0.2)
        p = self.r.pipeline(transaction=True)
        p.rpush("q", "item")
        p.set("after", "1")
        p.execute()
        t.join(5)
        self.assertEqual(result.get("v"), (b"q", b"item"))

    def test_disconnect_in_multi_leaves_nothing(self):
        c = self.srv.resp3(protocol=2)
        c.execute("WATCH", "z")
        c.execute("MULTI")
        c.execute("SET", "z", "1")
        c.close()
        time.sleep(0.1)
        self.r.set("z", "2")  # the closed client's watch is gone: no crash
        self.assertEqual(self.r.get("z"), b"2")
        self.assertEqual(self.r.ping(), True)


class TransactionsWithTier(unittest.TestCase):
    def test_transaction_over_spilled_keys(self):
        with tempfile.TemporaryDirectory() as d:
            tier_dir = os.path.join(d, "tier")
            with TierkvServer(["--threads", "2", "--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru",
                               "--tier-dir", tier_dir]) as srv:
                r = srv.client()
                value = "x" * 1000
                for i in range(20000):
                    r.set("key:%d" % i, value)
                r.set("count", 0)
                for i in range(0, 20000, 997):
                    p = r.pipeline(transaction=True)
                    p.get("key:%d" % i)
                    p.append("key:%d" % i, "y")
                    p.incr("count")
                    got, length, _ = p.execute()
                    self.assertEqual(got, value.encode())
                    self.assertEqual(length, 1001)
                self.assertEqual(int(r.get("count")), len(range(0, 20000, 997)))


if __name__ == "__main__":
    unittest.main()
