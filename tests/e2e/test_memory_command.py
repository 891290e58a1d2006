"""MEMORY USAGE/PURGE/HELP: USAGE is the bytes the key is charged for (what
maxmemory counts), grows with the value, is null for a missing key, and
rejects bad SAMPLES arguments with redis-server's exact errors. INFO shows
large values' pages, and PURGE gives back the ones freed values kept."""
import time
import unittest

import redis

from tierkv_harness import RedisServer, SharedServerTest


class MemoryCommand(SharedServerTest):
    def test_usage_counts_key_and_value(self):
        self.r.set("small", "x")
        self.r.set("large", "x" * 10000)
        small = self.r.memory_usage("small")
        large = self.r.memory_usage("large")
        self.assertGreater(small, 0)
        self.assertGreaterEqual(large - small, 10000)
        self.assertIsNone(self.r.memory_usage("missing"))
        self.r.hset("h", mapping={"f%d" % i: "v" * 100 for i in range(200)})
        self.assertGreater(self.r.memory_usage("h"), 200 * 100)
        self.assertEqual(self.r.memory_usage("h", samples=0), self.r.memory_usage("h"))

    def test_usage_does_not_touch_the_key(self):
        self.r.set("k", "v")
        time.sleep(1.1)  # IDLETIME counts whole seconds
        self.r.memory_usage("k")
        self.assertGreaterEqual(self.r.object("idletime", "k"), 1)

    def test_errors_match_redis(self):
        cases = [("MEMORY", "USAGE", "k", "SAMPLES"), ("MEMORY", "USAGE", "k", "SAMPLES", "x"),
                 ("MEMORY", "USAGE", "k", "SAMPLES", "-1"), ("MEMORY", "USAGE", "k", "FOO", "1"),
                 ("MEMORY", "USAGE"), ("MEMORY", "NOSUCH")]
        with RedisServer() as real:
            theirs = real.client()
            for r in (self.r, theirs):
                r.set("k", "v")
            for case in cases:
                got = []
                for r in (self.r, theirs):
                    try:
                        got.append(("ok", r.execute_command(*case)))
                    except redis.ResponseError as e:
                        got.append(("error", str(e)))
                self.assertEqual(got[0], got[1], case)

    def test_large_values_pages_show_in_info_and_purge_gives_back_kept_ones(self):
        # Values of 16 KiB and more live in a memfd's pages; a freed one that
        # no reply referenced keeps its pages for the next value of its size.
        def info():
            mem = self.r.info("memory")
            return mem["large_values_memory"], mem["large_values_retained"]

        base_used, _ = info()
        self.r.set("big", b"x" * (1024 * 1024))
        used, _ = info()
        self.assertEqual(used - base_used, 1024 * 1024)
        self.assertEqual(self.r.memory_usage("big") > 1024 * 1024, True)
        self.r.delete("big")
        used, retained = info()
        self.assertEqual(used, base_used)
        self.assertGreaterEqual(retained, 1024 * 1024)
        self.assertTrue(self.r.memory_purge())
        self.assertEqual(info()[1], 0)

    def test_purge_and_help(self):
        self.assertTrue(self.r.memory_purge())
        help_lines = self.r.execute_command("MEMORY", "HELP")
        self.assertTrue(help_lines[0].startswith(b"MEMORY <subcommand>"))
        self.assertTrue(any(line.startswith(b"USAGE <key>") for line in help_lines))


if __name__ == "__main__":
    unittest.main()
