"""The RocksDB tier end to end: keys evicted from memory are spilled to disk
and read back with the same answers, deleted or overwritten keys never come
back, TTLs survive spills and restarts, a graceful restart keeps every key,
and bad tier directories stop start-up with a clear error."""
import os
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import redis

from tierkv_harness import TierkvServer, free_port, server_binary

MB = 1024 * 1024


def value_of(i, size=1000):
    head = b"value-%d-" % i
    return head + bytes((i + j) % 251 for j in range(size - len(head)))


def fill(r, count, size=1000, prefix="k"):
    for start in range(0, count, 500):
        p = r.pipeline(transaction=False)
        for i in range(start, min(count, start + 500)):
            p.set("%s:%d" % (prefix, i), value_of(i, size))
        p.execute()


def wait_writer_idle(r, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if int(r.info("tier").get("db_tier_pending_writes", 0)) == 0:
            return
        time.sleep(0.05)


def warmup_done(r):
    tier = r.info("tier")
    return tier["db_tier_warmup_total"] > 0 and not tier["db_tier_warmup_running"]


class TierServer(TierkvServer):
    """A tierkv-server with a small memory limit and a tier directory that
    outlives restarts of the process."""

    def __init__(self, tier_dir, extra=()):
        super().__init__(["--threads", "2", "--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru",
                          "--tier-dir", tier_dir] + list(extra))


class Tier(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tierkv-tier-")
        self.tier_dir = os.path.join(self.dir, "tier")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_fill_past_memory_and_read_everything_back(self):
        n = 20000  # ~20 MB of values through 4 MB of memory
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            fill(r, n)
            mem = r.info("memory")
            self.assertLessEqual(mem["used_memory_dataset"], 4 * MB + 64 * 1024)
            self.assertEqual(r.info("stats")["evicted_keys"], 0)  # spilled, not lost
            self.assertEqual(r.dbsize(), n)
            p = r.pipeline(transaction=False)
            for i in range(n):
                p.get("k:%d" % i)
            values = p.execute()
            wrong = [i for i in range(n) if values[i] != value_of(i)]
            self.assertEqual(wrong, [])
            stats = r.info("stats")
            self.assertEqual(stats["keyspace_misses"], 0)
            wait_writer_idle(r)
            self.assertEqual(r.dbsize(), n)
            self.assertEqual(len(r.keys("k:*")), n)
            self.assertEqual(set(r.scan_iter(count=500)), {b"k:%d" % i for i in range(n)})
            tier = r.info("tier")
            self.assertGreater(tier["db_tier_spills"], n // 2)
            self.assertGreater(tier["db_tier_promotions"], 0)
            self.assertGreater(tier["db_tier_keys"], 0)

    def test_scan_returns_keys_changed_on_the_way(self):
        # Keys on disk are read back and changed (APPEND) or overwritten while
        # a SCAN runs: they move to memory, possibly behind its walk, and must
        # still be returned.
        n = 8000
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            fill(r, n)
            wait_writer_idle(r)
            seen = set()
            cursor, pages = 0, 0
            while True:
                cursor, keys = r.scan(cursor, count=200)
                seen.update(keys)
                # Old keys (on disk), late in the tier's key order: k:999, k:998 ...
                for i in range(999 - pages * 20, max(99, 999 - pages * 20 - 20), -2):
                    r.append("k:%d" % i, b"+")
                    r.set("k:%d" % (i - 1), b"new")
                pages += 1
                if cursor == 0:
                    break
            self.assertEqual(seen, {b"k:%d" % i for i in range(n)})
            self.assertGreater(r.info("tier")["db_tier_promotions"], 0)

    def test_deleted_and_overwritten_keys_never_come_back(self):
        n = 8000
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            fill(r, n)
            # The first keys went to disk long ago; change them there.
            deleted = ["k:%d" % i for i in range(0, 200, 2)]
            overwritten = ["k:%d" % i for i in range(1, 200, 2)]
            self.assertEqual(r.delete(*deleted), len(deleted))
            for k in overwritten:
                r.set(k, b"new")
            # Read them right away (the deletions may still be queued) ...
            self.assertEqual(r.mget(deleted), [None] * len(deleted))
            self.assertEqual(r.mget(overwritten), [b"new"] * len(overwritten))
            # ... then push them out to disk and back, and read again.
            fill(r, n, prefix="push")
            self.assertEqual(r.mget(deleted), [None] * len(deleted))
            self.assertEqual(r.mget(overwritten), [b"new"] * len(overwritten))
            self.assertEqual(r.exists(*deleted), 0)
            wait_writer_idle(r)
            self.assertEqual(r.dbsize(), 2 * n - len(deleted))
            self.assertEqual(srv.stop(), 0)
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            self.assertEqual(r.mget(deleted), [None] * len(deleted))
            self.assertEqual(r.mget(overwritten), [b"new"] * len(overwritten))
            self.assertEqual(r.dbsize(), 2 * n - len(deleted))

    def test_commands_answer_the_same_for_keys_on_disk(self):
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            r.set("counter", 41)
            r.set("text", "hello")
            r.set("ttl", "v", ex=1000)
            r.set("old", "x")
            fill(r, 8000)  # pushes the four keys to disk
            self.assertEqual(r.type("text"), b"string")
            self.assertEqual(r.exists("counter", "text", "nokey"), 2)
            self.assertIn(r.ttl("ttl"), range(990, 1001))
            self.assertEqual(r.ttl("text"), -1)
            fill(r, 8000, prefix="again")
            self.assertEqual(r.incr("counter"), 42)
            fill(r, 8000, prefix="more")
            self.assertEqual(r.append("text", " world"), 11)
            self.assertTrue(r.rename("old", "renamed"))
            fill(r, 8000, prefix="yet")
            self.assertIsNone(r.get("old"))
            self.assertEqual(r.get("renamed"), b"x")
            self.assertEqual(r.get("text"), b"hello world")
            self.assertTrue(r.expire("renamed", 500))
            fill(r, 8000, prefix="last")
            self.assertIn(r.ttl("renamed"), range(490, 501))
            self.assertEqual(r.strlen("text"), 11)

    def test_collections_spill_and_come_back_whole(self):
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            r.hset("h:small", mapping={"a": "1", "b": "2"})
            r.hset("h:big", mapping={"f%d" % i: "v" * 100 + str(i) for i in range(300)})
            r.rpush("l", *["e%d" % i for i in range(1000)])
            r.sadd("s:ints", *range(100))
            r.sadd("s:text", *["m%d" % i for i in range(300)])
            r.expire("h:big", 1000)
            fill(r, 8000)  # pushes them all to disk
            self.assertEqual(r.hgetall("h:small"), {b"a": b"1", b"b": b"2"})
            self.assertEqual(r.hlen("h:big"), 300)
            self.assertEqual(r.hget("h:big", "f7"), b"v" * 100 + b"7")
            self.assertIn(r.ttl("h:big"), range(990, 1001))
            self.assertEqual(r.lrange("l", 0, 2), [b"e0", b"e1", b"e2"])
            self.assertEqual(r.object("encoding", "s:ints"), b"intset")
            fill(r, 8000, prefix="again")
            self.assertEqual(r.rpop("l"), b"e999")
            self.assertEqual(r.scard("s:text"), 300)
            self.assertEqual(r.type("s:ints"), b"set")
            self.assertEqual(srv.stop(), 0)
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            self.assertEqual(r.llen("l"), 999)
            self.assertEqual(r.lindex("l", -1), b"e998")
            self.assertEqual(r.smembers("s:ints"), {b"%d" % i for i in range(100)})
            self.assertEqual(r.hlen("h:big"), 300)
            self.assertEqual(set(r.scan_iter(match="s:*", _type="set")), {b"s:ints", b"s:text"})

    def test_spills_waiting_for_the_writer_stay_under_tier_max_pending(self):
        with TierServer(self.tier_dir, ["--tier-max-pending", "1mb"]) as srv:
            r = srv.client()
            self.assertEqual(r.config_get("tier-max-pending"), {"tier-max-pending": str(MB)})
            with self.assertRaises(redis.ResponseError) as bad:
                r.config_set("tier-max-pending", "1kb")
            self.assertIn("tier-max-pending", str(bad.exception))
            peak = [0]
            done = threading.Event()

            def sample():
                watcher = srv.client()
                while not done.is_set():
                    peak[0] = max(peak[0], int(watcher.info("tier")["db_tier_pending_bytes"]))

            sampler = threading.Thread(target=sample)
            sampler.start()
            try:
                writers = [threading.Thread(target=fill, args=(srv.client(), 600, 50000, "w%d" % t)) for t in range(3)]
                for w in writers:
                    w.start()
                for w in writers:
                    w.join()
            finally:
                done.set()
                sampler.join()
            # Each of the 3 writers' commands in flight may spill what it needs
            # beyond the limit before the next one waits. (With the default
            # 64mb the peak here was ~30 MB.)
            self.assertLessEqual(peak[0], MB + 3 * 200 * 1000)
            self.assertEqual(r.dbsize(), 1800)
            self.assertEqual(r.get("w2:599"), value_of(599, 50000))

    def test_ttls_survive_spill_and_restart_and_expire_on_disk(self):
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            r.set("short", "v", px=1500)
            r.set("long", "v", ex=1000)
            fill(r, 8000)
            self.assertEqual(r.exists("short", "long"), 2)
            self.assertEqual(srv.stop(), 0)
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            self.assertIn(r.ttl("long"), range(990, 1001))
            time.sleep(1.6)
            self.assertIsNone(r.get("short"))
            self.assertEqual(r.exists("short"), 0)
            self.assertEqual(r.get("long"), b"v")

    def test_graceful_restart_keeps_every_key(self):
        n = 12000
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            fill(r, n)
            r.set("last", "written")
            self.assertEqual(srv.stop(), 0)  # SIGTERM
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            self.assertEqual(r.dbsize(), n + 1)
            self.assertEqual(r.get("last"), b"written")
            values = r.mget(["k:%d" % i for i in range(n)])
            self.assertEqual(sum(1 for i, v in enumerate(values) if v == value_of(i)), n)
            r.shutdown()
        with TierServer(self.tier_dir) as srv:  # and through SHUTDOWN too
            r = srv.client()
            self.assertEqual(r.dbsize(), n + 1)

    def test_restart_serves_at_once_and_warms_up_the_hot_set(self):
        n = 12000
        hot = ["k:%d" % i for i in range(100)]
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            fill(r, n)
            # Make the first keys the hot set: read them last (access times
            # count in seconds, as Redis's LRU clock).
            time.sleep(1.1)
            self.assertEqual(len(r.mget(hot)), len(hot))
            self.assertEqual(srv.stop(), 0)
        started = time.monotonic()
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            self.assertEqual(r.get("k:%d" % (n - 1)), value_of(n - 1))  # no LOADING error, any key
            first_answer = time.monotonic() - started
            self.assertLess(first_answer, 5.0)
            deadline = time.time() + 20
            while time.time() < deadline and not warmup_done(r):
                time.sleep(0.05)
            tier = r.info("tier")
            self.assertEqual(tier["db_tier_warmup_running"], 0)
            self.assertGreater(tier["db_tier_warmup_loaded"], len(hot))
            # The hot keys are in memory again: reading them costs no disk read.
            reads_before = tier["db_tier_disk_reads"]
            self.assertEqual(r.mget(hot), [value_of(i) for i in range(100)])
            self.assertEqual(r.info("tier")["db_tier_disk_reads"], reads_before)
            # Warm-up stops before memory is full: nothing was pushed out for it.
            self.assertLessEqual(r.info("memory")["used_memory_dataset"], 4 * MB)

    def test_tierkv_warmup_loads_matching_keys(self):
        with TierServer(self.tier_dir, ["--warmup", "none"]) as srv:
            r = srv.client()
            fill(r, 6000)
            fill(r, 6000, prefix="other")  # pushes every k: key to disk
            self.assertEqual(r.execute_command("TIERKV", "WARMUP", "k:1?"), b"Warm-up started")
            deadline = time.time() + 10
            while time.time() < deadline:
                status = r.execute_command("TIERKV", "STATUS")
                status = dict(zip(status[::2], status[1::2]))
                if status[b"warmup"] == b"done":
                    break
                time.sleep(0.05)
            self.assertEqual(status[b"source"], b"pattern")
            self.assertEqual(status[b"total"], 10)
            reads_before = r.info("tier")["db_tier_disk_reads"]
            self.assertEqual(r.mget(["k:1%d" % i for i in range(10)]), [value_of(10 + i) for i in range(10)])
            self.assertEqual(r.info("tier")["db_tier_disk_reads"], reads_before)
        with TierkvServer() as srv:  # without a tier: a clear error
            with self.assertRaises(Exception) as err:
                srv.client().execute_command("TIERKV", "WARMUP")
            self.assertIn("the tier is off", str(err.exception))

    def test_flushall_empties_the_tier_for_good(self):
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            fill(r, 8000)
            self.assertTrue(r.flushall())
            self.assertEqual(r.dbsize(), 0)
            self.assertIsNone(r.get("k:0"))
            self.assertEqual(r.keys("*"), [])
            r.set("after", "flush")
            self.assertEqual(srv.stop(), 0)
        with TierServer(self.tier_dir) as srv:
            r = srv.client()
            self.assertEqual(r.dbsize(), 1)
            self.assertIsNone(r.get("k:0"))

    def test_full_disk_stops_spills_refuses_writes_and_keeps_serving(self):
        """The tier on a 16 MB tmpfs of its own (a private mount namespace):
        once it is full, writes that need room get -OOM naming the cause,
        every key already stored stays readable, and the server lives on."""
        mount_point = os.path.join(self.dir, "small")
        os.mkdir(mount_point)

        class SmallDiskServer(TierServer):
            def command_line(inner):
                inner_cmd = " ".join("'%s'" % a for a in TierkvServer.command_line(inner))
                return ["unshare", "-m", "sh", "-c",
                        "mount -t tmpfs -o size=16m tmpfs '%s' && exec %s" % (mount_point, inner_cmd)]

        rng = __import__("random").Random(5)
        payload = bytes(rng.getrandbits(8) for _ in range(200000))  # incompressible
        with SmallDiskServer(os.path.join(mount_point, "tier")) as srv:
            r = srv.client()
            written = []
            error = None
            for i in range(60000):
                try:
                    r.set("big:%d" % i, payload[i % 1000:][:1000] + b"%d" % i)
                    written.append(i)
                except redis.exceptions.ResponseError as e:
                    error = str(e)
                    break
            self.assertIsNotNone(error, "the 16 MB disk never filled up")
            self.assertTrue(error.startswith("OOM command not allowed"), error)
            self.assertIn("tier cannot write", error)
            # Everything acknowledged is still there, from memory or from disk.
            sample = written[::97] + written[-50:]
            values = r.mget(["big:%d" % i for i in sample])
            self.assertEqual([v[-len(b"%d" % i):] for v, i in zip(values, sample)], [b"%d" % i for i in sample])
            self.assertTrue(r.ping())
            self.assertEqual(r.delete("big:%d" % written[-1]), 1)  # DEL still works
            self.assertGreater(r.info("tier")["db_tier_write_errors"], 0)
            with open(srv.log_path) as f:
                self.assertIn("writing to disk failed, spilling stops", f.read())

    def test_keys_walks_the_tier_off_the_event_loop(self):
        """With one event loop thread, PINGs from another client are answered
        while KEYS reads 200,000 keys from disk: none waits as long as KEYS."""
        with TierkvServer(["--threads", "1", "--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru",
                           "--tier-dir", self.tier_dir]) as srv:
            r = srv.client()
            fill(r, 200000, size=50)
            r.config_resetstat()
            # Another process (no shared interpreter lock to skew the timing).
            walker = subprocess.Popen(["redis-cli", "-p", str(srv.port), "keys", "*"], stdout=subprocess.DEVNULL)
            pings = []
            p = srv.client()
            while walker.poll() is None:
                t0 = time.monotonic()
                p.ping()
                pings.append(time.monotonic() - t0)
            self.assertEqual(walker.wait(), 0)
            keys_seconds = r.info("commandstats")["cmdstat_keys"]["usec"] / 1e6
            self.assertGreater(keys_seconds, 0.02)  # long enough to tell
            self.assertLess(max(pings), keys_seconds / 2, (max(pings), keys_seconds, len(pings)))

    def test_unusable_tier_directory_is_a_clear_start_up_error(self):
        # Locked by another running tierkv.
        with TierServer(self.tier_dir):
            proc = subprocess.run([server_binary(), "--port", str(free_port()), "--tier-dir", self.tier_dir],
                                  capture_output=True, text=True, timeout=20)
            self.assertEqual(proc.returncode, 2)
            self.assertIn(self.tier_dir, proc.stderr)
            self.assertIn("lock", proc.stderr.lower())
        # Not writable (a file where the directory should be).
        blocked = os.path.join(self.dir, "file")
        with open(blocked, "w") as f:
            f.write("x")
        proc = subprocess.run([server_binary(), "--port", str(free_port()), "--tier-dir", os.path.join(blocked, "t")],
                              capture_output=True, text=True, timeout=20)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("cannot open the tier", proc.stderr)


if __name__ == "__main__":
    unittest.main()
