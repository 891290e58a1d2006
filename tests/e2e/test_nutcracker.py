"""Scale-out: three tierkv-servers behind nutcracker (twemproxy) with ketama
hashing. Keys written through the proxy spread over the nodes and read back
through it; when a node stops, nutcracker ejects it and the rest keep
answering (auto_eject_hosts, server_failure_limit 1).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import redis

from tierkv_harness import TierkvServer, free_port

NUTCRACKER = shutil.which("nutcracker") or "/usr/sbin/nutcracker"
KEYS = 10_000
BATCH = 1_000

CONFIG = """\
tierkv:
  listen: 127.0.0.1:{port}
  redis: true
  hash: fnv1a_64
  distribution: ketama
  auto_eject_hosts: true
  server_failure_limit: 1
  server_retry_timeout: 600000
  timeout: 2000
  servers:
{servers}
"""


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except (OSError, redis.RedisError):
            pass
        time.sleep(interval)
    return False


class Nutcracker:
    """nutcracker on a free port in front of `nodes` (host:port), stats on another."""

    def __init__(self, nodes, workdir):
        self.port = free_port()
        self.stats_port = free_port()
        self.conf = os.path.join(workdir, "nutcracker.yml")
        self.log = os.path.join(workdir, "nutcracker.log")
        servers = "\n".join("   - 127.0.0.1:%d:1 node%d" % (p, i + 1) for i, p in enumerate(nodes))
        with open(self.conf, "w") as f:
            f.write(CONFIG.format(port=self.port, servers=servers))
        check = subprocess.run([NUTCRACKER, "--test-conf", "--conf-file", self.conf], capture_output=True,
                               text=True, timeout=10)
        assert check.returncode == 0, check.stdout + check.stderr
        self.proc = subprocess.Popen([NUTCRACKER, "--conf-file", self.conf, "--stats-addr", "127.0.0.1",
                                      "--stats-port", str(self.stats_port), "--stats-interval", "100",
                                      "--output", self.log], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(lambda: redis.Redis(port=self.port, socket_timeout=1).ping()):
            self.stop()
            raise RuntimeError("nutcracker did not start: " + open(self.log).read()[-2000:])

    def stats(self):
        """nutcracker's stats JSON (it sends it to whoever connects)."""
        with socket.create_connection(("127.0.0.1", self.stats_port), timeout=2) as s:
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return json.loads(data)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@unittest.skipUnless(os.path.exists(NUTCRACKER), "nutcracker not installed")
class ScaleOut(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="tierkv-nutcracker-")
        self.nodes = []
        for _ in range(3):
            self.nodes.append(TierkvServer(["--threads", "1"]).__enter__())
        self.proxy = Nutcracker([n.port for n in self.nodes], self.workdir)

    def tearDown(self):
        self.proxy.stop()
        for n in self.nodes:
            n.__exit__(None, None, None)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def test_spread_read_back_and_ejection(self):
        proxy = redis.Redis(port=self.proxy.port, socket_timeout=5)
        keys = ["key:%05d" % i for i in range(KEYS)]

        # Write through the proxy, pipelined (no MULTI: nutcracker has none).
        for start in range(0, KEYS, BATCH):
            pipe = proxy.pipeline(transaction=False)
            for k in keys[start:start + BATCH]:
                pipe.set(k, "v-" + k)
            self.assertTrue(all(pipe.execute()))

        # Every node holds a fair share (ketama: about a third each).
        direct = [n.client() for n in self.nodes]
        sizes = [c.dbsize() for c in direct]
        self.assertEqual(sum(sizes), KEYS, sizes)
        for size in sizes:
            self.assertGreaterEqual(size, KEYS * 0.20, sizes)
        owner = {}
        for i, c in enumerate(direct):
            for k in c.keys("*"):
                owner[k.decode()] = i
        self.assertEqual(len(owner), KEYS)

        # Everything reads back through the proxy: MGET is split per node.
        for start in range(0, KEYS, BATCH):
            chunk = keys[start:start + BATCH]
            self.assertEqual(proxy.mget(chunk), [("v-" + k).encode() for k in chunk])

        # Stop one node; nutcracker ejects it at its first failure.
        dead = 1
        self.assertEqual(self.nodes[dead].stop(), 0)
        dead_keys = [k for k in keys if owner[k] == dead]
        live_keys = [k for k in keys if owner[k] != dead]

        def dead_key_writable():
            # Fails (error or closed connection) until the node is ejected;
            # then the key hashes to a live node.
            r = redis.Redis(port=self.proxy.port, socket_timeout=2)
            try:
                return r.set(dead_keys[0], "after")
            finally:
                r.close()

        self.assertTrue(wait_for(dead_key_writable, timeout=15, interval=0.1), "dead node never ejected")
        # nutcracker's stats are aggregated every --stats-interval (100 ms).
        self.assertTrue(wait_for(lambda: self.proxy.stats()["tierkv"]["server_ejects"] >= 1, timeout=5),
                        self.proxy.stats())
        stats = self.proxy.stats()["tierkv"]
        self.assertGreater(stats["node%d" % (dead + 1)]["server_ejected_at"], 0, stats)
        live_node = "node%d" % ((dead + 1) % 3 + 1)
        self.assertEqual(stats[live_node]["server_ejected_at"], 0, stats)

        # The live nodes' keys still read back, with their values.
        proxy = redis.Redis(port=self.proxy.port, socket_timeout=5)
        for start in range(0, len(live_keys), BATCH):
            chunk = live_keys[start:start + BATCH]
            self.assertEqual(proxy.mget(chunk), [("v-" + k).encode() for k in chunk])
        # New writes succeed, including for keys the dead node owned.
        pipe = proxy.pipeline(transaction=False)
        for k in dead_keys[:500]:
            pipe.set(k, "new")
        self.assertTrue(all(pipe.execute()))
        self.assertEqual(proxy.mget(dead_keys[:500]), [b"new"] * 500)
        self.assertEqual(proxy.get(live_keys[0]), ("v-" + live_keys[0]).encode())
        live_total = sum(c.dbsize() for i, c in enumerate(direct) if i != dead)
        self.assertEqual(live_total, len(live_keys) + 500)

    def test_unsupported_commands_close_the_connection(self):
        """What README's Scale-out section says: server-wide commands are not forwarded."""
        for command in (["INFO"], ["DBSIZE"], ["KEYS", "*"], ["FLUSHALL"], ["SELECT", "1"]):
            with socket.create_connection(("127.0.0.1", self.proxy.port), timeout=3) as s:
                s.sendall(b"".join([b"*%d\r\n" % len(command)] +
                                   [b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in command]))
                self.assertEqual(s.recv(100), b"", command)
        proxy = redis.Redis(port=self.proxy.port, socket_timeout=5)
        self.assertTrue(proxy.ping())  # answered by nutcracker itself
        self.assertEqual(proxy.delete("a", "b"), 0)  # multi-key DEL is split and summed


if __name__ == "__main__":
    unittest.main()
