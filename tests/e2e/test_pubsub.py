"""Pub/Sub end to end: fan-out to 100 subscribers spread over the event loops
(each gets every message once, in publish order), pattern subscriptions,
RESP3 push messages, PUBSUB NUMSUB/NUMPAT/CHANNELS, a client leaving its
channels when it disconnects, and a subscriber that never reads: it is cut
off at client-output-buffer-limit while the server's RSS stays bounded and
the other subscribers keep receiving.
"""
import socket
import threading
import time
import unittest

from resp_client import RespClient, RespPush, encode_command
from tierkv_harness import ASAN_RSS_REASON, SANITIZER, SharedServerTest, TierkvServer


def wait_until(check, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False


class PubSub(SharedServerTest):

    def subscriber(self, *channels, protocol=2, command="SUBSCRIBE"):
        c = RespClient(self.srv.port, protocol=protocol, timeout=10)
        c.send(command, *channels)
        for _ in channels:
            c.read()
        return c

    def test_fan_out_to_100_subscribers_in_order(self):
        subscribers = [self.subscriber("fan") for _ in range(100)]
        self.assertEqual(self.r.pubsub_numsub("fan"), [(b"fan", 100)])
        count = 200
        for i in range(count):
            self.assertEqual(self.r.publish("fan", "m%d" % i), 100)
        for c in subscribers:
            got = [c.read() for _ in range(count)]
            self.assertEqual(got, [[b"message", b"fan", b"m%d" % i] for i in range(count)])
            c.close()
        self.assertTrue(wait_until(lambda: self.r.pubsub_numsub("fan") == [(b"fan", 0)]))

    def test_two_publishers_keep_their_own_order(self):
        subscribers = [self.subscriber("two") for _ in range(10)]
        count = 300

        def publisher(name):
            r = self.srv.client()
            for i in range(count):
                r.publish("two", "%s:%d" % (name, i))

        threads = [threading.Thread(target=publisher, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in subscribers:
            got = [c.read()[2].decode() for _ in range(2 * count)]
            for name in ("a", "b"):
                mine = [int(m.split(":")[1]) for m in got if m.startswith(name + ":")]
                self.assertEqual(mine, list(range(count)))
            c.close()

    def test_patterns(self):
        c = self.subscriber("news.*", "n?ws.x", command="PSUBSCRIBE")
        self.assertEqual(self.r.pubsub_numpat(), 2)
        self.assertEqual(self.r.publish("news.x", "both"), 2)
        self.assertEqual(self.r.publish("news.y", "one"), 1)
        self.assertEqual(self.r.publish("other", "none"), 0)
        got = sorted(tuple(c.read()) for _ in range(3))
        self.assertEqual(got, sorted([(b"pmessage", b"news.*", b"news.x", b"both"),
                                      (b"pmessage", b"n?ws.x", b"news.x", b"both"),
                                      (b"pmessage", b"news.*", b"news.y", b"one")]))
        c.close()
        self.assertTrue(wait_until(lambda: self.r.pubsub_numpat() == 0))

    def test_resp3_push_messages(self):
        c = self.subscriber("r3", protocol=3)
        c.send("PSUBSCRIBE", "r*")
        self.assertEqual(c.read(), [b"psubscribe", b"r*", 2])
        self.assertEqual(c.execute("SET", "k", "v"), "OK")  # RESP3: other commands still run
        self.r.publish("r3", "hello")
        msg = c.read()
        self.assertIsInstance(msg, RespPush)
        self.assertEqual(msg, [b"message", b"r3", b"hello"])
        self.assertEqual(c.read(), [b"pmessage", b"r*", b"r3", b"hello"])
        c.close()

    def test_pubsub_introspection(self):
        a = self.subscriber("ch1", "ch2")
        b = self.subscriber("ch2")
        self.assertEqual(sorted(self.r.pubsub_channels()), [b"ch1", b"ch2"])
        self.assertEqual(self.r.pubsub_channels("*1"), [b"ch1"])
        self.assertEqual(self.r.pubsub_numsub("ch1", "ch2", "ch3"), [(b"ch1", 1), (b"ch2", 2), (b"ch3", 0)])
        b.send("PSUBSCRIBE", "x*")
        b.read()
        stats = self.r.info("stats")
        self.assertEqual((stats["pubsub_channels"], stats["pubsub_patterns"]), (2, 1))
        a.close()
        b.close()
        self.assertTrue(wait_until(lambda: self.r.pubsub_channels() == []))

    def test_slow_subscriber_is_cut_off_memory_bounded(self):
        srv = TierkvServer(["--threads", "2", "--client-output-buffer-limit", "pubsub 4mb 1mb 2"]).__enter__()
        try:
            # Never reads, with a small receive buffer so the kernel holds little.
            slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            slow.connect(("127.0.0.1", srv.port))
            slow.sendall(encode_command(["SUBSCRIBE", "flood"]))
            good = RespClient(srv.port, timeout=10)
            good.send("SUBSCRIBE", "flood")
            good.read()
            pub = srv.client()
            self.assertTrue(wait_until(lambda: pub.pubsub_numsub("flood") == [(b"flood", 2)]))
            rss_before = srv.rss_kb()
            payload = "x" * 10000
            received = [0]
            stop = threading.Event()

            def reader():
                while not stop.is_set():
                    try:
                        good.read()
                        received[0] += 1
                    except Exception:  # noqa: BLE001 - closed at the end
                        return

            t = threading.Thread(target=reader, daemon=True)
            t.start()
            published = 0
            peak = rss_before
            for _ in range(3000):  # 30 MB, far past the 4 MB hard limit
                pub.publish("flood", payload)
                published += 1
                if published % 200 == 0:
                    peak = max(peak, srv.rss_kb())
            self.assertTrue(wait_until(lambda: pub.pubsub_numsub("flood") == [(b"flood", 1)]),
                            "the slow subscriber was not disconnected")
            self.assertTrue(wait_until(lambda: received[0] == published, timeout=10),
                            "the reading subscriber missed messages: %d of %d" % (received[0], published))
            stop.set()
            good.close()
            slow.close()
            self.assertTrue(srv.alive())
            if SANITIZER == "address":
                self.skipTest("the RSS bound: " + ASAN_RSS_REASON)
            self.assertLess(peak - rss_before, 24 * 1024, "RSS grew by %d KB" % (peak - rss_before))
        finally:
            srv.__exit__(None, None, None)

    def test_client_list_and_kill_by_type(self):
        c = self.subscriber("a", "b")
        c.send("PSUBSCRIBE", "p*")
        c.read()
        m = RespClient(self.srv.port)
        m.execute("MULTI")
        m.execute("SET", "k", "v")
        lines = self.r.execute_command("CLIENT", "LIST", "TYPE", "pubsub").decode().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertIn(" sub=2 psub=1 ", lines[0])
        self.assertIn(" flags=P ", lines[0])
        normal = self.r.execute_command("CLIENT", "LIST", "TYPE", "normal").decode()
        self.assertIn(" multi=1 ", normal)
        self.assertIn(" flags=x ", normal)
        self.assertEqual(self.r.execute_command("CLIENT", "KILL", "TYPE", "pubsub"), 1)
        self.assertTrue(wait_until(lambda: self.r.pubsub_numsub("a") == [(b"a", 0)]))
        m.close()

    def test_config_output_buffer_limit(self):
        self.assertEqual(self.r.config_get("client-output-buffer-limit")["client-output-buffer-limit"],
                         "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
        self.r.config_set("client-output-buffer-limit", "pubsub 64mb 16mb 30")
        self.assertIn("pubsub 67108864 16777216 30",
                      self.r.config_get("client-output-buffer-limit")["client-output-buffer-limit"])
        with self.assertRaises(Exception):
            self.r.config_set("client-output-buffer-limit", "pubsub 1mb")
        self.r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")


if __name__ == "__main__":
    unittest.main()
