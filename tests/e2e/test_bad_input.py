"""Bad input: the server answers or closes the offending client, keeps
serving everyone else, and gives the memory back."""
import socket
import time
import unittest

from tierkv_harness import ASAN_RSS_REASON, TierkvServer, skip_under_sanitizer


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def read_until_closed(sock, timeout=5):
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = TierkvServer(["--threads", "2"]).__enter__()
        # A well-behaved client that stays connected through every abuse.
        cls.bystander = connect(cls.srv.port)

    @classmethod
    def tearDownClass(cls):
        cls.bystander.close()
        cls.srv.__exit__(None, None, None)

    def assert_still_serving(self):
        self.assertTrue(self.srv.alive())
        self.bystander.sendall(b"*2\r\n$4\r\nECHO\r\n$5\r\nalive\r\n")
        self.assertEqual(self.bystander.recv(100), b"$5\r\nalive\r\n")
        with connect(self.srv.port) as s:
            s.sendall(b"PING\r\n")
            self.assertEqual(s.recv(100), b"+PONG\r\n")

    def assert_error_then_close(self, payload, error):
        with connect(self.srv.port) as s:
            s.sendall(payload)
            self.assertEqual(read_until_closed(s), b"-ERR " + error + b"\r\n")
        self.assert_still_serving()

    def test_protocol_errors_close_only_that_client(self):
        cases = [
            (b"*1\r\n$-5\r\n", b"Protocol error: invalid bulk length"),
            (b"*1\r\n$99999999999\r\n", b"Protocol error: invalid bulk length"),
            (b"*1\r\n$abc\r\n", b"Protocol error: invalid bulk length"),
            (b"*abc\r\n", b"Protocol error: invalid multibulk length"),
            (b"*3000000000\r\n", b"Protocol error: invalid multibulk length"),
            (b"*1\r\n+PING\r\n", b"Protocol error: expected '$', got '+'"),
            (b'"unbalanced\r\n', b"Protocol error: unbalanced quotes in request"),
            (b"x" * 70000, b"Protocol error: too big inline request"),
            (b"*1\r\n$" + b"1" * 70000, b"Protocol error: too big bulk count string"),
        ]
        for payload, error in cases:
            with self.subTest(payload=payload[:30]):
                self.assert_error_then_close(payload, error)

    def test_negative_multibulk_is_ignored_like_redis(self):
        # Redis 7 treats "*-5" like "*0": an empty command, no reply.
        with connect(self.srv.port) as s:
            s.sendall(b"*-5\r\nPING\r\n")
            self.assertEqual(s.recv(100), b"+PONG\r\n")
        self.assert_still_serving()

    def test_garbage_gets_errors_not_a_crash(self):
        garbage = bytes(range(256)) * 40 + b"\r\n\x00\xff*\r\n$\r\n"
        with connect(self.srv.port) as s:
            s.sendall(garbage)
            reply = read_until_closed(s, timeout=1)
        self.assertTrue(reply.startswith(b"-ERR "), reply[:80])
        self.assert_still_serving()

    def test_bulk_announced_then_disconnect(self):
        for _ in range(50):
            with connect(self.srv.port) as s:
                s.sendall(b"*2\r\n$3\r\nSET\r\n$100000000\r\nabc")
        self.assert_still_serving()

    def test_query_buffer_limit(self):
        # Shrink the limit at runtime, then exceed it with one unfinished bulk.
        with connect(self.srv.port) as admin:
            admin.sendall(b"CONFIG SET client-query-buffer-limit 1mb\r\n")
            admin.recv(100)
            try:
                with connect(self.srv.port) as s:
                    s.sendall(b"*2\r\n$4\r\nECHO\r\n$4000000\r\n")
                    try:
                        s.sendall(b"x" * 2000000)
                    except OSError:
                        pass
                    reply = read_until_closed(s)
                self.assertIn(reply, (b"", b"-ERR Protocol error: query buffer limit exceeded\r\n"))
            finally:
                admin.sendall(b"CONFIG SET client-query-buffer-limit 1gb\r\n")
                admin.recv(100)
        self.assert_still_serving()

    def test_100k_pipelined_commands_in_one_write(self):
        n = 100000
        with connect(self.srv.port) as s:
            s.sendall(b"PING\r\n" * n)
            expected = b"+PONG\r\n" * n
            data = b""
            s.settimeout(30)
            while len(data) < len(expected):
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                data += chunk
            self.assertEqual(data, expected)
        self.assert_still_serving()

    @skip_under_sanitizer(("address",), ASAN_RSS_REASON)
    def test_1000_connections_opened_and_dropped_memory_returns(self):
        # Warm up allocator arenas first so the baseline is a steady state.
        self.churn(200)
        time.sleep(0.5)
        before = self.srv.rss_kb()
        for _ in range(5):
            self.churn(1000)
        time.sleep(1.0)
        after = self.srv.rss_kb()
        self.assert_still_serving()
        # Everything per-connection is freed; allow allocator slack of 10% + 4 MB.
        self.assertLess(after, before * 1.1 + 4096, "RSS before %d kB, after %d kB" % (before, after))

    def churn(self, count):
        socks = []
        for i in range(count):
            s = connect(self.srv.port)
            if i % 2:
                s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nhalf")  # dropped mid-command
            socks.append(s)
        for s in socks:
            s.close()
        # Wait until the server has seen every close.
        deadline = time.time() + 10
        while time.time() < deadline:
            with connect(self.srv.port) as probe:
                probe.sendall(b"INFO clients\r\n")
                time.sleep(0.05)
                info = probe.recv(4096)
            if b"connected_clients:" not in info:
                break  # INFO not available: fall back to a fixed wait
            count_now = int(info.split(b"connected_clients:")[1].split(b"\r\n")[0])
            if count_now <= 2:
                return
            time.sleep(0.1)
        time.sleep(0.5)


if __name__ == "__main__":
    unittest.main()
