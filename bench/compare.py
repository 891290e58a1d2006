#!/usr/bin/python3
"""tierkv-server against redis-server, side by side in one run.

Starts both servers on free loopback ports (no persistence), runs each
workload against one and then the other, and prints one table with both
figures and the ratio tierkv / redis. Writes the figures as OUT.json and
the ratios as OUT.svg.

Pinned (the default on 2+ cores): the load generator runs on CPU 0 and the
server under test on CPU 1, so each server has one whole core and the
figures measure the server, not the load generator. tierkv then runs with
--threads 1. `--unpinned` adds the throughput workloads unpinned, with
tierkv's default --threads, for information.

Workloads (issue #6):
  1. SET and GET, 100-byte values, 50 connections, no pipelining, with
     redis-benchmark and with tierkv-bench;
  2. the same with pipelining 16;
  3. server CPU seconds per million requests during 1 and 2 (from /proc);
  4. p50/p99/p99.9 latency at a fixed rate both sustain (tierkv-bench --rate),
     the median of 5 rounds of 10 s that alternate between the servers;
  5. RSS and used_memory after 1,000,000 keys (16-byte keys, 100-byte
     values), and after 100,000 hashes of 10 small fields; beside them,
     after 50,000 keys with values of 10-300 bytes;
  6. GET and SET of 4 MiB values with 8 connections, in GB/s;
  and scaling: tierkv GET throughput at --threads 1 and 2 (unpinned).
Workloads 1-3 and 6 report the median of --rounds (3) rounds that alternate
between the servers: on a shared machine one round of either can be 20%
off the next.

Usage: bench/compare.py [--quick] [--out PATH] [--unpinned] [--rounds N] [--only PARTS]
"""
import argparse
import csv
import io
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cpu, argv):
    return ["taskset", "-c", str(cpu)] + argv if cpu is not None else argv


class Server:
    """One server process on a free port; `cpu` pins it (taskset)."""

    def __init__(self, name, argv_for_port, workdir, cpu):
        self.name = name
        self.port = free_port()
        self.log = open(os.path.join(workdir, "%s-%d.log" % (name, self.port)), "w")
        self.proc = subprocess.Popen(pinned(cpu, argv_for_port(self.port)), stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while self.cli("PING") != "PONG":
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("%s did not start (see %s)" % (name, self.log.name))
            time.sleep(0.05)

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.port)] + [str(a) for a in args], capture_output=True,
                             text=True)
        return out.stdout.strip()

    def info(self, section):
        fields = {}
        for line in self.cli("INFO", section).splitlines():
            if ":" in line and not line.startswith("#"):
                key, value = line.split(":", 1)
                fields[key] = value
        return fields

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            stat = f.read().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / CLK_TCK  # utime + stime

    def rss_bytes(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Compare:
    def __init__(self, args):
        self.args = args
        self.tierkv = os.path.abspath(args.tierkv)
        self.bench = os.path.join(os.path.dirname(self.tierkv), "tierkv-bench")
        self.workdir = tempfile.mkdtemp(prefix="tierkv-compare-")
        two_cores = os.cpu_count() >= 2 and shutil.which("taskset")
        self.server_cpu, self.client_cpu = (1, 0) if two_cores else (None, None)
        self.rows = []  # (section, metric, tierkv, redis, better: "higher" | "lower", unit)

    # ---- servers ----
    def start(self, name, cpu, threads=1):
        if name == "tierkv":
            argv = lambda port: [self.tierkv, "--port", str(port), "--bind", "127.0.0.1", "--log-level", "warn",
                                 "--threads", str(threads)]
        else:
            argv = lambda port: ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", self.workdir]
        return Server(name, argv, self.workdir, cpu)

    def median_of_rounds(self, what, cpu, fn, threads=1, rounds=None):
        """fn(server) -> {figure: value}, in `rounds` (default --rounds)
        rounds that alternate between the servers (tierkv first in odd
        rounds, redis-server first in even ones, so a drift of the machine's
        speed favours neither), each on a freshly started server. Returns
        {name: {figure: median}}; every round's figures go to stderr."""
        results = {"tierkv": [], "redis": []}
        for i in range(rounds or self.args.rounds):
            order = ("tierkv", "redis") if i % 2 == 0 else ("redis", "tierkv")
            for name in order:
                server = self.start(name, cpu, threads)
                try:
                    figures = fn(server)
                finally:
                    server.stop()
                results[name].append(figures)
                print("%s round %d %s: %s" % (what, i + 1, name,
                                              " ".join("%s=%s" % (k, fmt(v)) for k, v in sorted(figures.items()))),
                      file=sys.stderr)
        return {name: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for name, rs in results.items()}

    # ---- load generators ----
    def redis_benchmark(self, server, tests, pipeline, requests, clients=50, size=100, cpu="client"):
        argv = ["redis-benchmark", "-p", str(server.port), "-t", tests, "-n", str(requests), "-c", str(clients),
                "-P", str(pipeline), "-d", str(size), "-r", "100000", "--csv"]
        cpu_before = server.cpu_seconds()
        out = subprocess.run(pinned(self.client_cpu if cpu == "client" else None, argv), capture_output=True,
                             text=True, check=True).stdout
        cpu_used = server.cpu_seconds() - cpu_before
        rps = {}
        for row in csv.reader(io.StringIO(out)):
            if len(row) >= 2 and row[0] in ("SET", "GET"):
                rps[row[0]] = float(row[1])
        return rps, cpu_used

    def tierkv_bench(self, server, *extra, cpu="client"):
        argv = [self.bench, "-p", str(server.port), "--json", "-q"] + [str(a) for a in extra]
        out = subprocess.run(pinned(self.client_cpu if cpu == "client" else None, argv), capture_output=True,
                             text=True, check=True).stdout
        result = json.loads(out)
        if result["errors"]:
            raise RuntimeError("tierkv-bench saw errors against %s: %s" % (server.name, result))
        return result

    # ---- workloads ----
    def throughput(self, cpu, label, threads=1):
        n = self.args.requests

        def run(server):
            out = {}
            for pipeline in (1, 16):
                rps, cpu_used = self.redis_benchmark(server, "set,get", pipeline, n,
                                                     cpu="client" if cpu is not None else None)
                out["rb_set_p%d" % pipeline] = rps["SET"]
                out["rb_get_p%d" % pipeline] = rps["GET"]
                out["cpu_us_per_req_p%d" % pipeline] = cpu_used * 1e6 / (2 * n)
                common = ["-c", 50, "-P", pipeline, "--value-size", 100, "--keyspace", 100000, "-n", n]
                client_cpu = "client" if cpu is not None else None
                out["tb_set_p%d" % pipeline] = self.tierkv_bench(server, *common, "--ratio", "1:0",
                                                                 cpu=client_cpu)["ops_per_sec"]
                out["tb_get_p%d" % pipeline] = self.tierkv_bench(server, *common, "--ratio", "0:1",
                                                                 cpu=client_cpu)["ops_per_sec"]
            return out

        res = self.median_of_rounds("throughput", cpu, run, threads)
        for pipeline in (1, 16):
            for tool, key in (("redis-benchmark", "rb"), ("tierkv-bench", "tb")):
                for op in ("set", "get"):
                    k = "%s_%s_p%d" % (key, op, pipeline)
                    self.add(label, "%s P=%d %s" % (op.upper(), pipeline, tool), res, k, "higher", "req/s")
            self.add(label, "server CPU per request, P=%d" % pipeline, res, "cpu_us_per_req_p%d" % pipeline,
                     "lower", "us")
        return res

    def latency(self, rate):
        # Other processes on a shared machine take the server's core for tens
        # of milliseconds now and then, which moves one run's p99 several
        # times over. So both servers run at once (one idle while the other is
        # measured), rounds alternate between them, and each percentile is the
        # median over the rounds; every round's figures go to stderr.
        common = ["-c", 50, "--ratio", "1:10", "--value-size", 100, "--keyspace", 100000]
        servers = {name: self.start(name, self.server_cpu) for name in ("tierkv", "redis")}
        rounds = {name: [] for name in servers}
        try:
            for server in servers.values():
                self.tierkv_bench(server, *common, "-n", 1, "--load")
            for i in range(self.args.latency_rounds):
                for name, server in servers.items():
                    r = self.tierkv_bench(server, *common, "--duration", self.args.latency_seconds, "--rate", rate)
                    rounds[name].append(r)
                    print("latency round %d %s: p50 %.0f p99 %.0f p99.9 %.0f us" %
                          (i + 1, name, r["latency_us"]["p50"], r["latency_us"]["p99"], r["latency_us"]["p99_9"]),
                          file=sys.stderr)
        finally:
            for server in servers.values():
                server.stop()
        section = "4 latency at %d req/s, median of %d rounds" % (rate, self.args.latency_rounds)
        for key, label in (("p50", "p50"), ("p99", "p99"), ("p99_9", "p99.9")):
            flat = {name: statistics.median(r["latency_us"][key] for r in rs) for name, rs in rounds.items()}
            self.add(section, label, flat, None, "lower", "us")
        achieved = {name: statistics.median(r["ops_per_sec"] for r in rs) for name, rs in rounds.items()}
        self.add(section, "achieved rate", achieved, None, "higher", "req/s")

    def memory(self):
        keys, hashes = self.args.keys, self.args.keys // 10
        strings = self.protocol_file("strings", (
            ("SET", b"key:%012d" % i, b"v" * 100) for i in range(keys)))
        hash_cmds = self.protocol_file("hashes", (
            [b"HSET", b"hash:%07d" % i] + [x for f in range(10) for x in (b"field%d" % f, b"value-%d" % f)]
            for i in range(hashes)))
        # Beside the workloads: values of many sizes in a mid-size
        # keyspace, where per-size allocation schemes (a pool page per node
        # size) can waste more than they save.
        varied_keys, sizes = keys // 20, random.Random(6)
        varied = self.protocol_file("varied", (
            ("SET", b"key:%012d" % i, b"v" * sizes.randint(10, 300)) for i in range(varied_keys)))

        def run(server, path, expected):
            rss_before, used_before = server.rss_bytes(), int(server.info("memory")["used_memory"])
            with open(path, "rb") as f:
                subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], stdin=f, capture_output=True,
                               check=True)
            if int(server.cli("DBSIZE")) != expected:
                raise RuntimeError("%s holds %s keys, not %d" % (server.name, server.cli("DBSIZE"), expected))
            time.sleep(1)  # let allocator statistics settle
            return {"rss": server.rss_bytes() - rss_before,
                    "used": int(server.info("memory")["used_memory"]) - used_before}

        # One round: memory per key does not drift with the machine's speed.
        s = self.median_of_rounds("memory (strings)", self.server_cpu, lambda srv: run(srv, strings, keys), rounds=1)
        h = self.median_of_rounds("memory (hashes)", self.server_cpu, lambda srv: run(srv, hash_cmds, hashes), rounds=1)
        v = self.median_of_rounds("memory (varied)", self.server_cpu, lambda srv: run(srv, varied, varied_keys),
                                  rounds=1)
        section = "5 memory"
        for what, res, count in (("string key", s, keys), ("hash of 10 fields", h, hashes),
                                 ("key, 10-300 B values", v, varied_keys)):
            for field, label in (("rss", "RSS"), ("used", "used_memory")):
                flat = {name: r[field] / count for name, r in res.items()}
                self.add(section, "%s per %s" % (label, what), flat, None, "lower", "B")

    def big_values(self):
        size, seconds = 4 * MIB, self.args.big_seconds

        def run(server):
            # A duration, not a count: a few hundred 4 MiB requests take well
            # under a second, too short to be steady.
            common = ["-c", 8, "--value-size", size, "--keyspace", 16, "--duration", seconds]
            out = {}
            for op, ratio in (("set", "1:0"), ("get", "0:1")):
                cpu_before = server.cpu_seconds()
                r = self.tierkv_bench(server, *common, "--ratio", ratio)
                gb = r["ops"] * size / 1e9
                out[op] = gb / r["duration_s"]
                # The load generator may be the limit (SET): what each byte
                # costs the server shows even then.
                out[op + "_cpu"] = (server.cpu_seconds() - cpu_before) / gb
            return out

        res = self.median_of_rounds("big values", self.server_cpu, run)
        section = "6 big values (4 MiB, 8 connections), median of %d rounds" % self.args.rounds
        for op in ("set", "get"):
            flat = {name: r[op] for name, r in res.items()}
            self.add(section, "%s GB/s" % op.upper(), flat, None, "higher", "GB/s")
        for op in ("set", "get"):
            flat = {name: r[op + "_cpu"] for name, r in res.items()}
            self.add(section, "%s server CPU s per GB" % op.upper(), flat, None, "lower", "s")

    def scaling(self):
        def get_rps(threads):
            server = self.start("tierkv", None, threads)
            try:
                common = ["-c", 50, "-P", 16, "--value-size", 100, "--keyspace", 100000, "-n", self.args.requests,
                          "--threads", 2]
                self.tierkv_bench(server, *common, "--ratio", "1:0", cpu=None)
                return self.tierkv_bench(server, *common, "--ratio", "0:1", cpu=None)["ops_per_sec"]
            finally:
                server.stop()

        one, two = get_rps(1), get_rps(2)
        self.rows.append(("scaling (tierkv only, unpinned, GET P=16)", "--threads 2 / --threads 1", two, one,
                          "higher", "req/s"))

    # ---- output ----
    def protocol_file(self, name, commands):
        path = os.path.join(self.workdir, name + ".resp")
        with open(path, "wb") as f:
            for cmd in commands:
                f.write(b"*%d\r\n" % len(cmd))
                for part in cmd:
                    part = part if isinstance(part, bytes) else part.encode()
                    f.write(b"$%d\r\n%s\r\n" % (len(part), part))
        return path

    def add(self, section, metric, res, key, better, unit):
        t = res["tierkv"][key] if key else res["tierkv"]
        r = res["redis"][key] if key else res["redis"]
        self.rows.append((section, metric, t, r, better, unit))

    def report(self):
        lines = ["%-56s %14s %14s %7s" % ("workload / metric", "tierkv", "redis", "ratio")]
        section = None
        for sec, metric, t, r, better, unit in self.rows:
            if sec != section:
                lines.append(sec)
                section = sec
            ratio = t / r if r else float("nan")
            lines.append("  %-54s %14s %14s %6.2fx" % ("%s (%s, %s is better)" % (metric, unit, better), fmt(t), fmt(r),
                                                        ratio))
        return "\n".join(lines)

    def write(self, out):
        meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "cores": os.cpu_count(),
                "pinned": self.server_cpu is not None, "requests": self.args.requests,
                "redis_version": subprocess.run(["redis-server", "--version"], capture_output=True,
                                                text=True).stdout.strip()}
        rows = [{"workload": s, "metric": m, "tierkv": t, "redis": r, "ratio": (t / r if r else None),
                 "better": b, "unit": u} for s, m, t, r, b, u in self.rows]
        with open(out + ".json", "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=1)
        write_svg(out + ".svg", self.rows, meta)


def fmt(x):
    if x >= 100:
        return "{:,.0f}".format(x)
    return "%.3f" % x


def write_svg(path, rows, meta):
    """Horizontal bars of tierkv / redis per metric; 1.0 is parity. For
    'lower is better' metrics the bar shows redis / tierkv, so longer is
    better everywhere."""
    width, left, bar_h, gap, top = 900, 430, 16, 6, 50
    scale_max = 3.0
    height = top + len(rows) * (bar_h + gap) + 40
    x_of = lambda v: left + (width - left - 20) * min(v, scale_max) / scale_max
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
             'font-size="11">' % (width, height),
             '<text x="10" y="20" font-size="14">tierkv vs redis-server, same run (%s, %s cores, %s)</text>'
             % (meta["date"], meta["cores"], "pinned" if meta["pinned"] else "unpinned"),
             '<text x="10" y="38">bar = how many times better tierkv is (redis/tierkv where lower is better); '
             'line = parity</text>']
    for i, (sec, metric, t, r, better, unit) in enumerate(rows):
        y = top + i * (bar_h + gap)
        if better == "higher":
            v = t / r if r else 0
        else:
            v = r / t if t else 0
        colour = "#2b8a3e" if v >= 1 else "#c92a2a"
        label = ("%s: %s" % (sec.split(" (")[0], metric))[:70]
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (left - 6, y + 12, escape(label)))
        parts.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (left, y, x_of(v) - left, bar_h,
                                                                                  colour))
        parts.append('<text x="%.1f" y="%d">%.2fx</text>' % (x_of(v) + 4, y + 12, v))
    parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-dasharray="4"/>'
                 % (x_of(1), top - 4, x_of(1), height - 30))
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tierkv", default=os.path.join(ROOT, "build", "tierkv-server"))
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "compare"),
                        help="writes OUT.json and OUT.svg (default build/compare)")
    parser.add_argument("--quick", action="store_true", help="small counts: checks the script, not the servers")
    parser.add_argument("--unpinned", action="store_true", help="also run workloads 1-2 unpinned, default --threads")
    parser.add_argument("--only", default="throughput,latency,memory,big,scaling",
                        help="comma-separated parts to run")
    parser.add_argument("--rounds", type=int, default=None,
                        help="throughput and big values: the median of this many alternating rounds "
                             "(default 3, 1 with --quick)")
    args = parser.parse_args()
    args.requests = 20000 if args.quick else 1000000
    args.keys = 20000 if args.quick else 1000000
    args.big_seconds = 0.5 if args.quick else 5
    args.latency_seconds = 2 if args.quick else 10
    args.latency_rounds = 1 if args.quick else 5
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    parts = set(args.only.split(","))

    c = Compare(args)
    try:
        if "throughput" in parts:
            median = "median of %d rounds" % args.rounds
            res = c.throughput(c.server_cpu, "1-3 throughput, %s, %s" % (
                "pinned" if c.server_cpu is not None else "unpinned", median))
            if args.unpinned and c.server_cpu is not None:
                c.throughput(None, "1-2 throughput, unpinned, default --threads, %s" % median, threads=0)
        if "latency" in parts:
            if "throughput" in parts:
                rate = int(0.5 * min(res["tierkv"]["tb_get_p1"], res["redis"]["tb_get_p1"]))
            else:
                rate = 2000 if args.quick else 40000
            c.latency(rate)
        if "memory" in parts:
            c.memory()
        if "big" in parts:
            c.big_values()
        if "scaling" in parts:
            c.scaling()
    finally:
        shutil.rmtree(c.workdir, ignore_errors=True)
    print(c.report())
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    c.write(args.out)
    print("wrote %s.json and %s.svg" % (args.out, args.out))


if __name__ == "__main__":
    sys.exit(main())
