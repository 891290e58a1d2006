#!/usr/bin/python3
"""Hit ratio of every eviction policy on cache-aside workloads, beside
redis-server 7 (allkeys-lru, allkeys-lfu) at the same memory and Belady's
optimal policy (OPT, computed offline on the same key trace) as the bound.

    /usr/bin/python3 bench/hit_ratio.py [--keyspace 50000] [--requests 200000]
        [--value-size 1000] [--out docs/hit_ratio.md]

For each workload (zipf 0.9, zipf 1.1, zipf 0.9 with 20% scans, uniform)
and cache size (1%, 10%, 30% of the working set): tierkv-bench runs
cache-aside (GET; on a miss SET) against a fresh server whose maxmemory
holds that share of the keys. The share is turned into bytes per server,
from what each server takes per key when it holds them all, so both hold
the same number of keys. Prints one Markdown table and writes it to --out.
"""
import argparse
import heapq
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from tierkv_harness import RedisServer, TierkvServer  # noqa: E402

TIERKV_POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "allkeys-fifo", "allkeys-s3fifo"]
REDIS_POLICIES = ["allkeys-lru", "allkeys-lfu"]
WORKLOADS = [("zipf 0.9", ["--distribution", "zipf:0.9"]),
             ("zipf 1.1", ["--distribution", "zipf:1.1"]),
             ("zipf 0.9 + 20% scans", ["--distribution", "zipf:0.9", "--scan-fraction", "0.2"]),
             ("uniform", ["--distribution", "uniform"])]
SIZES = [0.01, 0.10, 0.30]


def bench_binary():
    build = os.environ.get("TIERKV_BUILD_DIR", os.path.join(HERE, "..", "build"))
    return os.path.join(build, "tierkv-bench")


def run_bench(port, args, workload_args, trace=None):
    cmd = [bench_binary(), "-p", str(port), "--mode", "cache-aside", "-c", "1", "-P", "4", "--json", "--quiet",
           "--seed", "7"] + args + workload_args
    if trace:
        cmd += ["--trace-out", trace]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def bytes_per_key(server_cls, dataset_field, keyspace, value_size):
    """What a server takes per key when it holds the whole key space."""
    with server_cls() as srv:
        r = srv.client()
        before = r.info("memory")[dataset_field]
        subprocess.run([bench_binary(), "-p", str(srv.port), "--keyspace", str(keyspace), "--value-size",
                        str(value_size), "--load", "-n", "1", "--quiet"], check=True, capture_output=True)
        after = r.info("memory")[dataset_field]
        return before, (after - before) / keyspace


def opt_hit_ratio(trace_path, capacity):
    with open(trace_path) as f:
        trace = [line.rstrip("\n") for line in f]
    never = len(trace) + 1
    next_use = [0] * len(trace)
    last = {}
    for i in range(len(trace) - 1, -1, -1):
        next_use[i] = last.get(trace[i], never)
        last[trace[i]] = i
    cached = {}  # key -> its next use
    heap = []    # (-next use, key), stale entries skipped
    hits = 0
    for i, key in enumerate(trace):
        if key in cached:
            hits += 1
        elif len(cached) >= capacity:
            while True:
                neg, victim = heapq.heappop(heap)
                if cached.get(victim) == -neg:
                    del cached[victim]
                    break
        cached[key] = next_use[i]
        heapq.heappush(heap, (-next_use[i], key))
    return hits / len(trace)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keyspace", type=int, default=50000)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--value-size", type=int, default=1000)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "docs", "hit_ratio.md"))
    args = ap.parse_args()
    common = ["--keyspace", str(args.keyspace), "-n", str(args.requests), "--value-size", str(args.value_size)]

    tierkv_base, tierkv_per_key = bytes_per_key(TierkvServer, "used_memory_dataset", args.keyspace, args.value_size)
    redis_base, redis_per_key = bytes_per_key(RedisServer, "used_memory", args.keyspace, args.value_size)
    print("bytes per key: tierkv %.0f, redis-server %.0f" % (tierkv_per_key, redis_per_key), flush=True)

    columns = ["tierkv " + p for p in TIERKV_POLICIES] + ["redis " + p for p in REDIS_POLICIES] + ["OPT"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, workload in WORKLOADS:
            trace = os.path.join(tmp, "trace.txt")
            for size in SIZES:
                keys = int(size * args.keyspace)
                row = {}
                for policy in TIERKV_POLICIES:
                    limit = int(tierkv_base + keys * tierkv_per_key)
                    with TierkvServer(["--maxmemory", str(limit), "--maxmemory-policy", policy]) as srv:
                        res = run_bench(srv.port, common, workload, trace)
                    row["tierkv " + policy] = res["hit_ratio"]
                for policy in REDIS_POLICIES:
                    limit = int(redis_base + keys * redis_per_key)
                    with RedisServer(["--maxmemory", str(limit), "--maxmemory-policy", policy]) as srv:
                        res = run_bench(srv.port, common, workload)
                    row["redis " + policy] = res["hit_ratio"]
                row["OPT"] = opt_hit_ratio(trace, keys)
                rows.append((name, size, row))
                print("%-22s %3d%%  " % (name, size * 100) +
                      "  ".join("%s %.3f" % (c, row[c]) for c in columns), flush=True)

    lines = ["| workload | cache | " + " | ".join(columns) + " |",
             "| --- | --- | " + " | ".join("---" for _ in columns) + " |"]
    for name, size, row in rows:
        best = max(row[c] for c in columns if c != "OPT")
        cells = [("**%.1f**" if row[c] == best and c != "OPT" else "%.1f") % (100 * row[c]) for c in columns]
        lines.append("| %s | %d%% | %s |" % (name, size * 100, " | ".join(cells)))
    table = "\n".join(lines)
    with open(args.out, "w") as f:
        f.write("# Hit ratio by eviction policy\n\n")
        f.write("Written by `bench/hit_ratio.py` (keyspace %d keys of %d-byte values, %d cache-aside requests "
                "per run, one connection, pipeline 4, seed 7). Hit ratio in percent; cache size as a share of "
                "the keys, turned into `maxmemory` from each server's own bytes per key (tierkv %.0f, "
                "redis-server %.0f). OPT is Belady's optimal policy on the same key trace. Best non-OPT "
                "figure in bold.\n\n" % (args.keyspace, args.value_size, args.requests, tierkv_per_key,
                                         redis_per_key))
        f.write(table + "\n")
    print(table)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
