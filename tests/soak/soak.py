#!/usr/bin/python3
"""Soak and abuse test for tierkv-server (issue #8).

Loads a data set, then for --duration seconds runs, all at once:
  - well-behaved clients (SET/GET with a fresh connection's latency measured),
  - mixed load from --connections connections (pipelined SET, GET, INCR,
    LPUSH/LPOP, HSET, MGET, EXPIRE) that now and then drop mid-command,
  - slowloris clients sending a command one byte a second,
  - clients that pipeline large MGETs and never read the replies,
  - clients sending pipelined garbage.
Then it stops the abuse and checks that: the well-behaved clients were
answered within --max-latency every time; the server's RSS is back within
10% of its level before the abuse; its open file descriptors are as many as
before (/proc/PID/fd); the data set is intact. Prints figures; exit code 0
when every check holds.

Usage: tests/soak/soak.py [--server build/tierkv-server] [--duration 30]
                          [--connections 200] [--max-latency 2.0]
"""
import argparse
import asyncio
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from tierkv_harness import free_port, wait_for_port  # noqa: E402
VALUE = b"v" * 1000
DATA_KEYS = 20000


def command(*parts):
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        p = p if isinstance(p, bytes) else str(p).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(p), p))
    return b"".join(out)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


async def read_replies(reader, count):
    """Reads `count` RESP2 replies (enough of the format for this test)."""
    for _ in range(count):
        await read_one(reader)


async def read_one(reader):
    line = await reader.readline()
    if not line:
        raise ConnectionError("closed")
    kind = line[:1]
    if kind == b"$":
        n = int(line[1:])
        if n >= 0:
            await reader.readexactly(n + 2)
    elif kind == b"*":
        n = int(line[1:])
        for _ in range(max(n, 0)):
            await read_one(reader)
    return line


class Soak:
    def __init__(self, args):
        self.args = args
        self.port = args.port
        self.stop = None  # an asyncio.Event per phase (each runs its own event loop)
        self.latencies = []
        self.good_errors = []
        self.counts = {"mixed": 0, "drops": 0, "slowloris": 0, "never_read": 0, "garbage": 0}

    async def connect(self):
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def mixed_client(self, n):
        rng = random.Random(1000 + n)
        while not self.stop.is_set():
            try:
                reader, writer = await self.connect()
                writer.write(command(b"SELECT", 1))  # what the abuse writes goes to database 1
                await read_replies(reader, 1)
                for _ in range(rng.randrange(5, 50)):
                    if self.stop.is_set():
                        break
                    batch = []
                    for _ in range(rng.randrange(1, 16)):
                        k = b"m:%d" % rng.randrange(5000)
                        batch.append(rng.choice([
                            command(b"SET", k, VALUE[:rng.randrange(1, 1000)]),
                            command(b"GET", k),
                            command(b"INCR", b"c:%d" % rng.randrange(100)),
                            command(b"LPUSH", b"l:%d" % rng.randrange(100), k),
                            command(b"LPOP", b"l:%d" % rng.randrange(100)),
                            command(b"HSET", b"h:%d" % rng.randrange(100), k, b"x"),
                            command(b"MGET", *[b"data:%d" % rng.randrange(DATA_KEYS) for _ in range(5)]),
                            command(b"EXPIRE", k, 30),
                        ]))
                    writer.write(b"".join(batch))
                    await writer.drain()
                    await read_replies(reader, len(batch))
                    self.counts["mixed"] += len(batch)
                if rng.random() < 0.5:
                    # Gone in the middle of a command.
                    writer.write(command(b"SET", b"half", VALUE)[:rng.randrange(3, 200)])
                    await writer.drain()
                    self.counts["drops"] += 1
                writer.close()
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                pass

    async def slowloris(self, n):
        try:
            reader, writer = await self.connect()
            data = command(b"SELECT", 1) + command(b"SET", b"slow:%d" % n, VALUE)
            for byte in data:
                if self.stop.is_set():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                self.counts["slowloris"] += 1
                await asyncio.sleep(1)
            writer.close()
        except (OSError, ConnectionError):
            pass

    async def never_reads(self, n):
        while not self.stop.is_set():
            try:
                sock = socket.create_connection(("127.0.0.1", self.port))
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.setblocking(False)
                request = command(b"MGET", *[b"data:%d" % i for i in range(n * 100, n * 100 + 100)]) * 200
                loop = asyncio.get_running_loop()
                await asyncio.wait_for(loop.sock_sendall(sock, request), 5)
                self.counts["never_read"] += 200
                await asyncio.sleep(2)  # never reads; then goes, as such clients eventually do
            except (OSError, ConnectionError, asyncio.TimeoutError):
                pass
            finally:
                sock.close()

    async def garbage(self, n):
        rng = random.Random(5000 + n)
        while not self.stop.is_set():
            try:
                reader, writer = await self.connect()
                junk = rng.choice([
                    bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))),
                    b"*3\r\n$3\r\nSET\r\n$-7\r\n" * 10,
                    b"*2\r\n$3\r\nGET\r\n$99999999999\r\n",
                    b"$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n" * 50,
                    b"\x00\xff\r\n" * 100,
                    b"*" + b"9" * 30 + b"\r\n",
                ])
                writer.write(junk)
                await writer.drain()
                try:
                    await asyncio.wait_for(reader.read(65536), 0.5)
                except asyncio.TimeoutError:
                    pass
                writer.close()
                self.counts["garbage"] += 1
            except (OSError, ConnectionError):
                pass
            await asyncio.sleep(0.02)

    async def warm_up(self, seconds):
        """The same well-behaved and mixed traffic, without abuse: the level
        memory is compared against is that of a server that has served it."""
        self.stop = asyncio.Event()
        tasks = [asyncio.create_task(self.mixed_client(i)) for i in range(self.args.connections - 4)]
        await asyncio.sleep(seconds)
        self.stop.set()
        await asyncio.wait(tasks, timeout=30)
        self.counts = dict.fromkeys(self.counts, 0)

    async def abuse(self):
        a = self.args
        self.stop = asyncio.Event()
        tasks = []
        abusers = max(a.connections - 4, 10)
        slow, never, junk = abusers // 10, abusers // 20, abusers // 20
        mixed = abusers - slow - never - junk
        tasks += [asyncio.create_task(self.mixed_client(i)) for i in range(mixed)]
        tasks += [asyncio.create_task(self.slowloris(i)) for i in range(slow)]
        tasks += [asyncio.create_task(self.never_reads(i)) for i in range(never)]
        tasks += [asyncio.create_task(self.garbage(i)) for i in range(junk)]
        await asyncio.sleep(a.duration)
        self.stop.set()
        await asyncio.wait(tasks, timeout=30)


def run(args):
    tmp = tempfile.mkdtemp(prefix="tierkv-soak-")
    log = open(os.path.join(tmp, "server.log"), "wb")
    args.port = free_port()
    server = subprocess.Popen([args.server, "--port", str(args.port), "--bind", "127.0.0.1",
                               "--log-level", "warn", "--threads", "2", "--maxclients", "10000",
                               "--client-output-buffer-limit", "normal 64mb 16mb 10"],
                              stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    soak = Soak(args)
    try:
        wait_for_port(args.port, server)
        load_data(args.port)
        asyncio.run(soak.warm_up(min(10.0, args.duration / 2)))
        flush_abuse_data(args.port)
        time.sleep(3)
        rss_before, fds_before = rss_kb(server.pid), fd_count(server.pid)
        used_before = used_memory(args.port)
        started = time.monotonic()
        # The well-behaved clients run in processes of their own, so their
        # latency is the server's, not this script's event loop's.
        results = multiprocessing.Queue()
        good = [multiprocessing.Process(target=good_client, args=(args.port, i, args.duration, args.max_latency,
                                                                   results)) for i in range(4)]
        for p in good:
            p.start()
        asyncio.run(soak.abuse())
        for _ in good:
            latencies, errors = results.get(timeout=60)
            soak.latencies += latencies
            soak.good_errors += errors
        for p in good:
            p.join()
        rss_peak = rss_kb(server.pid)
        flush_abuse_data(args.port)
        # Let closed connections go and freed memory return (about a second).
        deadline = time.time() + 20
        while time.time() < deadline:
            if fd_count(server.pid) <= fds_before and rss_kb(server.pid) <= rss_before * 1.10:
                break
            time.sleep(0.5)
        rss_after, fds_after = rss_kb(server.pid), fd_count(server.pid)
        used_after = used_memory(args.port)
        if fds_after > fds_before:
            subprocess.run(["ls", "-l", "/proc/%d/fd" % server.pid])
            subprocess.run(["ss", "-tnp", "sport = :%d" % args.port])
        intact = check_data(args.port)
        alive = server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    lat = sorted(soak.latencies) or [0]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print("soak: %.0f s, %d connections: %d mixed commands, %d mid-command drops, %d slowloris bytes, "
          "%d never-read MGETs, %d garbage sends" % (time.monotonic() - started, args.connections,
                                                     soak.counts["mixed"], soak.counts["drops"],
                                                     soak.counts["slowloris"], soak.counts["never_read"],
                                                     soak.counts["garbage"]))
    print("well-behaved clients: %d rounds, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors"
          % (len(soak.latencies), lat[len(lat) // 2] * 1000, p99 * 1000, lat[-1] * 1000, len(soak.good_errors)))
    print("RSS: %.1f MiB before, %.1f MiB at the end of the abuse, %.1f MiB after (%+.1f%%)"
          % (rss_before / 1024, rss_peak / 1024, rss_after / 1024, 100.0 * (rss_after - rss_before) / rss_before))
    print("used_memory (allocated): %.1f MiB before, %.1f MiB after" % (used_before / 2**20, used_after / 2**20))
    print("open fds: %d before, %d after" % (fds_before, fds_after))
    failures = []
    if not alive:
        failures.append("the server died")
    if soak.good_errors:
        failures.append("well-behaved clients saw errors: %s" % soak.good_errors[:5])
    if lat[-1] > args.max_latency:
        failures.append("a well-behaved round took %.2f s (bound %.2f s)" % (lat[-1], args.max_latency))
    if args.skip_rss:
        print("RSS not checked: " + args.skip_rss)
    elif rss_after > rss_before * 1.10:
        failures.append("RSS did not return within 10%% (%d -> %d kB)" % (rss_before, rss_after))
    if fds_after > fds_before:
        failures.append("file descriptors leaked (%d -> %d)" % (fds_before, fds_after))
    if not intact:
        failures.append("the data set changed")
    for f in failures:
        print("FAILED: " + f)
    print("soak: %s" % ("passed" if not failures else "failed"))
    return 1 if failures else 0


def good_client(port, n, duration, max_latency, results):
    """A fresh connection per round: connect, SET, GET, check, close."""
    rng = random.Random(n)
    latencies, errors = [], []
    end = time.monotonic() + duration
    while time.monotonic() < end:
        key = b"good:%d:%d" % (n, rng.randrange(1000))
        value = b"%d" % rng.randrange(10 ** 9)
        start = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=max_latency * 2) as s:
                s.sendall(command(b"SELECT", 1) + command(b"SET", key, value) + command(b"GET", key))
                f = s.makefile("rb")
                replies = [f.readline(), f.readline(), f.readline()]
                body = f.read(int(replies[2][1:]) + 2)[:-2]
                if replies[:2] != [b"+OK\r\n", b"+OK\r\n"] or body != value:
                    errors.append("wrong replies %r %r" % (replies, body))
        except (OSError, ValueError) as e:
            errors.append("%s: %s" % (type(e).__name__, e))
        latencies.append(time.monotonic() - start)
        time.sleep(0.05)
    results.put((latencies, errors))


def load_data(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"".join(command(b"SET", b"data:%d" % i, VALUE + b"%d" % i) for i in range(DATA_KEYS)))
        f = s.makefile("rb")
        for _ in range(DATA_KEYS):
            if f.readline() != b"+OK\r\n":
                raise RuntimeError("loading the data set failed")


def flush_abuse_data(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(command(b"SELECT", 1) + command(b"FLUSHDB"))
        f = s.makefile("rb")
        if f.readline() != b"+OK\r\n" or f.readline() != b"+OK\r\n":
            raise RuntimeError("FLUSHDB of the abuse's database failed")


def used_memory(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(command(b"INFO", b"memory"))
        f = s.makefile("rb")
        body = f.read(int(f.readline()[1:]) + 2).decode()
    fields = dict(line.split(":", 1) for line in body.splitlines() if ":" in line)
    return int(fields["used_memory"])


def check_data(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"".join(command(b"GET", b"data:%d" % i) for i in range(DATA_KEYS)))
        f = s.makefile("rb")
        for i in range(DATA_KEYS):
            header = f.readline()
            expected = VALUE + b"%d" % i
            if header != b"$%d\r\n" % len(expected) or f.read(len(expected) + 2)[:-2] != expected:
                return False
    return True


def main():
    parser = argparse.ArgumentParser(description="Soak and abuse test for tierkv-server")
    parser.add_argument("--server", default=os.path.join(ROOT, "build", "tierkv-server"))
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--max-latency", type=float, default=2.0,
                        help="seconds a well-behaved connect+SET+GET may take at most")
    parser.add_argument("--skip-rss", metavar="REASON", default="",
                        help="do not check that RSS comes back (e.g. under ASan), saying why")
    args = parser.parse_args()
    args.server = os.path.abspath(args.server)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
