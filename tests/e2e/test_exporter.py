"""Monitoring: Debian's prometheus-redis-exporter scrapes tierkv. Its INFO,
CONFIG GET *, SLOWLOG and per-command stats must give the usual metrics,
with no scrape error.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

from tierkv_harness import TierkvServer, free_port

EXPORTER = shutil.which("prometheus-redis-exporter") or "/usr/bin/prometheus-redis-exporter"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def parse_metrics(text):
    """{'name{labels}': float} of every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if m:
            samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return samples


@unittest.skipUnless(os.path.exists(EXPORTER), "prometheus-redis-exporter not installed")
class Exporter(unittest.TestCase):
    def test_scrape(self):
        tier_dir = tempfile.mkdtemp(prefix="tierkv-exporter-")
        self.addCleanup(shutil.rmtree, tier_dir, True)
        with TierkvServer(["--threads", "2", "--slowlog-log-slower-than", "0", "--tier-dir", tier_dir]) as srv:
            r = srv.client()
            r.set("a", "1")
            r.set("b", "2")
            r.set("gone", "x", px=1)
            r.get("a")            # hit
            r.get("missing")      # miss
            time.sleep(0.05)
            self.assertIsNone(r.get("gone"))  # expired (lazily), a miss
            r.select(3)
            r.set("in-db3", "1")
            r.select(0)
            self.assertEqual(r.dbsize(), 2)

            port = free_port()
            proc = subprocess.Popen([EXPORTER, "--redis.addr", "redis://127.0.0.1:%d" % srv.port,
                                     "--web.listen-address", "127.0.0.1:%d" % port],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                text = None
                deadline = time.time() + 15
                while time.time() < deadline:
                    try:
                        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as resp:
                            text = resp.read().decode()
                        if "redis_up" in text:
                            break
                    except OSError:
                        time.sleep(0.1)
                self.assertIsNotNone(text, "exporter never answered")
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    out = proc.communicate(timeout=5)[0].decode(errors="replace")
                except subprocess.TimeoutExpired:
                    proc.kill()
                    out = proc.communicate()[0].decode(errors="replace")

            m = parse_metrics(text)
            self.assertEqual(m.get("redis_up"), 1.0, out)
            errors = {k: v for k, v in m.items() if k.startswith("redis_exporter_last_scrape_error")}
            self.assertTrue(errors, "no redis_exporter_last_scrape_error metric")
            self.assertTrue(all(v == 0 for v in errors.values()), (errors, out))
            self.assertNotRegex(text, r"(?m)^redis_exporter_last_scrape_error(\{[^}]*\})? 1$")

            self.assertGreater(m["redis_memory_used_bytes"], 0)
            self.assertGreaterEqual(m["redis_connected_clients"], 2)  # ours and the exporter's
            self.assertGreaterEqual(m["redis_commands_processed_total"], 9)
            self.assertGreaterEqual(m["redis_keyspace_hits_total"], 1)
            self.assertGreaterEqual(m["redis_keyspace_misses_total"], 2)
            self.assertEqual(m["redis_evicted_keys_total"], 0)
            self.assertGreaterEqual(m["redis_expired_keys_total"], 1)
            self.assertEqual(m['redis_db_keys{db="db0"}'], 2)
            self.assertEqual(m['redis_db_keys{db="db3"}'], 1)
            self.assertEqual(m['redis_db_keys{db="db1"}'], 0)  # every database, from CONFIG GET databases
            self.assertIn('redis_db_keys_expiring{db="db0"}', m)
            self.assertGreaterEqual(m["redis_uptime_in_seconds"], 0)
            self.assertIn("redis_instance_info", text)
            # From INFO commandstats, latencystats and errorstats.
            self.assertEqual(m['redis_commands_total{cmd="set"}'], 4)
            self.assertEqual(m['redis_commands_total{cmd="get"}'], 3)
            self.assertIn('redis_commands_duration_seconds_total{cmd="get"}', m)
            self.assertEqual(m['redis_commands_failed_calls_total{cmd="get"}'], 0)
            self.assertEqual(m['redis_commands_rejected_calls_total{cmd="get"}'], 0)
            self.assertIn('redis_latency_percentiles_usec{cmd="get",quantile="50"}', m)
            self.assertIn('redis_latency_percentiles_usec{cmd="set",quantile="99.9"}', m)
            # From SLOWLOG LEN / GET 1 (everything is slow at threshold 0).
            self.assertGreater(m["redis_slowlog_length"], 0)
            self.assertGreater(m["redis_slowlog_last_id"], 0)
            self.assertIn("redis_last_slow_execution_duration_seconds", m)
            # tierkv's own tier metrics (INFO tier) pass through as gauges.
            self.assertIn("redis_db_tier_keys", m)
            self.assertIn("redis_db_tier_spills", m)
            self.assertIn("redis_db_tier_pending_writes", m)
            self.assertEqual(m["redis_db_tier_write_errors"], 0)


if __name__ == "__main__":
    unittest.main()
