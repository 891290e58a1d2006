"""Hashes, sets and lists end to end: the collection types under maxmemory
eviction (their memory is counted as they grow in place, and evicting or
deleting them gives it back), OBJECT ENCODING conversions at the configured
limits, COPY/RENAME/MOVE of collections, RESP2 (redis-py) and RESP3
(srv.resp3()) reply types, SCAN guarantees of HSCAN/SSCAN, and atomicity of
pushes from parallel clients.
"""
import threading
import time
import unittest

import redis

from resp_client import RespError, RespSet
from tierkv_harness import TierkvServer, SharedServerTest

MB = 1024 * 1024
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def dataset_bytes(r):
    return r.info("memory")["used_memory_dataset"]


def fill_hash(r, key, fields, value_size, batch=500):
    value = b"v" * value_size
    for start in range(0, fields, batch):
        mapping = {"field:%d" % i: value for i in range(start, min(fields, start + batch))}
        r.hset(key, mapping=mapping)


def wait_until(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class Memory(unittest.TestCase):
    """The collections' memory feeds used_memory_dataset and maxmemory."""

    def test_growing_collections_are_counted_and_freed(self):
        with TierkvServer() as srv:
            r = srv.client()
            empty = dataset_bytes(r)
            fill_hash(r, "h", 20000, 100)          # ~2 MB of values, a hash table
            r.rpush("l", *[b"e" * 100] * 20000)    # ~2 MB, quicklist chunks
            r.sadd("s", *["member-%d" % i + "x" * 90 for i in range(20000)])
            full = dataset_bytes(r)
            # At least the payload bytes of the three collections.
            self.assertGreater(full - empty, 3 * 20000 * 100)
            # And not wildly more: per-element overhead stays bounded.
            self.assertLess(full - empty, 3 * 20000 * 300)
            # Shrinking in place gives memory back.
            r.ltrim("l", 0, 99)
            after_trim = dataset_bytes(r)
            self.assertLess(after_trim, full - 1.5 * MB)
            r.hdel("h", *["field:%d" % i for i in range(19000)])
            after_hdel = dataset_bytes(r)
            self.assertLess(after_hdel, after_trim - 1.5 * MB)
            # DEL and UNLINK (freed in the background) give back the rest.
            self.assertEqual(r.delete("h"), 1)
            self.assertEqual(r.unlink("s", "l"), 2)
            self.assertLess(dataset_bytes(r) - empty, 64 * 1024)

    def test_big_hashes_are_evicted_and_memory_goes_down(self):
        with TierkvServer(["--threads", "2", "--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru"]) as srv:
            r = srv.client()
            for i in range(30):                    # ~30 x 0.5 MB of hashes into 8 MB
                fill_hash(r, "hash:%d" % i, 5000, 100)
            mem = dataset_bytes(r)
            self.assertLessEqual(mem, 8 * MB + 1 * MB)
            stats = r.info("stats")
            self.assertGreater(stats["evicted_keys"], 10)
            # Eviction takes keys shard by shard, so a hash can go while it is
            # being filled and come back smaller: count whole hashes.
            self.assertGreaterEqual(r.dbsize() + stats["evicted_keys"], 30)
            sizes = [r.hlen(k) for k in r.keys("hash:*")]
            self.assertTrue(all(0 < n <= 5000 for n in sizes), sizes)
            self.assertGreaterEqual(sizes.count(5000), 5)
            # Lowering the limit evicts hashes in the background until under it.
            r.config_set("maxmemory", "3mb")
            self.assertTrue(wait_until(lambda: dataset_bytes(r) <= 3 * MB), dataset_bytes(r))
            self.assertLess(dataset_bytes(r), mem)
            self.assertGreater(r.info("stats")["evicted_keys"], stats["evicted_keys"])

    def test_in_place_growth_hits_the_limit_under_noeviction(self):
        with TierkvServer(["--maxmemory", "4mb"]) as srv:
            r = srv.client()
            with self.assertRaises(redis.ResponseError) as err:
                for i in range(200):
                    r.rpush("list", *[b"x" * 1000] * 100)   # one key, growing
            self.assertIn("OOM command not allowed", str(err.exception))
            self.assertLess(r.llen("list"), 200 * 100)
            self.assertLessEqual(dataset_bytes(r), 4 * MB + 200 * 1024)
            # Reads and shrinking still work at the limit.
            self.assertEqual(r.lindex("list", 0), b"x" * 1000)
            r.ltrim("list", 0, 9)
            r.sadd("set", "a")   # room again
            self.assertEqual(r.scard("set"), 1)

    def test_evicting_sets_and_lists(self):
        with TierkvServer(["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-random"]) as srv:
            r = srv.client()
            for i in range(40):
                r.sadd("set:%d" % i, *["m%d-%s" % (j, "y" * 80) for j in range(1000)])
                r.rpush("list:%d" % i, *[b"z" * 100] * 1000)
            self.assertLessEqual(dataset_bytes(r), 4 * MB + 1 * MB)
            self.assertGreater(r.info("stats")["evicted_keys"], 20)
            # The last write may leave memory over the limit until the
            # background eviction catches up; keys must not vanish mid-check.
            deadline = time.time() + 5
            while dataset_bytes(r) > 4 * MB and time.time() < deadline:
                time.sleep(0.05)
            for key in r.keys("*"):
                kind = r.type(key)
                self.assertIn(kind, (b"set", b"list"))
                size = r.scard(key) if kind == b"set" else r.llen(key)
                self.assertEqual(size, 1000)  # evicted whole or not at all


class Encodings(SharedServerTest):
    server_args = []

    def encoding(self, key):
        return self.r.object("encoding", key)

    def test_hash_listpack_to_hashtable(self):
        r = self.r
        r.hset("h", mapping={"f%d" % i: "v" for i in range(128)})
        self.assertEqual(self.encoding("h"), b"listpack")
        r.hset("h", "f128", "v")
        self.assertEqual(self.encoding("h"), b"hashtable")
        r.hdel("h", *["f%d" % i for i in range(120)])
        self.assertEqual(self.encoding("h"), b"hashtable")  # never back
        r.hset("long", "f", "x" * 64)
        self.assertEqual(self.encoding("long"), b"listpack")
        r.hset("long", "g", "x" * 65)
        self.assertEqual(self.encoding("long"), b"hashtable")
        self.assertEqual(r.hget("long", "f"), b"x" * 64)

    def test_set_intset_listpack_hashtable(self):
        r = self.r
        r.sadd("s", *range(512))
        self.assertEqual(self.encoding("s"), b"intset")
        r.sadd("s", 512)
        self.assertEqual(self.encoding("s"), b"hashtable")
        r.sadd("small", 1, 2, 3)
        self.assertEqual(self.encoding("small"), b"intset")
        self.assertEqual(r.smembers("small"), {b"1", b"2", b"3"})
        r.sadd("small", "a")
        self.assertEqual(self.encoding("small"), b"listpack")
        r.sadd("small", *["m%d" % i for i in range(124)])
        self.assertEqual(r.scard("small"), 128)
        self.assertEqual(self.encoding("small"), b"listpack")
        r.sadd("small", "one-more")
        self.assertEqual(self.encoding("small"), b"hashtable")
        self.assertTrue(r.sismember("small", "2"))

    def test_limits_change_at_runtime(self):
        r = self.r
        r.config_set("hash-max-listpack-entries", 4)
        r.config_set("set-max-listpack-entries", 0)   # Redis 7.0's sets
        r.config_set("set-max-intset-entries", 3)
        try:
            self.assertEqual(r.config_get("hash-max-listpack-entries"), {"hash-max-listpack-entries": "4"})
            r.hset("h", mapping={"a": 1, "b": 2, "c": 3, "d": 4})
            self.assertEqual(self.encoding("h"), b"listpack")
            r.hset("h", "e", 5)
            self.assertEqual(self.encoding("h"), b"hashtable")
            r.sadd("s", "a")
            self.assertEqual(self.encoding("s"), b"hashtable")
            r.sadd("i", 1, 2, 3)
            self.assertEqual(self.encoding("i"), b"intset")
            r.sadd("i", 4)
            self.assertEqual(self.encoding("i"), b"hashtable")
            with self.assertRaises(redis.ResponseError):
                r.config_set("set-max-intset-entries", -1)
            r.config_set("list-max-listpack-size", 2)
            r.rpush("l", *range(10))
            self.assertEqual(self.encoding("l"), b"quicklist")
            self.assertEqual(r.lrange("l", 0, -1), [str(i).encode() for i in range(10)])
        finally:
            r.config_set("hash-max-listpack-entries", 128)
            r.config_set("set-max-listpack-entries", 128)
            r.config_set("set-max-intset-entries", 512)
            r.config_set("list-max-listpack-size", -2)


class KeyspaceOnCollections(SharedServerTest):
    server_args = []

    def test_copy_is_deep_and_costs_memory(self):
        r = self.r
        fill_hash(r, "h", 5000, 100)
        r.rpush("l", *range(1000))
        r.sadd("s", "a", "b", "c")
        before = dataset_bytes(r)
        self.assertTrue(r.copy("h", "h2"))
        self.assertGreater(dataset_bytes(r) - before, 5000 * 100)
        r.hset("h2", "field:0", "changed")
        r.hdel("h2", "field:1")
        self.assertEqual(r.hget("h", "field:0"), b"v" * 100)
        self.assertEqual(r.hlen("h"), 5000)
        self.assertEqual(r.hlen("h2"), 4999)
        self.assertTrue(r.copy("l", "l2"))
        r.rpush("l2", "more")
        self.assertEqual(r.llen("l"), 1000)
        self.assertTrue(r.copy("s", "s2", destination_db=1))
        r.execute_command("SELECT", 1)
        self.assertEqual(r.smembers("s2"), {b"a", b"b", b"c"})
        r.execute_command("SELECT", 0)
        self.assertEqual(r.object("encoding", "h2"), b"hashtable")

    def test_rename_move_and_ttl(self):
        r = self.r
        r.rpush("l", "a", "b")
        r.expire("l", 100)
        self.assertTrue(r.rename("l", "l2"))
        self.assertEqual(r.lrange("l2", 0, -1), [b"a", b"b"])
        self.assertGreater(r.ttl("l2"), 90)
        r.rpush("l2", "c")          # an in-place change keeps the TTL
        self.assertGreater(r.ttl("l2"), 90)
        self.assertTrue(r.move("l2", 1))
        self.assertEqual(r.exists("l2"), 0)
        r.execute_command("SELECT", 1)
        self.assertEqual(r.lrange("l2", 0, -1), [b"a", b"b", b"c"])
        r.execute_command("SELECT", 0)
        r.hset("h", "f", "v")
        r.set("str", "x")
        self.assertTrue(r.renamenx("h", "h2"))
        self.assertFalse(r.renamenx("h2", "str"))
        self.assertEqual(r.type("h2"), b"hash")
        self.assertEqual(r.type("str"), b"string")
        self.assertEqual(sorted(r.scan(0, count=100, _type="hash")[1]), [b"h2"])
        r.sadd("s", 1)
        r.rpush("li", 1)
        self.assertEqual(sorted(r.scan(0, count=100, _type="set")[1]), [b"s"])
        self.assertEqual(sorted(r.scan(0, count=100, _type="list")[1]), [b"li"])

    def test_wrongtype_across_types(self):
        r = self.r
        r.set("str", "x")
        r.hset("h", "f", "v")
        r.sadd("s", "m")
        r.rpush("l", "e")
        for call in (lambda: r.hset("str", "f", "v"), lambda: r.sadd("h", "m"), lambda: r.lpush("s", "e"),
                     lambda: r.hget("l", "f"), lambda: r.get("h"), lambda: r.smembers("l"),
                     lambda: r.sunionstore("dst", "s", "l"), lambda: r.lmove("l", "s", "LEFT", "LEFT")):
            with self.assertRaises(redis.ResponseError) as err:
                call()
            self.assertEqual(str(err.exception), WRONGTYPE)
        self.assertEqual(r.llen("l"), 1)   # the failed LMOVE popped nothing
        self.assertEqual(r.exists("dst"), 0)


class Replies(SharedServerTest):
    server_args = []

    def test_resp3_types(self):
        r = self.r
        r.hset("h", mapping={"a": "1", "b": "2"})
        r.sadd("s", "x", "y")
        r.rpush("l", "1", "2", "3")
        with self.srv.resp3() as c:
            self.assertEqual(c.execute("HGETALL", "h"), {b"a": b"1", b"b": b"2"})
            self.assertEqual(c.execute("HGETALL", "nokey"), {})
            members = c.execute("SMEMBERS", "s")
            self.assertIsInstance(members, RespSet)
            self.assertEqual(sorted(members), [b"x", b"y"])
            self.assertIsInstance(c.execute("SINTER", "s", "s"), RespSet)
            self.assertEqual(c.execute("HRANDFIELD", "h", "-3", "WITHVALUES")[0][1] in (b"1", b"2"), True)
            self.assertEqual(sorted(c.execute("HRANDFIELD", "h", "5", "WITHVALUES")), [[b"a", b"1"], [b"b", b"2"]])
            popped = c.execute("SPOP", "s", "5")
            self.assertIsInstance(popped, RespSet)
            self.assertEqual(sorted(popped), [b"x", b"y"])
            self.assertIsNone(c.execute("LPOP", "nokey", "2"))
            self.assertEqual(c.execute("LPOP", "l", "2"), [b"1", b"2"])
            self.assertEqual(c.execute("LPOS", "l", "3", "COUNT", "0"), [0])
            self.assertEqual(c.execute("HINCRBYFLOAT", "h", "a", "0.5"), b"1.5")
            with self.assertRaises(RespError) as err:
                c.execute("HGET", "l", "f")
            self.assertEqual(str(err.exception), WRONGTYPE)

    def test_resp2_through_redis_py(self):
        r = self.r
        self.assertEqual(r.hset("h", mapping={"a": 1, "b": 2}), 2)
        self.assertEqual(r.hgetall("h"), {b"a": b"1", b"b": b"2"})
        self.assertEqual(r.hincrby("h", "a", 5), 6)
        self.assertAlmostEqual(r.hincrbyfloat("h", "b", 0.25), 2.25)
        self.assertEqual(r.hrandfield("h", 5, withvalues=True), [b"a", b"6", b"b", b"2.25"])
        self.assertEqual(r.sadd("s", 3, 1, 2), 3)
        self.assertEqual(r.sinter("s", "s"), {b"1", b"2", b"3"})
        self.assertEqual(r.sintercard(1, ["s"], limit=2), 2)
        self.assertEqual(r.lpush("l", "a", "b"), 2)
        self.assertEqual(r.lrange("l", 0, -1), [b"b", b"a"])
        self.assertEqual(r.lmove("l", "l2", "RIGHT", "LEFT"), b"a")
        self.assertEqual(r.rpoplpush("l", "l2"), b"b")
        self.assertEqual(r.exists("l"), 0)
        self.assertEqual(r.lrange("l2", 0, -1), [b"b", b"a"])

    def test_random_replies_draw_from_the_collection(self):
        r = self.r
        r.sadd("s", *["m%d" % i for i in range(300)])
        r.hset("h", mapping={"f%d" % i: i for i in range(300)})
        seen = set()
        for _ in range(100):
            picks = r.srandmember("s", 10)
            self.assertEqual(len(set(picks)), 10)
            seen.update(picks)
        self.assertGreater(len(seen), 250)
        fields = r.hrandfield("h", -1000)
        self.assertEqual(len(fields), 1000)
        self.assertTrue(set(fields) <= {b"f%d" % i for i in range(300)})
        popped = set(r.spop("s", 100))
        self.assertEqual(len(popped), 100)
        self.assertEqual(r.scard("s"), 200)
        self.assertFalse(any(r.smismember("s", list(popped))))


class Scans(unittest.TestCase):
    def test_hscan_and_sscan_visit_every_element_present_throughout(self):
        with TierkvServer() as srv:
            r = srv.client()
            r.hset("h", mapping={"f%d" % i: i for i in range(2000)})
            r.sadd("s", *["m%d" % i for i in range(2000)])
            seen_fields, seen_members = {}, set()
            cursor_h = cursor_s = None
            step = 0
            while cursor_h != 0 or cursor_s != 0:
                if cursor_h != 0:
                    cursor_h, page = r.hscan("h", cursor_h or 0, count=50)
                    seen_fields.update(page)
                if cursor_s != 0:
                    cursor_s, members = r.sscan("s", cursor_s or 0, count=50)
                    seen_members.update(members)
                # Churn beside the walk: the tables grow and shrink.
                step += 1
                if step == 5:
                    r.hset("h", mapping={"x%d" % i: i for i in range(5000)})
                    r.sadd("s", *["x%d" % i for i in range(5000)])
                if step == 15:
                    r.hdel("h", *["x%d" % i for i in range(5000)])
                    r.srem("s", *["x%d" % i for i in range(5000)])
            for i in range(2000):
                self.assertEqual(seen_fields.get(b"f%d" % i), str(i).encode())
                self.assertIn(b"m%d" % i, seen_members)
            self.assertEqual(r.hscan("h", 0, match="f1999", count=10000), (0, {b"f1999": b"1999"}))


class Concurrency(unittest.TestCase):
    def test_parallel_pushes_and_adds_are_atomic(self):
        with TierkvServer(["--threads", "2"]) as srv:
            def worker(n):
                c = srv.client()
                p = c.pipeline(transaction=False)
                for i in range(500):
                    p.rpush("list", "%d:%d" % (n, i))
                    p.sadd("set", "%d:%d" % (n, i))
                    p.hincrby("hash", "counter", 1)
                p.execute()
                c.close()
            threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            r = srv.client()
            self.assertEqual(r.llen("list"), 4000)
            self.assertEqual(r.scard("set"), 4000)
            self.assertEqual(r.hget("hash", "counter"), b"4000")
            # Each client's elements kept their own order.
            items = r.lrange("list", 0, -1)
            for n in range(8):
                mine = [int(x.split(b":")[1]) for x in items if x.startswith(b"%d:" % n)]
                self.assertEqual(mine, list(range(500)))


if __name__ == "__main__":
    unittest.main()
