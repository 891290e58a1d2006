"""SLOWLOG and INFO commandstats / latencystats / errorstats, side by side
with redis-server where the outcome is deterministic (which commands are
logged and how their arguments are kept; per-command call, rejected and
failed counts), and on their own for the rest (durations, limits, the
threads' counters adding up).
"""
import re
import threading
import unittest

from resp_client import RespClient, RespError
from tierkv_harness import RedisServer, TierkvServer

LONG = "x" * 200
MANY = ["MSET"] + ["k%d" % (i // 2) if i % 2 == 0 else "v" for i in range(40)]  # 41 arguments

SLOWLOG_SCRIPT = [
    ("CONFIG", "SET", "slowlog-log-slower-than", "0"),
    ("SLOWLOG", "RESET"),
    ("CLIENT", "SETNAME", "tester"),
    ("SET", "k", LONG),
    tuple(MANY),
    ("AUTH", "nopass"),
    ("HELLO", "2", "AUTH", "default", "wrong"),
    ("CONFIG", "SET", "maxclients", "10000", "requirepass", "s3cret"),
    ("CONFIG", "SET", "requirepass", ""),
    ("GET", "k"),
    ("SLOWLOG", "LEN"),
]


def run_script(port, script):
    """Runs each command (errors are fine); returns SLOWLOG GET -1 of that connection."""
    with RespClient(port) as c:
        for command in script:
            c.execute(*command, raise_errors=False)
        return c.execute("SLOWLOG", "GET", "-1")


def comparable(entries):
    """Entries without what differs between two servers: timestamps,
    durations, client ports; ids relative to the newest."""
    top = entries[0][0]
    return [(top - e[0], e[3], e[4].rsplit(b":", 1)[0], e[5]) for e in entries]


def stats_of(port, section):
    with RespClient(port) as c:
        text = c.execute("INFO", section).decode()
    out = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            name, value = line.split(":", 1)
            out[name] = value
    return out


def call_counts(port):
    """{cmdstat_name: (calls, rejected, failed)} without usec fields."""
    counts = {}
    for name, value in stats_of(port, "commandstats").items():
        fields = dict(kv.split("=") for kv in value.split(","))
        counts[name] = (int(fields["calls"]), int(fields["rejected_calls"]), int(fields["failed_calls"]))
    return counts


class SideBySide(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tierkv = TierkvServer(["--threads", "2"]).__enter__()
        cls.redis = RedisServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.tierkv.__exit__(None, None, None)
        cls.redis.__exit__(None, None, None)

    def both(self):
        return (self.tierkv.port, self.redis.port)

    def test_slowlog_entries_like_redis(self):
        got, want = (run_script(port, SLOWLOG_SCRIPT) for port in self.both())
        self.assertEqual(comparable(got), comparable(want))
        # The shape Redis documents: id, unix time, µs, args, "ip:port", name.
        for entry in got:
            self.assertEqual(len(entry), 6)
            self.assertIsInstance(entry[1], int)
            self.assertGreaterEqual(entry[2], 0)
        by_name = {e[3][0]: e for e in got}
        self.assertEqual(by_name[b"SET"][3][2], b"x" * 128 + b"... (72 more bytes)")
        self.assertEqual(len(by_name[b"MSET"][3]), 32)
        self.assertEqual(by_name[b"MSET"][3][-1], b"... (10 more arguments)")
        self.assertEqual(by_name[b"AUTH"][3], [b"AUTH", b"(redacted)"])
        self.assertEqual(by_name[b"GET"][5], b"tester")
        for port in self.both():
            with RespClient(port) as c:
                c.execute("CONFIG", "SET", "slowlog-log-slower-than", "10000")

    def test_command_counts_like_redis(self):
        script = [
            ("CONFIG", "RESETSTAT"),
            ("SET", "a", "1"), ("GET", "a"), ("GET", "nope"),
            ("GET",),                       # arity: rejected
            ("INCR", "a"), ("SET", "s", "text"), ("INCR", "s"),  # the second INCR fails
            ("CONFIG", "GET", "maxclients"),
            ("CONFIG",),                    # bare container: rejected
            ("CONFIG", "NOPE"),             # unknown subcommand: counted nowhere
            ("NOSUCHCOMMAND", "x"),
            ("SLOWLOG", "LEN"), ("SLOWLOG", "GET", "1", "2"), ("SLOWLOG", "GET", "-5"),
            ("SLOWLOG",),
            ("DBSIZE",), ("EXISTS", "a", "s"), ("DEL", "s"),
        ]
        for port in self.both():
            with RespClient(port) as c:
                for command in script:
                    c.execute(*command, raise_errors=False)
        self.assertEqual(call_counts(self.tierkv.port), call_counts(self.redis.port))
        self.assertEqual(stats_of(self.tierkv.port, "errorstats"), stats_of(self.redis.port, "errorstats"))

    def test_noauth_counts_as_rejected(self):
        for port in self.both():
            with RespClient(port) as admin:
                admin.execute("CONFIG", "RESETSTAT")
                admin.execute("CONFIG", "SET", "requirepass", "pw")
                try:
                    with RespClient(port) as c:
                        with self.assertRaises(RespError):
                            c.execute("GET", "a")
                finally:
                    admin.execute("CONFIG", "SET", "requirepass", "")
        self.assertEqual(call_counts(self.tierkv.port), call_counts(self.redis.port))
        self.assertEqual(call_counts(self.tierkv.port)["cmdstat_get"], (0, 1, 0))


class SlowLogAlone(unittest.TestCase):
    def test_threshold_limits_and_reset(self):
        with TierkvServer() as srv, RespClient(srv.port) as c:
            self.assertEqual(c.execute("CONFIG", "GET", "slowlog-*"),
                             [b"slowlog-log-slower-than", b"10000", b"slowlog-max-len", b"128"])
            c.execute("SLOWLOG", "RESET")
            for i in range(5):
                c.execute("SET", "k%d" % i, "v")
            self.assertEqual(c.execute("SLOWLOG", "LEN"), 0)  # nothing takes 10 ms
            c.execute("CONFIG", "SET", "slowlog-log-slower-than", "0")
            for i in range(20):
                c.execute("SET", "k%d" % i, "v")
            self.assertEqual(c.execute("SLOWLOG", "LEN"), 21)  # the CONFIG SET too
            self.assertEqual(len(c.execute("SLOWLOG", "GET")), 10)  # default count
            entries = c.execute("SLOWLOG", "GET", "3")
            self.assertEqual([e[3] for e in entries][:2], [[b"SLOWLOG", b"GET"], [b"SLOWLOG", b"LEN"]])
            ids = [e[0] for e in c.execute("SLOWLOG", "GET", "-1")]
            self.assertEqual(ids, sorted(ids, reverse=True))
            self.assertEqual(len(set(ids)), len(ids))
            self.assertEqual(c.execute("SLOWLOG", "GET", "0"), [])
            # A shorter limit trims the oldest entries.
            c.execute("CONFIG", "SET", "slowlog-max-len", "3")
            self.assertEqual(c.execute("SLOWLOG", "LEN"), 3)
            # RESET empties it; ids go on from where they were.
            last_id = c.execute("SLOWLOG", "GET", "1")[0][0]
            self.assertEqual(c.execute("SLOWLOG", "RESET"), "OK")
            self.assertEqual(c.execute("SLOWLOG", "GET", "1")[0][0], last_id + 2)  # RESET, then GET
            c.execute("CONFIG", "SET", "slowlog-log-slower-than", "-1")
            c.execute("SLOWLOG", "RESET")
            c.execute("SET", "a", "b")
            self.assertEqual(c.execute("SLOWLOG", "LEN"), 0)
            with self.assertRaises(RespError) as cm:
                c.execute("CONFIG", "SET", "slowlog-log-slower-than", "-2")
            self.assertIn("argument must be between -1 and", str(cm.exception))


class StatsAlone(unittest.TestCase):
    LATENCY = re.compile(r"^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$")
    CMDSTAT = re.compile(r"^calls=\d+,usec=\d+,usec_per_call=\d+\.\d{2},rejected_calls=\d+,failed_calls=\d+$")

    def test_threads_add_up_and_formats(self):
        with TierkvServer(["--threads", "2"]) as srv:
            with RespClient(srv.port) as c:
                c.execute("CONFIG", "RESETSTAT")

            def worker():
                with RespClient(srv.port) as c:
                    c.pipeline([("INCR", "n")] * 500)
                    c.pipeline([("GET", "n")] * 250)

            threads = [threading.Thread(target=worker) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stats = stats_of(srv.port, "commandstats")
            self.assertRegex(stats["cmdstat_incr"], self.CMDSTAT)
            self.assertTrue(stats["cmdstat_incr"].startswith("calls=2000,"))
            self.assertTrue(stats["cmdstat_get"].startswith("calls=1000,"))
            latency = stats_of(srv.port, "latencystats")
            self.assertRegex(latency["latency_percentiles_usec_incr"], self.LATENCY)
            p = [float(x.split("=")[1]) for x in latency["latency_percentiles_usec_incr"].split(",")]
            self.assertTrue(0 < p[0] <= p[1] <= p[2], p)
            self.assertNotIn("latency_percentiles_usec_set", latency)  # never called
            # INFO and INFO default leave them out, as Redis 7.
            with RespClient(srv.port) as c:
                self.assertNotIn("# Commandstats", c.execute("INFO").decode())
                everything = c.execute("INFO", "everything").decode()
                self.assertIn("# Commandstats\r\ncmdstat_", everything)
                self.assertIn("# Latencystats\r\nlatency_percentiles_usec_", everything)
                c.execute("CONFIG", "RESETSTAT")
                stats = stats_of(srv.port, "commandstats")
            self.assertNotIn("cmdstat_incr", stats)
            self.assertTrue(stats["cmdstat_config|resetstat"].startswith("calls=1,"))


if __name__ == "__main__":
    unittest.main()
