"""tierkv-bench end to end against tierkv: a cache-aside run whose JSON
summary must agree with the server's own INFO stats and leave the keys it
SET in the server; a request-count run with a key trace; the live progress
line on a terminal; and bad options or an unreachable server failing with
a message.

The binary comes from $TIERKV_BUILD_DIR (set by ctest), else build/.
"""
import json
import os
import pty
import subprocess
import tempfile
import unittest

from tierkv_harness import ROOT, TierkvServer, free_port

LATENCY_FIELDS = ("p50", "p90", "p99", "p99_9", "max", "mean")
FIELDS = ("mode", "clients", "pipeline", "threads", "keyspace", "distribution", "seed", "duration_s", "ops",
          "ops_per_sec", "gets", "sets", "fills", "hits", "misses", "hit_ratio", "errors", "error_replies",
          "connection_errors", "latency_us")


def bench_binary():
    return os.path.join(os.environ.get("TIERKV_BUILD_DIR", os.path.join(ROOT, "build")), "tierkv-bench")


def run_bench(*args, timeout=60):
    return subprocess.run([bench_binary()] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)


class Bench(unittest.TestCase):
    def test_cache_aside_agrees_with_server_stats(self):
        with TierkvServer(["--threads", "2"]) as srv:
            r = srv.client()
            r.config_resetstat()
            keyspace = 20000
            result = run_bench("--port", srv.port, "--json", "--mode", "cache-aside", "--duration", 2,
                               "--clients", 8, "--pipeline", 4, "--threads", 2, "--keyspace", keyspace,
                               "--distribution", "zipf:0.99", "--value-size", "10-20", "--key-prefix", "ca:")
            self.assertEqual(result.returncode, 0, result.stderr)
            summary = json.loads(result.stdout)
            for field in FIELDS:
                self.assertIn(field, summary)
            for field in LATENCY_FIELDS:
                self.assertIn(field, summary["latency_us"])
            self.assertEqual(summary["mode"], "cache-aside")
            self.assertEqual(summary["distribution"], "zipf:0.99")
            self.assertGreater(summary["ops"], 0)
            self.assertEqual(summary["errors"], 0)
            self.assertGreaterEqual(summary["duration_s"], 2.0)
            self.assertLess(summary["duration_s"], 10.0)
            self.assertGreater(summary["ops_per_sec"], 0)
            lat = summary["latency_us"]
            self.assertTrue(0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99_9"] <= lat["max"], lat)

            # Every GET is a hit or a miss, every miss is filled with a SET.
            self.assertEqual(summary["gets"], summary["hits"] + summary["misses"])
            self.assertEqual(summary["fills"], summary["misses"])
            self.assertEqual(summary["sets"], summary["fills"])
            self.assertEqual(summary["ops"], summary["gets"] + summary["sets"])
            self.assertAlmostEqual(summary["hit_ratio"], summary["hits"] / summary["gets"], places=5)
            # Zipf 0.99 over 20000 keys: most lookups find their key, some miss.
            self.assertGreater(summary["hit_ratio"], 0.5)
            self.assertGreater(summary["misses"], 0)

            # The server saw the same lookups.
            stats = r.info("stats")
            server_hits, server_misses = stats["keyspace_hits"], stats["keyspace_misses"]
            self.assertGreater(server_hits + server_misses, 0)
            server_ratio = server_hits / (server_hits + server_misses)
            self.assertAlmostEqual(summary["hit_ratio"], server_ratio, delta=0.001)
            self.assertAlmostEqual(summary["hits"], server_hits, delta=max(2, server_hits // 1000))
            self.assertAlmostEqual(summary["misses"], server_misses, delta=max(2, server_misses // 1000))

            # The keys SET after misses are there, with values of the asked size.
            dbsize = r.dbsize()
            self.assertGreater(dbsize, 0)
            self.assertLessEqual(dbsize, min(keyspace, summary["misses"]))
            self.assertEqual(r.exists("ca:0"), 1)  # Zipf's most popular key
            keys = r.keys("ca:*")
            self.assertEqual(len(keys), dbsize)
            for key in keys[:50]:
                self.assertLess(int(key[3:]), keyspace)
                self.assertTrue(10 <= r.strlen(key) <= 20, key)

    def test_requests_and_trace(self):
        with TierkvServer() as srv, tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "keys.txt")
            result = run_bench("--port", srv.port, "-n", 3000, "-c", 5, "-P", 8, "--ratio", "1:2", "--keyspace",
                               100, "--distribution", "sequential", "--trace-out", trace, "--resp3", "--json")
            self.assertEqual(result.returncode, 0, result.stderr)
            summary = json.loads(result.stdout)
            self.assertEqual(summary["ops"], 3000)
            self.assertEqual(summary["gets"] + summary["sets"], 3000)
            self.assertEqual(summary["sets"], 1000)
            self.assertEqual(summary["errors"], 0)
            with open(trace) as f:
                lines = f.read().splitlines()
            self.assertEqual(len(lines), 3000)
            self.assertEqual(set(lines), {"key:%d" % i for i in range(100)})
            # A sequential walk: each key follows the one before it.
            self.assertEqual(lines[:3], ["key:0", "key:1", "key:2"])
            self.assertEqual(srv.client().dbsize(), 100)

    def test_quiet_summary_and_load(self):
        with TierkvServer() as srv:
            result = run_bench("--port", srv.port, "-n", 2000, "--load", "--keyspace", 500, "--ratio", "0:1",
                               "--quiet")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stderr, "")
            lines = result.stdout.splitlines()
            self.assertEqual(len(lines), 1, result.stdout)
            self.assertIn("ops/s", lines[0])
            self.assertIn("hit 100.00%", lines[0])  # every key was loaded first
            self.assertEqual(srv.client().dbsize(), 500)

    def test_progress_line_on_a_terminal(self):
        with TierkvServer() as srv:
            master, slave = pty.openpty()
            try:
                proc = subprocess.run([bench_binary(), "--port", str(srv.port), "--duration", "2.2", "-c", "4"],
                                      stdout=subprocess.PIPE, stderr=slave, timeout=60)
                os.close(slave)
                slave = None
                progress = b""
                while True:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # EIO once the terminal is drained
                        break
                    if not chunk:
                        break
                    progress += chunk
            finally:
                if slave is not None:
                    os.close(slave)
                os.close(master)
            self.assertEqual(proc.returncode, 0)
            self.assertGreaterEqual(progress.count(b"\r["), 2, progress)
            self.assertIn(b"ops/s", progress)
            self.assertIn(b"p99", progress)
            summary = proc.stdout.decode()
            self.assertIn("ops/s", summary)
            self.assertIn("p99.9", summary)

    def test_bad_options_fail_with_a_message(self):
        for args, mentions in ((["--ratio", "nope"], "--ratio"),
                               (["--distribution", "zipf:0"], "--distribution"),
                               (["-n", "10", "--duration", "1"], "--duration"),
                               (["--clients", "0"], "--clients"),
                               (["--no-such-option"], "--no-such-option")):
            result = run_bench(*args)
            self.assertNotEqual(result.returncode, 0, args)
            self.assertIn(mentions, result.stderr, args)
            self.assertEqual(result.stdout, "", args)

    def test_unreachable_server(self):
        result = run_bench("--port", free_port(), "-n", 10, "--json")
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot connect", result.stderr)
        self.assertEqual(result.stdout, "")


if __name__ == "__main__":
    unittest.main()
