"""Client limits: maxclients with Redis's error, the idle `timeout` (blocked
clients and subscribers exempt), tcp-keepalive's probe timer on accepted
sockets, and client-output-buffer-limit for normal clients (a client that
pipelines huge replies and never reads is cut off, RSS stays bounded, and
everyone else is served)."""
import re
import socket
import subprocess
import threading
import time
import unittest

from tierkv_harness import SANITIZER, TierkvServer

MB = 1024 * 1024


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def ping(sock):
    sock.sendall(b"PING\r\n")
    return sock.recv(64)


def closed_by_server(sock, within):
    """True if the server closes `sock` within `within` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(64) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


class Limits(unittest.TestCase):
    def test_maxclients(self):
        with TierkvServer(["--maxclients", "3"]) as srv:
            # The harness's readiness probe has gone; three may connect.
            time.sleep(0.2)
            socks = [connect(srv.port) for _ in range(3)]
            for s in socks:
                self.assertEqual(ping(s), b"+PONG\r\n")
            extra = connect(srv.port)
            self.assertEqual(extra.recv(64), b"-ERR max number of clients reached\r\n")
            self.assertTrue(closed_by_server(extra, 2))
            socks.pop().close()
            time.sleep(0.2)
            again = connect(srv.port)
            self.assertEqual(ping(again), b"+PONG\r\n")
            again.sendall(b"INFO stats\r\n")
            time.sleep(0.2)
            self.assertIn(b"rejected_connections:1\r\n", again.recv(65536))
            for s in socks + [again, extra]:
                s.close()

    def test_idle_clients_are_closed_after_timeout_but_not_blocked_or_subscribed_ones(self):
        with TierkvServer(["--timeout", "1"]) as srv:
            idle = connect(srv.port)
            busy = connect(srv.port)
            blocked = connect(srv.port)
            subscriber = connect(srv.port)
            self.assertEqual(ping(idle), b"+PONG\r\n")
            blocked.sendall(b"BLPOP nothing 6\r\n")
            subscriber.sendall(b"SUBSCRIBE news\r\n")
            self.assertIn(b"subscribe", subscriber.recv(256))
            deadline = time.time() + 3.5
            while time.time() < deadline:
                self.assertEqual(ping(busy), b"+PONG\r\n")
                time.sleep(0.3)
            self.assertTrue(closed_by_server(idle, 0.5))
            self.assertEqual(ping(busy), b"+PONG\r\n")
            # BLPOP still waits for its own 6 s timeout, then answers.
            blocked.settimeout(5)
            self.assertEqual(blocked.recv(64), b"*-1\r\n")
            self.assertEqual(srv.client().publish("news", "hi"), 1)
            self.assertIn(b"hi", subscriber.recv(256))
            for s in (idle, busy, blocked, subscriber):
                s.close()

    def test_tcp_keepalive_sets_the_probe_timer(self):
        with TierkvServer(["--tcp-keepalive", "100"]) as srv:
            s = connect(srv.port)
            self.assertEqual(ping(s), b"+PONG\r\n")
            out = subprocess.run(["ss", "-tnoH", "state", "established", "( sport = :%d )" % srv.port],
                                 capture_output=True, text=True, check=True).stdout
            match = re.search(r"timer:\(keepalive,(?:(\d+)min)?(\d+)(?:\.\d+)?sec", out)
            self.assertIsNotNone(match, out)
            seconds = int(match.group(1) or 0) * 60 + int(match.group(2))
            self.assertGreater(seconds, 60, out)  # the kernel's default would be 7200 s
            self.assertLessEqual(seconds, 100, out)
            s.close()

    def test_a_client_that_never_reads_huge_replies_is_cut_off(self):
        with TierkvServer(["--threads", "2", "--client-output-buffer-limit", "normal 16mb 8mb 10"]) as srv:
            r = srv.client()
            for i in range(4):
                r.set("big:%d" % i, b"x" * MB)
            # Under the limit a large reply is fine.
            self.assertEqual(len(r.get("big:0")), MB)
            rss_before = srv.rss_kb()
            greedy = connect(srv.port)
            greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            # 4 MB of replies per command, 300 commands: 1.2 GB if nothing stopped it.
            greedy.sendall(b"MGET big:0 big:1 big:2 big:3\r\n" * 300)
            # Wait for the server to say it cut the client off (polling the
            # client list alone could look before the client was even accepted).
            message = b"closed for overcoming of output buffer limits (normal)"
            deadline = time.time() + 10
            while time.time() < deadline:
                with open(srv.log_path, "rb") as f:
                    if message in f.read():
                        break
                time.sleep(0.1)
            with open(srv.log_path, "rb") as f:
                self.assertIn(message, f.read())
            deadline = time.time() + 5
            while time.time() < deadline and len(r.client_list()) > 1:
                time.sleep(0.05)
            self.assertEqual(len(r.client_list()), 1, "the greedy client is still connected")
            self.assertEqual(r.ping(), True)
            if SANITIZER != "address":  # ASan's quarantine keeps freed memory resident
                self.assertLess(srv.rss_kb() - rss_before, 128 * 1024)
            greedy.close()


if __name__ == "__main__":
    unittest.main()
