"""Blocking list pops end to end (BLPOP BRPOP BLMOVE BRPOPLPUSH): a blocked
client does not hold its event loop (one thread serves everyone), clients
are served in the order they blocked, timeouts, several keys, pipelined
commands behind a blocked one, clients that leave while blocked, elements
taken by others in between, and many consumers against many producers
across threads, each element delivered once.
"""
import socket
import threading
import time
import unittest

import redis

from tierkv_harness import TierkvServer, SharedServerTest


def wait_blocked(r, count, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.info("clients")["blocked_clients"] == count:
            return True
        time.sleep(0.01)
    return False


class Waiter(threading.Thread):
    """Runs one blocking call on its own connection and keeps the result."""

    def __init__(self, srv, method, *args):
        super().__init__(daemon=True)
        self.client = srv.client()
        self.method, self.args = method, args
        self.result = self.error = None

    def run(self):
        try:
            self.result = getattr(self.client, self.method)(*self.args)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def finish(self, timeout=5.0):
        self.join(timeout)
        assert not self.is_alive(), "still blocked"
        if self.error:
            raise self.error
        return self.result


class Blocking(SharedServerTest):
    # One event loop thread: a blocked client must not stall the others.
    server_args = ["--threads", "1"]

    def setUp(self):
        super().setUp()
        self.assertTrue(wait_blocked(self.r, 0))

    def start_waiters(self, *calls):
        waiters = []
        for call in calls:
            w = Waiter(self.srv, *call)
            w.start()
            waiters.append(w)
            self.assertTrue(wait_blocked(self.r, len(waiters)))  # blocks in this order
        return waiters

    def test_the_loop_keeps_serving_others(self):
        (w,) = self.start_waiters(("blpop", ["q"], 0))
        self.assertTrue(self.r.ping())
        self.r.set("k", "v")
        self.assertEqual(self.r.get("k"), b"v")
        self.assertEqual(self.r.rpush("q", "x"), 1)
        self.assertEqual(w.finish(), (b"q", b"x"))
        self.assertEqual(self.r.exists("q"), 0)
        self.assertTrue(wait_blocked(self.r, 0))

    def test_served_in_the_order_they_blocked(self):
        waiters = self.start_waiters(("blpop", ["q"], 0), ("brpop", ["q"], 0), ("blpop", ["q"], 0))
        self.assertEqual(self.r.rpush("q", "1", "2", "3"), 3)  # the pusher sees the full length
        self.assertEqual([w.finish() for w in waiters], [(b"q", b"1"), (b"q", b"3"), (b"q", b"2")])
        waiters = self.start_waiters(("blpop", ["q"], 0), ("blpop", ["q"], 0))
        self.r.rpush("q", "a")
        self.assertEqual(waiters[0].finish(), (b"q", b"a"))
        self.assertTrue(waiters[1].is_alive())
        self.r.rpush("q", "b")
        self.assertEqual(waiters[1].finish(), (b"q", b"b"))

    def test_several_keys(self):
        (w,) = self.start_waiters(("blpop", ["k1", "k2", "k3"], 0))
        self.r.rpush("k3", "three")
        self.assertEqual(w.finish(), (b"k3", b"three"))
        self.r.rpush("k2", "x")
        self.r.rpush("k1", "y")
        self.assertEqual(self.r.blpop(["k1", "k2"], 0), (b"k1", b"y"))  # first non-empty key, no wait
        # A waiter on two keys, woken by one, leaves the other's queue.
        waiters = self.start_waiters(("blpop", ["a", "b"], 0), ("blpop", ["b"], 0))
        self.r.rpush("a", "1")
        self.assertEqual(waiters[0].finish(), (b"a", b"1"))
        self.r.rpush("b", "2")
        self.assertEqual(waiters[1].finish(), (b"b", b"2"))

    def test_timeouts(self):
        started = time.time()
        self.assertIsNone(self.r.blpop(["q"], 0.3))
        elapsed = time.time() - started
        self.assertGreaterEqual(elapsed, 0.29)
        self.assertLess(elapsed, 2)
        self.assertIsNone(self.r.blmove("q", "d", 0.05, "LEFT", "LEFT"))
        self.assertIsNone(self.r.brpoplpush("q", "d", 0.05))
        self.assertTrue(wait_blocked(self.r, 0))
        with self.srv.resp3() as c:
            self.assertEqual(c.raw_reply("BLPOP", "q", "0.05"), b"_\r\n")
        with self.srv.resp3(protocol=2) as c:
            self.assertEqual(c.raw_reply("BRPOP", "q", "0.05"), b"*-1\r\n")
            self.assertEqual(c.raw_reply("BLPOP", "q", "-1"), b"-ERR timeout is negative\r\n")
        # A waiter with a timeout still gets an element pushed in time.
        (w,) = self.start_waiters(("blpop", ["q"], 5))
        self.r.lpush("q", "in-time")
        self.assertEqual(w.finish(), (b"q", b"in-time"))

    def test_blmove_waits_then_moves_and_wakes_the_next(self):
        # w1 waits on src; w2 waits on dst, which w1's move will fill.
        waiters = self.start_waiters(("blmove", "src", "dst", 0, "RIGHT", "LEFT"), ("blpop", ["dst"], 0))
        self.r.rpush("src", "a", "b")
        self.assertEqual(waiters[0].finish(), b"b")
        self.assertEqual(waiters[1].finish(), (b"dst", b"b"))
        self.assertEqual(self.r.lrange("src", 0, -1), [b"a"])
        self.assertEqual(self.r.exists("dst"), 0)
        (w,) = self.start_waiters(("brpoplpush", "empty", "dst", 0))
        self.r.rpush("other", "x")
        self.r.rename("other", "empty")  # a list arriving by RENAME wakes too
        self.assertEqual(w.finish(), b"x")
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"x"])

    def test_pipelined_commands_wait_behind_the_blocked_one(self):
        with socket.create_connection(("127.0.0.1", self.srv.port)) as s:
            s.sendall(b"BLPOP q 0\r\nPING\r\nECHO after\r\n")
            self.assertTrue(wait_blocked(self.r, 1))
            s.settimeout(0.2)
            with self.assertRaises(socket.timeout):
                s.recv(100)  # nothing until the pop is served
            self.r.rpush("q", "v")
            s.settimeout(5)
            expected = b"*2\r\n$1\r\nq\r\n$1\r\nv\r\n+PONG\r\n$5\r\nafter\r\n"
            got = b""
            while len(got) < len(expected):
                got += s.recv(100)
            self.assertEqual(got, expected)

    def test_a_client_that_leaves_while_blocked(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        s.sendall(b"BLPOP q 0\r\n")
        self.assertTrue(wait_blocked(self.r, 1))
        s.close()
        self.assertTrue(wait_blocked(self.r, 0))
        self.assertEqual(self.r.rpush("q", "kept"), 1)
        self.assertEqual(self.r.lrange("q", 0, -1), [b"kept"])  # nobody took it
        # A waiter queued behind a client that left is served.
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        s.sendall(b"BLPOP q2 0\r\n")
        self.assertTrue(wait_blocked(self.r, 1))
        (w,) = [Waiter(self.srv, "blpop", ["q2"], 0)]
        w.start()
        self.assertTrue(wait_blocked(self.r, 2))
        s.close()
        self.assertTrue(wait_blocked(self.r, 1))
        self.r.rpush("q2", "for-w")
        self.assertEqual(w.finish(), (b"q2", b"for-w"))

    def test_an_element_taken_first_by_another_command(self):
        (w,) = self.start_waiters(("blpop", ["q"], 0))
        # The push and a plain LPOP arrive together: LPOP may win the
        # element, and the waiter then keeps waiting for the next one.
        p = self.r.pipeline(transaction=False)
        p.rpush("q", "first")
        p.lpop("q")
        _, taken = p.execute()
        self.r.rpush("q", "second")
        got = w.finish()
        self.assertIn((taken, got[1]), [(b"first", b"second"), (None, b"first")])
        self.assertEqual(self.r.llen("q"), 1 if taken is None else 0)

    def test_client_kill_ends_a_block(self):
        c = self.srv.client()
        c.client_setname("sleeper")
        w = Waiter(self.srv, "blpop", ["q"], 0)
        w.client = c
        w.start()
        self.assertTrue(wait_blocked(self.r, 1))
        for client in self.r.client_list():
            if client["name"] == "sleeper":
                self.r.client_kill_filter(_id=client["id"])
        w.join(5)
        self.assertFalse(w.is_alive())
        self.assertIsInstance(w.error, redis.ConnectionError)
        self.assertTrue(wait_blocked(self.r, 0))


class ManyClients(unittest.TestCase):
    def test_each_element_is_delivered_once(self):
        with TierkvServer(["--threads", "2"]) as srv:
            consumers, producers, items = 6, 4, 500
            received = [[] for _ in range(consumers)]

            def consume(i):
                c = srv.client()
                while True:
                    got = c.blpop(["jobs", "other"], 5)
                    if got is None or got[1] == b"stop":
                        return
                    received[i].append(got[1])

            def produce(p):
                c = srv.client()
                for n in range(items):
                    c.rpush("jobs", "%d:%d" % (p, n))

            threads = [threading.Thread(target=consume, args=(i,)) for i in range(consumers)]
            for t in threads:
                t.start()
            makers = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
            for t in makers:
                t.start()
            for t in makers:
                t.join()
            r = srv.client()
            r.rpush("jobs", *["stop"] * consumers)
            for t in threads:
                t.join(30)
                self.assertFalse(t.is_alive())
            everything = [x for part in received for x in part]
            self.assertEqual(len(everything), producers * items)
            self.assertEqual(len(set(everything)), producers * items)
            self.assertEqual(r.info("clients")["blocked_clients"], 0)


if __name__ == "__main__":
    unittest.main()
