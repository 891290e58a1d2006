"""Starts a tierkv-server (or redis-server) for end-to-end tests.

    with TierkvServer() as srv:
        r = srv.client()          # redis-py, RESP2
        r.set("k", "v")
        c = srv.resp3()           # RESP3 (redis-py 4.3.4 has none)
        c.execute("GET", "k")     # -> b"v"

The binary comes from $TIERKV_SERVER (set by ctest), else build/tierkv-server.
Every server runs on a free loopback port and is killed when the block ends,
whatever happens inside it.
"""
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import redis

from resp_client import RespClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Set by the sanitizer runs (tests/CMakeLists.txt): "address" or "thread".
SANITIZER = os.environ.get("TIERKV_SANITIZER", "")
# What a sanitizer writes to stderr when it finds something.
SANITIZER_REPORTS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                     b"WARNING: ThreadSanitizer")


def skip_under_sanitizer(names, reason):
    """unittest.skipIf for a test that cannot hold under the sanitizers in
    `names` (e.g. RSS bounds: ASan's shadow memory and quarantine)."""
    return unittest.skipIf(SANITIZER in names, "under %s sanitizer: %s" % (SANITIZER, reason))


# Why RSS bounds are not checked under ASan (the one kind of check skipped there).
ASAN_RSS_REASON = ("ASan keeps freed blocks in its quarantine (256 MB) and maps shadow memory, "
                   "so RSS follows neither the data nor what was freed")


def sanitizer_report(log_bytes):
    """The first sanitizer report in a server's output, or None."""
    for marker in SANITIZER_REPORTS:
        at = log_bytes.find(marker)
        if at >= 0:
            return log_bytes[max(0, at - 200):at + 4000].decode("utf-8", "replace")
    return None


def server_binary():
    return os.environ.get("TIERKV_SERVER", os.path.join(ROOT, "build", "tierkv-server"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited early with code %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not answer on port %d" % port)


class TierkvServer:
    """A tierkv-server process on a free port; extra CLI flags via `args`."""

    def __init__(self, args=(), binary=None):
        self.binary = os.path.abspath(binary or server_binary())
        self.args = list(args)
        self.port = None
        self.proc = None
        self.dir = None
        self.log_path = None

    def command_line(self):
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--log-level", "warn"] + self.args

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="tierkv-test-")
        self.port = free_port()
        self.log_path = os.path.join(self.dir.name, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command_line(), stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.dir.name)
        try:
            wait_for_port(self.port, self.proc)
        except Exception:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stops the server; returns its exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode if self.proc else None
        report = None
        if self.dir:
            self.log.close()
            with open(self.log_path, "rb") as f:
                report = sanitizer_report(f.read())
            self.dir.cleanup()
            self.dir = None
        if report:
            raise AssertionError("the server's sanitizer reported:\n" + report)
        return code

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def client(self, protocol=2, **kwargs):
        """A redis-py client. Debian 12's redis-py (4.3.4) speaks only RESP2:
        for RESP3 use resp3() instead."""
        if protocol != 2:
            raise ValueError("redis-py 4.3.4 (Debian 12) has no RESP3: use srv.resp3() "
                             "(tests/e2e/resp_client.py) for RESP3 checks")
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def resp3(self, protocol=3):
        """A RespClient (resp_client.py) that has sent HELLO 3: decoded RESP3
        replies (dict for maps, RespSet, float for doubles, ...)."""
        return RespClient(self.port, protocol=protocol)

    def raw(self, data, read_timeout=1.0, expect_close=False):
        """Sends raw bytes on a new connection and returns everything read
        until the server closes or `read_timeout` passes with no data."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout) as s:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


class SharedServerTest(unittest.TestCase):
    """One server for every test of the class: started once with the flags
    in `server_args`, flushed before each test; self.r is a redis-py client."""
    server_args = ["--threads", "2"]

    @classmethod
    def setUpClass(cls):
        cls.srv = TierkvServer(cls.server_args).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()


class RedisServer(TierkvServer):
    """The real redis-server, for side-by-side checks."""

    def __init__(self, args=()):
        super().__init__(args, binary="/usr/bin/redis-server")

    def command_line(self):
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", self.dir.name] + self.args
