"""bench/compare.py, the side-by-side benchmark against redis-server, runs
end to end with small counts: every workload produces a figure for both
servers, and the JSON and SVG are written. (It checks the script, not the
figures: speed targets are judged from full runs, see docs/benchmarks.md.)"""
import json
import os
import subprocess
import tempfile
import unittest
import xml.dom.minidom

from tierkv_harness import ROOT, server_binary, skip_under_sanitizer

SECTIONS = ("1-3 throughput", "4 latency", "5 memory", "6 big values", "scaling")


class Compare(unittest.TestCase):
    @skip_under_sanitizer(("address", "thread"), "benchmarks measure the normal build; this checks the script")
    def test_quick_run_measures_every_workload_on_both_servers(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "compare")
            run = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "compare.py"), "--quick",
                                  "--tierkv", server_binary(), "--out", out],
                                 capture_output=True, text=True, timeout=400)
            self.assertEqual(run.returncode, 0, run.stderr[-3000:])
            with open(out + ".json") as f:
                result = json.load(f)
            rows = result["rows"]
            for section in SECTIONS:
                self.assertTrue(any(r["workload"].startswith(section) for r in rows), section)
            for r in rows:
                self.assertGreater(r["tierkv"], 0, r)
                self.assertGreater(r["redis"], 0, r)
            metrics = {r["metric"] for r in rows}
            for m in ("GET P=1 redis-benchmark", "SET P=16 tierkv-bench", "server CPU per request, P=1", "p99",
                      "RSS per string key", "RSS per hash of 10 fields", "GET GB/s", "SET server CPU s per GB"):
                self.assertIn(m, metrics)
            self.assertIn("RSS per key, 10-300 B values", metrics)
            # Latency rounds alternate between the servers, each reported.
            self.assertIn("latency round 1 tierkv", run.stderr)
            self.assertIn("latency round 1 redis", run.stderr)
            xml.dom.minidom.parse(out + ".svg")
            self.assertIn("ratio", run.stdout)


if __name__ == "__main__":
    unittest.main()
