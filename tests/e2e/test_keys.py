"""Keyspace ("generic") commands end to end: DEL, UNLINK, EXISTS, TYPE, TOUCH,
KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX, COPY, MOVE, the EXPIRE family with
NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST and OBJECT.

redis-py (RESP2) checks the semantics; the raw RESP client checks exact reply
bytes in RESP2 and RESP3. Expiry is checked with real sleeps (about 2.5 s in
all), and SCAN's guarantee with 10k keys scanned while another connection
adds and deletes keys.
"""
import threading
import time
import unittest

import redis

from resp_client import RespClient, RespError
from tierkv_harness import TierkvServer, SharedServerTest

FAR_FUTURE_S = 4102444800  # 2100-01-01
LFU_WARNING = ("Please note that when switching between policies at runtime LRU and LFU data "
               "will take some time to adjust.")


class KeysTestCase(SharedServerTest):
    """One server for the whole file; every test starts from FLUSHALL."""

    def setUp(self):
        super().setUp()
        self.raw2 = RespClient(self.srv.port)
        self.raw3 = RespClient(self.srv.port, protocol=3)

    def tearDown(self):
        self.r.close()
        self.raw2.close()
        self.raw3.close()

    def assert_error(self, message, *args):
        """`message` in full, as the server sends it (redis-py would strip "ERR ")."""
        with self.assertRaises(RespError) as cm:
            self.raw2.execute(*args)
        self.assertEqual(str(cm.exception), message)

    def assert_both(self, expected2, expected3, *args):
        """The exact reply bytes in RESP2 and in RESP3."""
        self.assertEqual(self.raw2.raw_reply(*args), expected2, args)
        self.assertEqual(self.raw3.raw_reply(*args), expected3, args)

    def assert_same(self, expected, *args):
        self.assert_both(expected, expected, *args)


class DelExistsTypeTouch(KeysTestCase):
    def test_del_counts_each_existing_key_once(self):
        r = self.r
        self.assertEqual(r.delete("nokey"), 0)
        r.mset({"a": 1, "b": 2, "c": 3})
        self.assertEqual(r.delete("a"), 1)
        self.assertEqual(r.delete("a"), 0)
        self.assertEqual(r.delete("b", "c", "nokey", "b"), 2)
        r.set("x", 1)
        self.assertEqual(r.delete("x", "x", "x"), 1)
        self.assertEqual(r.dbsize(), 0)

    def test_unlink(self):
        r = self.r
        r.mset({"a": 1, "b": "x" * 100000})
        self.assertEqual(r.unlink("a", "b", "nokey", "a"), 2)
        self.assertEqual(r.exists("a", "b"), 0)

    def test_exists_counts_repeats(self):
        r = self.r
        r.mset({"a": 1, "b": 2})
        self.assertEqual(r.exists("a"), 1)
        self.assertEqual(r.exists("a", "a", "a"), 3)
        self.assertEqual(r.exists("a", "nokey", "a", "b"), 3)
        self.assertEqual(r.exists("nokey"), 0)

    def test_type(self):
        self.r.set("s", "v")
        self.assert_same(b"+string\r\n", "TYPE", "s")
        self.assert_same(b"+none\r\n", "TYPE", "nokey")

    def test_touch(self):
        r = self.r
        r.mset({"t1": "a", "t2": "b"})
        self.assertEqual(r.touch("t1", "t2", "nokey", "t1"), 3)
        self.assertEqual(r.touch("nokey"), 0)

    def test_arity_errors(self):
        for cmd in ("DEL", "UNLINK", "EXISTS", "TOUCH", "TYPE"):
            self.assert_error("ERR wrong number of arguments for '%s' command" % cmd.lower(), cmd)
        self.assert_error("ERR wrong number of arguments for 'type' command", "TYPE", "a", "b")


class Keys(KeysTestCase):
    def test_patterns(self):
        r = self.r
        r.mset({"hello": 1, "hallo": 2, "hxllo": 3, "hllo": 4, "a*b": 5, "HELLO": 6})
        keys = lambda pattern: sorted(r.keys(pattern))
        self.assertEqual(keys("h?llo"), [b"hallo", b"hello", b"hxllo"])
        self.assertEqual(keys("h*llo"), [b"hallo", b"hello", b"hllo", b"hxllo"])
        self.assertEqual(keys("h[ae]llo"), [b"hallo", b"hello"])
        self.assertEqual(keys("h[^e]llo"), [b"hallo", b"hxllo"])
        self.assertEqual(keys("h[a-e]llo"), [b"hallo", b"hello"])
        self.assertEqual(keys("a\\*b"), [b"a*b"])
        self.assertEqual(keys("HELLO"), [b"HELLO"])
        self.assertEqual(keys("nomatch*"), [])
        self.assertEqual(len(r.keys("*")), 6)

    def test_expired_keys_are_not_listed(self):
        r = self.r
        r.set("short", "v", px=50)
        r.set("long", "v")
        time.sleep(0.1)
        self.assertEqual(r.keys("*"), [b"long"])

    def test_exact_bytes(self):
        self.assert_same(b"*0\r\n", "KEYS", "*")
        self.r.set("only", "1")
        self.assert_same(b"*1\r\n$4\r\nonly\r\n", "KEYS", "*")


class Scan(KeysTestCase):
    def full_scan(self, **kwargs):
        seen = []
        cursor = 0
        while True:
            cursor, keys = self.r.scan(cursor, **kwargs)
            seen.extend(keys)
            if cursor == 0:
                return seen

    def test_full_scan_returns_every_key(self):
        self.r.mset({"k%d" % i: i for i in range(1000)})
        for count in (None, 1, 7, 100, 5000):
            seen = self.full_scan(count=count)
            self.assertEqual(sorted(set(seen)), sorted(b"k%d" % i for i in range(1000)), count)
            self.assertEqual(len(seen), 1000)  # no changes: no repeats

    def test_match_and_type(self):
        r = self.r
        r.mset({"user:%d" % i: i for i in range(200)})
        r.mset({"other:%d" % i: i for i in range(200)})
        self.assertEqual(len(set(self.full_scan(match="user:*"))), 200)
        self.assertEqual(len(set(self.full_scan(match="user:1?"))), 10)
        self.assertEqual(len(set(self.full_scan(_type="string"))), 400)
        self.assertEqual(len(set(self.full_scan(_type="STRING", match="other:*"))), 200)
        self.assertEqual(self.full_scan(_type="hash"), [])
        self.assertEqual(self.full_scan(_type="nosuchtype"), [])

    def test_a_page_may_be_empty_with_more_to_come(self):
        # COUNT bounds the keys examined, before MATCH filters them (as Redis).
        self.r.mset({"k%d" % i: i for i in range(2000)})
        cursor, keys = self.r.scan(0, match="nomatch", count=10)
        self.assertEqual(keys, [])
        self.assertNotEqual(cursor, 0)

    def test_exact_bytes_on_a_small_db(self):
        self.assert_same(b"*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0")
        self.r.set("only", "1")
        self.assert_same(b"*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n", "SCAN", "0")
        self.assert_same(b"*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n", "SCAN", "0", "MATCH", "o*", "COUNT", "5",
                         "TYPE", "string")
        self.assert_same(b"*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", "TYPE", "list")
        self.assert_same(b"*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n", "SCAN", "")  # strtoul: "" is 0

    def test_errors(self):
        for cursor in ("abc", "1.5", "18446744073709551616", " 1", "+"):
            self.assert_error("ERR invalid cursor", "SCAN", cursor)
        for count in ("0", "-1"):
            self.assert_error("ERR syntax error", "SCAN", "0", "COUNT", count)
        self.assert_error("ERR value is not an integer or out of range", "SCAN", "0", "COUNT", "abc")
        for args in (["COUNT"], ["MATCH"], ["TYPE"], ["FOO", "bar"]):
            self.assert_error("ERR syntax error", "SCAN", "0", *args)
        self.assert_error("ERR invalid cursor", "SCAN", "x", "COUNT", "0")  # the cursor is checked first
        self.assert_error("ERR wrong number of arguments for 'scan' command", "SCAN")

    def test_scan_guarantee_under_concurrent_changes(self):
        """Every key present for the whole scan is returned at least once,
        while another connection adds and deletes other keys (which makes
        the tables grow and shrink)."""
        originals = {b"orig:%d" % i for i in range(10000)}
        pipe = self.r.pipeline(transaction=False)
        for i in range(0, 10000, 500):
            pipe.mset({"orig:%d" % j: j for j in range(i, i + 500)})
        pipe.execute()

        stop = threading.Event()
        started = threading.Event()
        rounds = [0]

        def churn():
            other = self.srv.client()
            n = 0
            while not stop.is_set():
                # Bursts of adds, then deletes, resize the shard tables both ways.
                batch = ["tmp:%d" % i for i in range(n, n + 1000)]
                other.mset({k: "x" for k in batch})
                started.set()
                other.delete(*batch)
                n += 1000
                rounds[0] += 1
            other.close()

        worker = threading.Thread(target=churn)
        worker.start()
        started.wait(10)
        try:
            seen = set()
            cursor = 0
            while True:
                cursor, keys = self.r.scan(cursor, count=10)
                seen.update(keys)
                if cursor == 0:
                    break
        finally:
            stop.set()
            worker.join()
        self.assertGreater(rounds[0], 1)
        missing = originals - seen
        self.assertEqual(len(missing), 0, "never returned: %r" % sorted(missing)[:10])


class RandomKey(KeysTestCase):
    def test_randomkey(self):
        self.assert_both(b"$-1\r\n", b"_\r\n", "RANDOMKEY")
        self.r.set("solo", "1")
        self.assert_same(b"$4\r\nsolo\r\n", "RANDOMKEY")
        self.r.mset({"a": 1, "b": 2, "c": 3})
        picks = {self.r.randomkey() for _ in range(200)}
        self.assertEqual(picks, {b"solo", b"a", b"b", b"c"})
        self.assert_error("ERR wrong number of arguments for 'randomkey' command", "RANDOMKEY", "x")

    def test_expired_keys_are_never_returned(self):
        r = self.r
        pipe = r.pipeline(transaction=False)
        for i in range(50):
            pipe.set("gone%d" % i, "v", px=50)
        pipe.execute()
        time.sleep(0.1)
        self.assertIsNone(r.randomkey())
        r.set("live", "v")
        self.assertEqual(r.randomkey(), b"live")


class Rename(KeysTestCase):
    def test_rename(self):
        r = self.r
        self.assert_error("ERR no such key", "RENAME", "nokey", "dst")
        self.assert_error("ERR no such key", "RENAME", "nokey", "nokey")
        r.set("src", "v")
        self.assertTrue(r.rename("src", "dst"))
        self.assertIsNone(r.get("src"))
        self.assertEqual(r.get("dst"), b"v")
        self.assert_same(b"+OK\r\n", "RENAME", "dst", "dst")
        self.assertEqual(r.get("dst"), b"v")
        r.set("other", "o")
        self.assertTrue(r.rename("dst", "other"))  # replaces
        self.assertEqual(r.get("other"), b"v")

    def test_rename_keeps_the_ttl_and_drops_the_destinations(self):
        r = self.r
        r.set("src", "v", ex=100)
        r.set("dst", "old", ex=5000)
        r.rename("src", "dst")
        self.assertTrue(95 <= r.ttl("dst") <= 100)
        r.set("src", "v")
        r.rename("src", "dst")
        self.assertEqual(r.ttl("dst"), -1)

    def test_rename_moves_large_values_intact(self):
        big = b"x" * 1000000
        self.r.set("big", big)
        self.r.rename("big", "big2")
        self.assertEqual(self.r.get("big2"), big)

    def test_renamenx(self):
        r = self.r
        self.assert_error("ERR no such key", "RENAMENX", "nokey", "dst")
        r.mset({"a": 1, "b": 2})
        self.assertFalse(r.renamenx("a", "b"))
        self.assertFalse(r.renamenx("a", "a"))
        self.assertTrue(r.renamenx("a", "c"))
        self.assertEqual(r.mget("a", "b", "c"), [None, b"2", b"1"])
        self.assert_same(b":0\r\n", "RENAMENX", "b", "c")

    def test_expired_source_is_missing(self):
        self.r.set("r", "v", px=50)
        time.sleep(0.1)
        self.assert_error("ERR no such key", "RENAME", "r", "r2")


class Copy(KeysTestCase):
    def test_copy(self):
        r = self.r
        r.set("s", "v")
        self.assertEqual(self.raw2.raw_reply("COPY", "s", "d"), b":1\r\n")
        self.assertEqual(self.raw3.raw_reply("COPY", "s", "d3"), b":1\r\n")
        self.assertEqual(r.get("d"), b"v")
        self.assert_same(b":0\r\n", "COPY", "s", "d")
        r.set("s", "v2", ex=100)
        self.assertTrue(r.copy("s", "d", replace=True))
        self.assertEqual(r.get("d"), b"v2")
        self.assertTrue(95 <= r.ttl("d") <= 100)
        self.assert_same(b":0\r\n", "COPY", "nokey", "d", "REPLACE")
        # The copy is independent of its source.
        r.append("d", "-more")
        self.assertEqual(r.get("s"), b"v2")

    def test_copy_to_another_db(self):
        r = self.r
        r.set("s", "v", ex=100)
        self.assertEqual(self.raw2.execute("COPY", "s", "s", "DB", "1"), 1)
        self.assert_same(b":0\r\n", "COPY", "s", "s", "DB", "1")
        self.assertEqual(self.raw3.execute("COPY", "s", "s", "db", "1", "replace"), 1)
        db1 = self.srv.client(db=1)
        self.assertEqual(db1.get("s"), b"v")
        self.assertTrue(95 <= db1.ttl("s") <= 100)
        db1.close()

    def test_errors(self):
        self.r.set("s", "v")
        same = "ERR source and destination objects are the same"
        self.assert_error(same, "COPY", "s", "s")
        self.assert_error(same, "COPY", "s", "s", "REPLACE")
        self.assert_error(same, "COPY", "s", "s", "DB", "0")
        self.assert_error(same, "COPY", "nokey", "nokey")
        self.assert_error("ERR DB index is out of range", "COPY", "s", "d", "DB", "16")
        self.assert_error("ERR DB index is out of range", "COPY", "s", "d", "DB", "-1")
        self.assert_error("ERR value is not an integer or out of range", "COPY", "s", "d", "DB", "abc")
        self.assert_error("ERR value is out of range, value must between -2147483648 and 2147483647",
                          "COPY", "s", "d", "DB", "2147483648")
        for extra in (["DB"], ["FOO"], ["REPLACE", "FOO"]):
            self.assert_error("ERR syntax error", "COPY", "s", "d", *extra)
        self.assert_error("ERR wrong number of arguments for 'copy' command", "COPY", "s")


class Move(KeysTestCase):
    def test_move(self):
        r = self.r
        r.set("mv", "v")
        self.assert_same(b":0\r\n", "MOVE", "nokey", "1")
        self.assertEqual(self.raw3.raw_reply("MOVE", "mv", "1"), b":1\r\n")
        self.assertEqual(r.exists("mv"), 0)
        self.assert_same(b":0\r\n", "MOVE", "mv", "1")
        db1 = self.srv.client(db=1)
        self.assertEqual(db1.get("mv"), b"v")
        # The target already has the key: nothing moves.
        r.set("mv", "v0")
        self.assertFalse(r.move("mv", 1))
        self.assertEqual(r.get("mv"), b"v0")
        self.assertEqual(db1.get("mv"), b"v")
        db1.close()

    def test_move_keeps_the_ttl(self):
        self.r.set("t", "v", ex=100)
        self.assertTrue(self.r.move("t", 2))
        db2 = self.srv.client(db=2)
        self.assertTrue(95 <= db2.ttl("t") <= 100)
        db2.close()

    def test_errors(self):
        self.r.set("mv", "v")
        self.assert_error("ERR source and destination objects are the same", "MOVE", "mv", "0")
        self.assert_error("ERR DB index is out of range", "MOVE", "mv", "16")
        self.assert_error("ERR DB index is out of range", "MOVE", "mv", "-1")
        self.assert_error("ERR value is not an integer or out of range", "MOVE", "mv", "abc")
        self.assert_error("ERR wrong number of arguments for 'move' command", "MOVE", "mv")


class Expire(KeysTestCase):
    def test_expire_and_ttl(self):
        r = self.r
        self.assertFalse(r.expire("nokey", 100))
        r.set("k", "v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.pttl("k"), -1)
        self.assertTrue(r.expire("k", 100))
        self.assertEqual(r.ttl("k"), 100)
        self.assertTrue(99000 < r.pttl("k") <= 100000)
        self.assertTrue(r.pexpire("k", 50000))
        self.assertEqual(r.ttl("k"), 50)
        self.assertEqual(r.ttl("nokey"), -2)
        self.assertEqual(r.pttl("nokey"), -2)

    def test_expireat_and_expiretime(self):
        r = self.r
        r.set("k", "v")
        self.assert_same(b":-1\r\n", "EXPIRETIME", "k")
        self.assert_same(b":-2\r\n", "PEXPIRETIME", "nokey")
        self.assert_same(b":1\r\n", "EXPIREAT", "k", str(FAR_FUTURE_S))
        self.assert_same(b":%d\r\n" % FAR_FUTURE_S, "EXPIRETIME", "k")
        self.assert_same(b":%d\r\n" % (FAR_FUTURE_S * 1000), "PEXPIRETIME", "k")
        self.assert_same(b":1\r\n", "PEXPIREAT", "k", str(FAR_FUTURE_S * 1000 + 999))
        self.assert_same(b":%d\r\n" % (FAR_FUTURE_S + 1), "EXPIRETIME", "k")  # rounded to the nearest
        self.assert_same(b":1\r\n", "PEXPIREAT", "k", "9223372036854775807")
        self.assert_same(b":9223372036854775807\r\n", "PEXPIRETIME", "k")
        self.assert_same(b":9223372036854776\r\n", "EXPIRETIME", "k")

    def test_conditions(self):
        raw = self.raw2
        self.r.set("k", "v")
        self.assertEqual(raw.execute("EXPIRE", "k", "100", "XX"), 0)
        self.assertEqual(raw.execute("EXPIRE", "k", "100", "GT"), 0)  # no TTL counts as infinite
        self.assertEqual(raw.execute("EXPIRE", "k", "100", "LT"), 1)
        self.assertEqual(raw.execute("EXPIRE", "k", "50", "NX"), 0)
        self.assertEqual(raw.execute("EXPIRE", "k", "200", "GT"), 1)
        self.assertEqual(raw.execute("EXPIRE", "k", "150", "GT"), 0)
        self.assertEqual(raw.execute("EXPIRE", "k", "300", "LT"), 0)
        self.assertEqual(raw.execute("EXPIRE", "k", "120", "lt"), 1)
        self.assertEqual(raw.execute("EXPIRE", "k", "130", "xx", "GT"), 1)
        self.assertEqual(self.r.ttl("k"), 130)
        self.r.persist("k")
        self.assertEqual(raw.execute("PEXPIRE", "k", "100000", "NX"), 1)
        self.assertEqual(raw.execute("EXPIREAT", "k", str(FAR_FUTURE_S), "GT"), 1)
        self.assertEqual(raw.execute("PEXPIREAT", "k", str(FAR_FUTURE_S * 1000 - 1), "GT"), 0)
        self.assertEqual(raw.execute("PEXPIREAT", "k", str(FAR_FUTURE_S * 1000 - 1), "LT"), 1)
        self.assertEqual(raw.execute("EXPIRE", "nokey", "100", "XX", "LT"), 0)

    def test_time_in_the_past_deletes(self):
        r = self.r
        for args in (["EXPIRE", "k", "-1"], ["EXPIRE", "k", "0"], ["PEXPIRE", "k", "-100"],
                     ["EXPIREAT", "k", "1"], ["PEXPIREAT", "k", "0"], ["EXPIREAT", "k", "-5"]):
            r.set("k", "v")
            self.assertEqual(self.raw2.execute(*args), 1, args)
            self.assertEqual(r.exists("k"), 0, args)
        r.set("k", "v", ex=100)
        self.assertEqual(self.raw2.execute("EXPIRE", "k", "-1", "GT"), 0)
        self.assertEqual(r.exists("k"), 1)
        self.assertEqual(self.raw2.execute("EXPIRE", "k", "-1", "LT"), 1)
        self.assertEqual(r.exists("k"), 0)

    def test_errors(self):
        self.r.set("k", "v")
        incompatible = "ERR NX and XX, GT or LT options at the same time are not compatible"
        for opts in (["NX", "XX"], ["XX", "NX"], ["NX", "GT"], ["NX", "LT"]):
            self.assert_error(incompatible, "EXPIRE", "k", "100", *opts)
        self.assert_error("ERR GT and LT options at the same time are not compatible", "EXPIRE", "k", "100",
                          "GT", "LT")
        self.assert_error("ERR Unsupported option foo", "EXPIRE", "k", "100", "foo")
        self.assert_error("ERR Unsupported option FOO", "PEXPIRE", "k", "100", "XX", "FOO")
        # Options are checked before the time.
        self.assert_error("ERR Unsupported option foo", "EXPIRE", "k", "abc", "foo")
        self.assert_error("ERR value is not an integer or out of range", "EXPIRE", "k", "abc")
        self.assert_error("ERR value is not an integer or out of range", "EXPIRE", "k", "1.5")
        for cmd, value in (("expire", "9223372036854775"), ("expire", "-9223372036854775808"),
                           ("pexpire", "9223372036854775807"), ("expireat", "9223372036854775807")):
            self.assert_error("ERR invalid expire time in '%s' command" % cmd, cmd.upper(), "k", value)
        self.assertEqual(self.r.ttl("k"), -1)
        for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
            self.assert_error("ERR wrong number of arguments for '%s' command" % cmd.lower(), cmd, "k")
        for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST"):
            self.assert_error("ERR wrong number of arguments for '%s' command" % cmd.lower(), cmd, "a", "b")

    def test_persist(self):
        r = self.r
        self.assertFalse(r.persist("nokey"))
        r.set("k", "v")
        self.assertFalse(r.persist("k"))
        r.expire("k", 100)
        self.assertTrue(r.persist("k"))
        self.assertEqual(r.ttl("k"), -1)
        self.assertFalse(r.persist("k"))

    def test_keys_expire_for_real(self):
        r = self.r
        r.set("px", "v")
        r.pexpire("px", 150)
        r.set("ex", "v", px=150)
        r.set("at", "v")
        r.pexpireat("at", int(time.time() * 1000) + 150)
        r.set("keep", "v")
        r.set("persisted", "v", px=150)
        r.persist("persisted")
        self.assertEqual(r.exists("px", "ex", "at", "keep", "persisted"), 5)
        time.sleep(0.3)
        self.assertEqual(r.exists("px", "ex", "at", "keep", "persisted"), 2)
        self.assertEqual(r.ttl("px"), -2)
        self.assertIsNone(r.get("ex"))
        self.assertEqual(sorted(r.keys("*")), [b"keep", b"persisted"])

    def test_active_expiry_removes_keys_nobody_reads(self):
        r = self.r
        pipe = r.pipeline(transaction=False)
        for i in range(500):
            pipe.set("v%d" % i, "x", px=100)
        pipe.execute()
        r.set("keep", "v")
        self.assertEqual(r.dbsize(), 501)
        deadline = time.time() + 1.5
        while r.dbsize() > 1 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(r.dbsize(), 1)  # DBSIZE counts stored keys: only active expiry removes them

    def test_expired_keys_count_in_info(self):
        r = self.r
        before = r.info("stats")["expired_keys"]
        r.set("e1", "v", px=30)
        r.set("e2", "v", px=30)
        time.sleep(0.08)
        self.assertEqual(r.exists("e1", "e2"), 0)
        self.assertGreaterEqual(r.info("stats")["expired_keys"] - before, 2)


class Object(KeysTestCase):
    def test_encoding(self):
        r = self.r
        r.mset({"int": "12345", "emb": "hello", "raw": "x" * 45, "lead0": "0123"})
        self.assert_same(b"$3\r\nint\r\n", "OBJECT", "ENCODING", "int")
        self.assert_same(b"$6\r\nembstr\r\n", "OBJECT", "encoding", "emb")
        self.assert_same(b"$3\r\nraw\r\n", "OBJECT", "ENCODING", "raw")
        self.assert_same(b"$6\r\nembstr\r\n", "OBJECT", "ENCODING", "lead0")
        self.assert_both(b"$-1\r\n", b"_\r\n", "OBJECT", "ENCODING", "nokey")

    def test_refcount(self):
        r = self.r
        r.mset({"small": "42", "big": "10000", "s": "str"})
        self.assert_same(b":2147483647\r\n", "OBJECT", "REFCOUNT", "small")  # a shared integer
        self.assert_same(b":1\r\n", "OBJECT", "REFCOUNT", "big")
        self.assert_same(b":1\r\n", "OBJECT", "REFCOUNT", "s")
        self.assert_both(b"$-1\r\n", b"_\r\n", "OBJECT", "REFCOUNT", "nokey")

    def test_idletime_counts_from_the_last_access(self):
        r = self.r
        r.set("a", "v")
        r.set("b", "v")
        time.sleep(1.1)
        self.assertGreaterEqual(self.raw2.execute("OBJECT", "IDLETIME", "a"), 1)
        self.assertGreaterEqual(self.raw2.execute("OBJECT", "IDLETIME", "a"), 1)  # OBJECT does not touch
        r.get("a")
        self.assertEqual(self.raw2.execute("OBJECT", "IDLETIME", "a"), 0)
        r.exists("b")  # neither do EXISTS, TYPE and TTL
        r.type("b")
        r.ttl("b")
        self.assertGreaterEqual(self.raw2.execute("OBJECT", "IDLETIME", "b"), 1)
        r.touch("b")
        self.assertEqual(self.raw2.execute("OBJECT", "IDLETIME", "b"), 0)
        self.assert_both(b"$-1\r\n", b"_\r\n", "OBJECT", "IDLETIME", "nokey")

    def test_freq_needs_an_lfu_policy(self):
        self.r.set("k", "v")
        self.assert_error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                          + LFU_WARNING, "OBJECT", "FREQ", "k")
        self.assert_both(b"$-1\r\n", b"_\r\n", "OBJECT", "FREQ", "nokey")

    def test_help_and_errors(self):
        lines = self.raw2.execute("OBJECT", "HELP")
        self.assertEqual(lines[0], "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        self.assertEqual(lines[-2:], ["HELP", "    Prints this help."])
        self.assertIn("IDLETIME <key>", lines)
        self.assertEqual(self.raw3.execute("OBJECT", "help"), lines)
        self.assert_error("ERR wrong number of arguments for 'object|help' command", "OBJECT", "HELP", "x")
        self.assert_error("ERR wrong number of arguments for 'object|encoding' command", "OBJECT", "ENCODING")
        self.assert_error("ERR unknown subcommand 'FOO'. Try OBJECT HELP.", "OBJECT", "FOO", "k")
        self.assert_error("ERR wrong number of arguments for 'object' command", "OBJECT")


class ObjectUnderLfu(KeysTestCase):
    server_args = ["--maxmemory-policy", "allkeys-lfu"]

    @classmethod
    def setUpClass(cls):
        try:
            super().setUpClass()
        except RuntimeError as e:  # the server refuses the policy until eviction exists
            raise unittest.SkipTest("allkeys-lfu not accepted: %s" % e)

    def test_freq_and_idletime(self):
        self.r.set("k", "v")
        freq = self.raw2.execute("OBJECT", "FREQ", "k")
        self.assertIsInstance(freq, int)
        self.assertGreaterEqual(freq, 0)
        self.assert_error("ERR An LFU maxmemory policy is selected, idle time not tracked. " + LFU_WARNING,
                          "OBJECT", "IDLETIME", "k")


if __name__ == "__main__":
    unittest.main()
