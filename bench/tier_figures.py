#!/usr/bin/python3
"""The RocksDB tier's figures, beside redis-server at the same maxmemory.

    /usr/bin/python3 bench/tier_figures.py [--keys 1000000] [--value-size 1000]
        [--maxmemory-mb 64] [--seconds 10]

1. Writes KEYS values of VALUE-SIZE bytes (1 GB by default) into tierkv with
   a tier and maxmemory, then reads every key back and checks its value.
2. tierkv-bench for SECONDS each: zipf 0.99 cache-aside, and uniform GETs:
   ops/s and hit ratio; the same zipf load against tierkv holding everything
   in memory (no limit), for the ratio.
3. redis-server with the same maxmemory and data: the same two loads.
4. A graceful restart of tierkv: time to the first answered GET, and until
   the warm-up has brought the hot set back.
Prints one line per figure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from tierkv_harness import RedisServer, TierkvServer, free_port, server_binary  # noqa: E402


def value_of(i, size):
    head = b"%d:" % i
    return head + b"v" * (size - len(head))


def load(r, keys, size):
    for start in range(0, keys, 1000):
        p = r.pipeline(transaction=False)
        for i in range(start, min(keys, start + 1000)):
            p.set("key:%d" % i, value_of(i, size))
        p.execute()


def verify(r, keys, size):
    wrong = 0
    for start in range(0, keys, 1000):
        names = ["key:%d" % i for i in range(start, min(keys, start + 1000))]
        for i, v in zip(range(start, start + len(names)), r.mget(names)):
            wrong += v != value_of(i, size)
    return wrong


def bench(port, keys, seconds, extra):
    build = os.environ.get("TIERKV_BUILD_DIR", os.path.join(HERE, "..", "build"))
    cmd = [os.path.join(build, "tierkv-bench"), "-p", str(port), "-c", "50", "-P", "1", "-t", "1", "--keyspace",
           str(keys), "--key-prefix", "key:", "-d", str(seconds), "--json", "--quiet"] + extra
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


ZIPF = ["--distribution", "zipf:0.99", "--mode", "cache-aside"]
UNIFORM = ["--distribution", "uniform", "--ratio", "0:1"]


def show(label, res):
    print("%-44s %9.0f ops/s  hit ratio %6.2f%%  p99 %6.0f us" %
          (label, res["ops_per_sec"], 100 * (res["hit_ratio"] or 0), res["latency_us"]["p99"]), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--value-size", type=int, default=1000)
    ap.add_argument("--maxmemory-mb", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    limit = ["--maxmemory", "%dmb" % args.maxmemory_mb, "--maxmemory-policy", "allkeys-lru"]
    print("%d keys of %d bytes (%.2f GB), maxmemory %d MB" %
          (args.keys, args.value_size, args.keys * args.value_size / 1e9, args.maxmemory_mb), flush=True)

    with tempfile.TemporaryDirectory(prefix="tierkv-figures-") as tmp:
        tier_dir = os.path.join(tmp, "tier")
        with TierkvServer(limit + ["--tier-dir", tier_dir]) as srv:
            r = srv.client()
            t0 = time.monotonic()
            load(r, args.keys, args.value_size)
            print("tierkv: wrote in %.1f s" % (time.monotonic() - t0), flush=True)
            t0 = time.monotonic()
            wrong = verify(r, args.keys, args.value_size)
            print("tierkv: read every key back in %.1f s: %d wrong or missing, DBSIZE %d" %
                  (time.monotonic() - t0, wrong, r.dbsize()), flush=True)
            show("tierkv + tier, zipf 0.99 cache-aside", bench(srv.port, args.keys, args.seconds, ZIPF))
            show("tierkv + tier, uniform GET", bench(srv.port, args.keys, args.seconds, UNIFORM))
            tier = r.info("tier")
            print("tierkv: %d keys on disk, %.0f MB on disk" % (tier["db_tier_keys"], tier["db_tier_disk_bytes"] / 1e6))
            r.shutdown()
        # Restart: serve at once, warm the hot set back.
        port = free_port()
        started = time.monotonic()
        proc = subprocess.Popen([server_binary(), "--port", str(port), "--log-level", "warn", "--tier-dir",
                                 tier_dir] + limit, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first = None
            while first is None:
                try:
                    if redis.Redis(port=port).get("key:1") is not None:
                        first = time.monotonic() - started
                except redis.exceptions.ConnectionError:
                    time.sleep(0.005)
            r = redis.Redis(port=port)
            while r.info("tier")["db_tier_warmup_running"] or not r.info("tier")["db_tier_warmup_total"]:
                time.sleep(0.02)
            warm = time.monotonic() - started
            tier = r.info("tier")
            print("tierkv restart: first GET answered after %.3f s; hot set back (%d keys) after %.2f s" %
                  (first, tier["db_tier_warmup_loaded"], warm), flush=True)
        finally:
            proc.terminate()
            proc.wait()

    with TierkvServer() as srv:  # everything in memory, for the ratio
        load(srv.client(), args.keys, args.value_size)
        show("tierkv all in memory, zipf 0.99 cache-aside", bench(srv.port, args.keys, args.seconds, ZIPF))
    with RedisServer(limit) as srv:
        r = srv.client()
        load(r, args.keys, args.value_size)
        print("redis-server: %d of %d keys kept" % (r.dbsize(), args.keys), flush=True)
        show("redis-server, uniform GET", bench(srv.port, args.keys, args.seconds, UNIFORM))
        show("redis-server, zipf 0.99 cache-aside", bench(srv.port, args.keys, args.seconds, ZIPF))


if __name__ == "__main__":
    main()
