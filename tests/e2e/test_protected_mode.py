"""protected-mode, as Redis: with no password set, a client connecting from
an address other than loopback gets Redis's -DENIED text and is closed.

Non-loopback clients need an address that is not 127.0.0.0/8 on this
machine: the test re-runs itself (as root) in a private network namespace
(`unshare -n`) where 192.0.2.1 (TEST-NET-1) is put on the namespace's own
loopback device. No traffic leaves the namespace. Without root or unshare
those checks are skipped; the loopback and CONFIG checks always run.
"""
import os
import shutil
import socket
import subprocess
import sys
import unittest

from resp_client import RespClient, RespError
from tierkv_harness import RedisServer, TierkvServer

OUTSIDE_ADDR = "192.0.2.1"


def first_reply(addr, port, payload=b"PING\r\n", timeout=3.0):
    """Sends `payload`, returns everything until the server closes or goes quiet."""
    with socket.create_connection((addr, port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except OSError:
            pass
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return data, False
            except ConnectionResetError:
                return data, True
            if not chunk:
                return data, True
            data += chunk


class BindAll(TierkvServer):
    def command_line(self):
        return [self.binary, "--port", str(self.port), "--bind", "0.0.0.0", "--log-level", "warn"] + self.args


class RedisBindAll(RedisServer):
    def command_line(self):
        return [self.binary, "--port", str(self.port), "--bind", "0.0.0.0", "--save", "", "--appendonly", "no",
                "--dir", self.dir.name] + self.args


def inside_namespace_checks():
    """Runs in the private network namespace; raises on any failure."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "add", OUTSIDE_ADDR + "/32", "dev", "lo"], check=True)

    # Redis's own reply, to compare byte for byte.
    with RedisBindAll() as redis_srv:
        expected, closed = first_reply(OUTSIDE_ADDR, redis_srv.port)
    assert expected.startswith(b"-DENIED Redis is running in protected mode"), expected
    assert closed

    with BindAll() as srv:
        got, closed = first_reply(OUTSIDE_ADDR, srv.port)
        assert got == expected, (got, expected)
        assert closed, "connection not closed after -DENIED"
        # Loopback clients are served.
        got, _ = first_reply("127.0.0.1", srv.port, timeout=0.5)
        assert got == b"+PONG\r\n", got
        with RespClient(srv.port) as c:
            stats = c.execute("INFO", "stats").decode()
            assert "rejected_connections:1\r\n" in stats, stats
            # A password set at runtime lifts protected mode...
            assert c.execute("CONFIG", "SET", "requirepass", "pw") == "OK"
        got, closed = first_reply(OUTSIDE_ADDR, srv.port, timeout=0.5)
        assert got == b"-NOAUTH Authentication required.\r\n", got
        with RespClient(srv.port) as c:
            c.execute("AUTH", "pw")
            assert c.execute("CONFIG", "SET", "requirepass", "") == "OK"
        got, _ = first_reply(OUTSIDE_ADDR, srv.port)
        assert got == expected, got
        # ... and so does CONFIG SET protected-mode no.
        with RespClient(srv.port) as c:
            assert c.execute("CONFIG", "SET", "protected-mode", "no") == "OK"
        got, _ = first_reply(OUTSIDE_ADDR, srv.port, timeout=0.5)
        assert got == b"+PONG\r\n", got

    with BindAll(["--protected-mode", "no"]) as srv:
        got, _ = first_reply(OUTSIDE_ADDR, srv.port, timeout=0.5)
        assert got == b"+PONG\r\n", got
    with BindAll(["--requirepass", "secret"]) as srv:
        got, _ = first_reply(OUTSIDE_ADDR, srv.port, b"AUTH secret\r\nPING\r\n", timeout=0.5)
        assert got == b"+OK\r\n+PONG\r\n", got


class NonLoopbackClients(unittest.TestCase):
    def test_in_private_network_namespace(self):
        if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
            self.skipTest("needs root, unshare and ip")
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("unshare -n not permitted here: %s" % probe.stderr.decode().strip())
        r = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__), "--inside-namespace"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("namespace checks passed", r.stdout)


class Settings(unittest.TestCase):
    def test_loopback_allowed_and_config(self):
        with TierkvServer() as srv:  # protected-mode yes by default, no password
            with RespClient(srv.port) as c:
                self.assertEqual(c.execute("PING"), "PONG")
                self.assertEqual(c.execute("CONFIG", "GET", "protected-mode"), [b"protected-mode", b"yes"])
                self.assertEqual(c.execute("CONFIG", "SET", "protected-mode", "NO"), "OK")
                self.assertEqual(c.execute("CONFIG", "GET", "protected-mode"), [b"protected-mode", b"no"])
                with self.assertRaises(RespError) as cm:
                    c.execute("CONFIG", "SET", "protected-mode", "maybe")
                self.assertEqual(str(cm.exception), "ERR CONFIG SET failed (possibly related to argument "
                                                    "'protected-mode') - argument must be 'yes' or 'no'")

    def test_ipv6_loopback_allowed(self):
        if not socket.has_ipv6:
            self.skipTest("no IPv6")
        class V6(TierkvServer):
            def command_line(self):
                return [self.binary, "--port", str(self.port), "--bind", "::", "--log-level", "warn"] + self.args
        try:
            srv = V6().__enter__()
        except RuntimeError:
            self.skipTest("cannot listen on ::")
        try:
            try:
                got, _ = first_reply("::1", srv.port, timeout=0.5)
            except OSError:
                self.skipTest("no ::1 here")
            self.assertEqual(got, b"+PONG\r\n")
            got, _ = first_reply("127.0.0.1", srv.port, timeout=0.5)  # v4-mapped on a dual-stack socket
            self.assertEqual(got, b"+PONG\r\n")
        finally:
            srv.__exit__(None, None, None)


if __name__ == "__main__":
    if "--inside-namespace" in sys.argv:
        inside_namespace_checks()
        print("namespace checks passed")
        sys.exit(0)
    unittest.main()
