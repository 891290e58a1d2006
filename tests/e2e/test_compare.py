"""bench/compare.py, the side-by-side benchmark against redis-server, runs
end to end with small counts: every workload produces a figure for both
servers, and the JSON and SVG are written. (It checks the script, not the
figures: speed targets are judged from full runs, see docs/benchmarks.md.)"""
import json
import os
import re
import subprocess
import tempfile
import unittest
import xml.dom.minidom

from tierkv_harness import ROOT, server_binary, skip_under_sanitizer

SECTIONS = ("1-3 throughput", "4 latency", "5 memory", "6 big values", "scaling")


def parse_rounds(stderr):
    """{(what, round, server): {figure: value}} from lines such as
    'throughput round 2 redis: rb_get_p1=93,023 cpu_us_per_req_p1=7.750'."""
    rounds = {}
    for line in stderr.splitlines():
        m = re.match(r"(throughput|big values) round (\d+) (tierkv|redis): (.*)", line)
        if m:
            figures = dict(pair.split("=") for pair in m.group(4).split())
            rounds[(m.group(1), int(m.group(2)), m.group(3))] = {k: float(v.replace(",", "")) for k, v in
                                                                 figures.items()}
    return rounds


class Compare(unittest.TestCase):
    @skip_under_sanitizer(("address", "thread"), "benchmarks measure the normal build; this checks the script")
    def test_quick_run_measures_every_workload_on_both_servers(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "compare")
            run = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "compare.py"), "--quick",
                                  "--rounds", "2", "--tierkv", server_binary(), "--out", out],
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
            # Rounds alternate between the servers, each reported.
            for what in ("latency", "throughput", "big values"):
                self.assertIn("%s round 1 tierkv" % what, run.stderr)
                self.assertIn("%s round 1 redis" % what, run.stderr)
            # Throughput and big values: redis-server goes first in round 2,
            # and the table holds the median (of 2: the mean) of the rounds.
            rounds = parse_rounds(run.stderr)
            self.assertEqual([name for what, i, name in rounds if what == "throughput"],
                             ["tierkv", "redis", "redis", "tierkv"])
            get_p16 = next(r for r in rows if r["metric"] == "GET P=16 tierkv-bench")
            gb_set = next(r for r in rows if r["metric"] == "SET GB/s")
            for row, what, figure in ((get_p16, "throughput", "tb_get_p16"), (gb_set, "big values", "set")):
                for name in ("tierkv", "redis"):
                    values = [f[figure] for (w, i, n), f in rounds.items() if w == what and n == name]
                    self.assertEqual(len(values), 2)
                    self.assertAlmostEqual(row[name], sum(values) / 2, delta=max(1.0, row[name] / 1000) if
                                           row[name] >= 100 else 0.001)
            xml.dom.minidom.parse(out + ".svg")
            self.assertIn("ratio", run.stdout)


if __name__ == "__main__":
    unittest.main()
