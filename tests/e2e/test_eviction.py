"""Memory limit and eviction, end to end: the limit holds, CONFIG SET of the
limit and the policy at runtime, the OOM error, policy-visible OBJECT
FREQ/IDLETIME, and the INFO fields."""
import subprocess
import threading
import time
import unittest

import redis

from tierkv_harness import ASAN_RSS_REASON, SANITIZER, TierkvServer, skip_under_sanitizer

MB = 1024 * 1024
OOM = "OOM command not allowed when used memory > 'maxmemory'."


def info(r, section):
    return r.info(section)


def fill(r, prefix, count, value_size, batch=1000):
    value = b"v" * value_size
    for start in range(0, count, batch):
        p = r.pipeline(transaction=False)
        for i in range(start, min(count, start + batch)):
            p.set("%s:%d" % (prefix, i), value)
        p.execute()


class Eviction(unittest.TestCase):
    def test_limit_holds_and_evicted_keys_are_counted(self):
        with TierkvServer(["--threads", "2", "--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru"]) as srv:
            r = srv.client()
            fill(r, "k", 40000, 1000)  # ~40 MB of values into 8 MB
            mem = info(r, "memory")
            self.assertEqual(mem["maxmemory"], 8 * MB)
            self.assertEqual(mem["maxmemory_policy"], "allkeys-lru")
            self.assertLessEqual(mem["used_memory_dataset"], 8 * MB + 64 * 1024)
            stats = info(r, "stats")
            self.assertGreater(stats["evicted_keys"], 25000)
            self.assertEqual(r.dbsize() + stats["evicted_keys"], 40000)
            # The newest keys are the ones kept.
            self.assertEqual(r.get("k:39999"), b"v" * 1000)
            self.assertIsNone(r.get("k:0"))

    def test_lru_keeps_keys_that_are_read(self):
        with TierkvServer(["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"]) as srv:
            r = srv.client()
            hot = ["hot:%d" % i for i in range(100)]
            for k in hot:
                r.set(k, b"h" * 1000)
            for round_ in range(20):
                fill(r, "cold%d" % round_, 1000, 1000)
                p = r.pipeline(transaction=False)
                for k in hot:
                    p.get(k)
                p.execute()
            self.assertEqual(sum(1 for v in r.mget(hot) if v is not None), len(hot))
            self.assertGreater(info(r, "stats")["evicted_keys"], 0)

    def test_large_argument_does_not_evict(self):
        """Client buffers are not data: a 20 MB argument near the limit
        evicts nothing."""
        with TierkvServer(["--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru"]) as srv:
            r = srv.client()
            fill(r, "k", 6000, 1000)  # ~7 MB of data, under the limit
            self.assertEqual(info(r, "stats")["evicted_keys"], 0)
            big = b"x" * (20 * MB)
            self.assertEqual(r.echo(big), big)
            self.assertEqual(r.strlen(big[:100]), 0)
            self.assertEqual(info(r, "stats")["evicted_keys"], 0)
            self.assertEqual(r.dbsize(), 6000)

    def test_noeviction_refuses_writes_but_serves_reads_and_del(self):
        with TierkvServer(["--maxmemory", "2mb"]) as srv:  # noeviction is the default
            r = srv.client()
            with self.assertRaises(redis.exceptions.ResponseError) as err:
                fill(r, "k", 10000, 1000)
            self.assertTrue(str(err.exception).endswith(OOM), str(err.exception)[-200:])
            # Exact bytes on the wire.
            self.assertEqual(srv.raw(b"SET another value\r\n"), b"-" + OOM.encode() + b"\r\n")
            self.assertEqual(srv.raw(b"APPEND k:0 more\r\n"), b"-" + OOM.encode() + b"\r\n")
            self.assertEqual(r.get("k:0"), b"v" * 1000)
            self.assertEqual(info(r, "stats")["evicted_keys"], 0)
            # DEL frees memory, after which writes succeed again.
            keys = r.keys("k:*")
            r.delete(*keys)
            self.assertTrue(r.set("again", "ok"))
            self.assertEqual(r.dbsize(), 1)

    def test_volatile_policy_without_ttl_keys_is_oom(self):
        with TierkvServer(["--maxmemory", "2mb", "--maxmemory-policy", "volatile-lru"]) as srv:
            r = srv.client()
            with self.assertRaises(redis.exceptions.ResponseError) as err:
                fill(r, "k", 10000, 1000)
            self.assertTrue(str(err.exception).endswith(OOM), str(err.exception)[-200:])
            # Keys with a TTL are evicted, and only they. Make room for
            # them first: half the persistent keys go.
            r.delete(*r.keys("k:*")[::2])
            r.config_set("maxmemory", "0")
            p = r.pipeline(transaction=False)
            for i in range(3000):
                p.set("ttl:%d" % i, b"t" * 1000, ex=1000)
            p.execute()
            persistent = r.dbsize() - 3000
            r.config_set("maxmemory", str(2 * MB))
            fill(r, "more", 200, 100)
            self.assertEqual(len(r.keys("k:*")), persistent)
            self.assertGreater(info(r, "stats")["evicted_keys"], 0)

    def test_config_set_lowers_limit_in_steps_and_keeps_serving(self):
        with TierkvServer(["--threads", "2", "--maxmemory-policy", "allkeys-lru"]) as srv:
            r = srv.client()
            fill(r, "k", 30000, 1000)
            before = info(r, "memory")["used_memory_dataset"]
            self.assertGreater(before, 30 * MB)
            stop = threading.Event()
            worst = [0.0]

            def ping():
                c = srv.client()
                while not stop.is_set():
                    t0 = time.monotonic()
                    c.ping()
                    worst[0] = max(worst[0], time.monotonic() - t0)
                    time.sleep(0.002)

            pinger = threading.Thread(target=ping)
            pinger.start()
            try:
                self.assertTrue(r.config_set("maxmemory", "5mb"))
                deadline = time.time() + 10
                while time.time() < deadline and info(r, "memory")["used_memory_dataset"] > 5 * MB:
                    time.sleep(0.1)
            finally:
                stop.set()
                pinger.join()
            self.assertLessEqual(info(r, "memory")["used_memory_dataset"], 5 * MB)
            self.assertLess(r.dbsize(), 6000)
            # Eviction ran in steps: clients were never held for long.
            self.assertLess(worst[0], 0.5)

    def test_policy_changes_at_runtime_without_losing_keys(self):
        with TierkvServer(["--maxmemory", "64mb"]) as srv:
            r = srv.client()
            fill(r, "k", 5000, 100)
            for policy in ("allkeys-lru", "allkeys-lfu", "allkeys-s3fifo", "volatile-ttl", "allkeys-fifo",
                           "allkeys-random", "volatile-lfu", "volatile-random", "volatile-lru", "noeviction"):
                self.assertTrue(r.config_set("maxmemory-policy", policy))
                self.assertEqual(r.config_get("maxmemory-policy"), {"maxmemory-policy": policy})
                self.assertEqual(r.dbsize(), 5000)
            with self.assertRaises(redis.exceptions.ResponseError) as err:
                r.config_set("maxmemory-policy", "allkeys-magic")
            self.assertIn("argument(s) must be one of the following: noeviction, allkeys-lru", str(err.exception))
            self.assertEqual(r.dbsize(), 5000)

    def test_object_freq_and_idletime_report_what_the_policy_sees(self):
        with TierkvServer(["--maxmemory-policy", "allkeys-lfu"]) as srv:
            r = srv.client()
            r.set("f", "v")
            self.assertEqual(r.object("freq", "f"), 5)  # a new key's counter, as Redis
            r.get("f")
            self.assertEqual(r.object("freq", "f"), 6)  # the first read always counts
            for _ in range(300):
                r.get("f")
            self.assertGreater(r.object("freq", "f"), 8)
            with self.assertRaises(redis.exceptions.ResponseError) as err:
                r.object("idletime", "f")
            self.assertIn("An LFU maxmemory policy is selected, idle time not tracked", str(err.exception))
            r.config_set("maxmemory-policy", "allkeys-lru")
            self.assertEqual(r.object("idletime", "f"), 0)
            with self.assertRaises(redis.exceptions.ResponseError):
                r.object("freq", "f")

    def test_info_reports_memory_and_hit_ratio(self):
        with TierkvServer(["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-s3fifo"]) as srv:
            r = srv.client()
            r.set("a", "1")
            r.get("a")
            r.get("a")
            r.get("a")
            r.get("missing")
            mem = info(r, "memory")
            for field in ("used_memory", "used_memory_rss", "used_memory_dataset", "maxmemory"):
                self.assertGreater(mem[field], 0, field)
            self.assertEqual(mem["maxmemory_policy"], "allkeys-s3fifo")
            # The sanitizer builds use the C library's malloc (TIERKV_ALLOCATOR=system).
            self.assertTrue(str(mem["mem_allocator"]).startswith("libc" if SANITIZER else "jemalloc"))
            stats = info(r, "stats")
            self.assertEqual((stats["keyspace_hits"], stats["keyspace_misses"]), (3, 1))
            self.assertAlmostEqual(float(stats["keyspace_hit_ratio"]), 0.75)
            for field in ("evicted_keys", "expired_keys"):
                self.assertIn(field, stats)

    @skip_under_sanitizer(("address",), ASAN_RSS_REASON)
    def test_rss_stays_under_bound_at_every_moment(self):
        """Writing 8x maxmemory: RSS never passes 1.15 x maxmemory + the
        empty server's RSS (bench/memory_limit.py runs the 100 MB / 1 GB case)."""
        maxmemory = 32 * MB
        with TierkvServer(["--threads", "2", "--maxmemory-policy", "allkeys-lru"]) as srv:
            r = srv.client()
            time.sleep(0.3)
            empty = srv.rss_kb() * 1024
            r.config_set("maxmemory", str(maxmemory))
            peak = [0]
            stop = threading.Event()

            def sample():
                while not stop.is_set():
                    peak[0] = max(peak[0], srv.rss_kb() * 1024)
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample)
            sampler.start()
            try:
                requests = 256 * 1024  # 256 MB of 1 KiB values
                subprocess.run(["redis-benchmark", "-p", str(srv.port), "-t", "set", "-n", str(requests), "-d",
                                "1024", "-r", str(requests * 100), "-c", "16", "-P", "16", "-q"],
                               check=True, stdout=subprocess.DEVNULL, timeout=120)
            finally:
                stop.set()
                sampler.join()
            bound = 1.15 * maxmemory + empty
            self.assertLess(peak[0], bound, "peak RSS %.1f MiB, bound %.1f MiB" % (peak[0] / MB, bound / MB))
            self.assertGreater(info(r, "stats")["evicted_keys"], 100000)

    def test_memory_comes_back_after_flushall(self):
        with TierkvServer() as srv:
            r = srv.client()
            empty = info(r, "memory")["used_memory_dataset"]
            fill(r, "k", 20000, 500)
            self.assertGreater(info(r, "memory")["used_memory_dataset"], empty + 10 * MB)
            r.flushall()
            self.assertEqual(info(r, "memory")["used_memory_dataset"], empty)


if __name__ == "__main__":
    unittest.main()
