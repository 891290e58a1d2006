#!/usr/bin/python3
"""RSS over time while far more data is written than maxmemory allows, for
tierkv and redis-server one after the other in the same run.

    /usr/bin/python3 bench/memory_limit.py [--maxmemory-mb 100] [--fill-mb 1024]
        [--policy allkeys-lru] [--out docs/memory_limit]

Writes OUT.svg (both RSS curves and tierkv's bound), OUT.csv (the samples)
and prints one line per server: empty RSS, peak RSS, the bound
1.15 x maxmemory + empty RSS, and whether every sample stayed under it.
Load: redis-benchmark SETs of 1 KiB values on random keys (-r), pipelined.
"""
import argparse
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from tierkv_harness import RedisServer, TierkvServer  # noqa: E402

VALUE_SIZE = 1024


def sample_rss(pid, samples, stop, t0):
    while not stop.is_set():
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        samples.append((time.monotonic() - t0, int(line.split()[1]) * 1024))
        except OSError:
            return
        time.sleep(0.02)


def run(server, maxmemory, fill_bytes, policy):
    r = server.client()
    r.config_set("maxmemory-policy", policy)
    time.sleep(0.5)
    empty = server.rss_kb() * 1024
    r.config_set("maxmemory", str(maxmemory))
    samples = []
    stop = threading.Event()
    t0 = time.monotonic()
    sampler = threading.Thread(target=sample_rss, args=(server.proc.pid, samples, stop, t0))
    sampler.start()
    requests = fill_bytes // VALUE_SIZE
    subprocess.run(["redis-benchmark", "-p", str(server.port), "-t", "set", "-n", str(requests),
                    "-d", str(VALUE_SIZE), "-r", str(requests * 100), "-c", "16", "-P", "16", "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    time.sleep(1.0)
    stop.set()
    sampler.join()
    info = r.info()
    return {"empty": empty, "samples": samples, "keys": r.dbsize(), "evicted": info.get("evicted_keys", 0),
            "seconds": time.monotonic() - t0}


def write_svg(path, results, bound, maxmemory):
    width, height, pad = 800, 400, 60
    t_max = max(t for res in results.values() for t, _ in res["samples"]) or 1
    y_max = max([bound * 1.1] + [rss for res in results.values() for _, rss in res["samples"]])
    x = lambda t: pad + (width - 2 * pad) * t / t_max  # noqa: E731
    y = lambda v: height - pad - (height - 2 * pad) * v / y_max  # noqa: E731
    colors = {"tierkv": "#1f77b4", "redis-server": "#d62728"}
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
             'font-size="12">' % (width, height),
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="%d" y="20">RSS while writing more than maxmemory = %d MiB</text>' % (pad, maxmemory >> 20),
             '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (pad, height - pad, width - pad, height - pad),
             '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (pad, pad, pad, height - pad)]
    for mib in range(0, int(y_max) >> 20, 50):
        parts.append('<text x="5" y="%.0f">%d MiB</text>' % (y(mib << 20) + 4, mib))
    parts.append('<text x="%d" y="%d">seconds (0 to %.1f)</text>' % (width // 2, height - 20, t_max))
    parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="gray" stroke-dasharray="6,4"/>'
                 % (pad, y(bound), width - pad, y(bound)))
    parts.append('<text x="%d" y="%.1f" fill="gray">tierkv bound: 1.15 x maxmemory + empty RSS</text>'
                 % (pad + 5, y(bound) - 5))
    for i, (name, res) in enumerate(results.items()):
        points = " ".join("%.1f,%.1f" % (x(t), y(v)) for t, v in res["samples"])
        parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (colors[name], points))
        parts.append('<text x="%d" y="%d" fill="%s">%s</text>' % (width - 200, pad + 15 * i, colors[name], name))
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--maxmemory-mb", type=int, default=100)
    ap.add_argument("--fill-mb", type=int, default=1024)
    ap.add_argument("--policy", default="allkeys-lru")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "docs", "memory_limit"))
    args = ap.parse_args()
    maxmemory = args.maxmemory_mb << 20
    fill = args.fill_mb << 20
    results = {}
    with TierkvServer(["--threads", str(args.threads)]) as srv:
        results["tierkv"] = run(srv, maxmemory, fill, args.policy)
    with RedisServer() as srv:
        results["redis-server"] = run(srv, maxmemory, fill, args.policy)
    ok = True
    for name, res in results.items():
        bound = 1.15 * maxmemory + res["empty"]
        peak = max(rss for _, rss in res["samples"])
        held = all(rss <= bound for _, rss in res["samples"])
        ok = ok and (held or name != "tierkv")
        print("%-12s empty RSS %6.1f MiB  peak RSS %6.1f MiB  bound %6.1f MiB  %s  keys kept %d  evicted %d  (%.1f s)"
              % (name, res["empty"] / 2**20, peak / 2**20, bound / 2**20, "held" if held else "EXCEEDED",
                 res["keys"], res["evicted"], res["seconds"]))
    with open(args.out + ".csv", "w") as f:
        f.write("server,seconds,rss_bytes\n")
        for name, res in results.items():
            for t, v in res["samples"]:
                f.write("%s,%.3f,%d\n" % (name, t, v))
    write_svg(args.out + ".svg", results, 1.15 * maxmemory + results["tierkv"]["empty"], maxmemory)
    print("wrote %s.svg and %s.csv" % (args.out, args.out))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
