"""Sorted sets end to end: a 10,000-member leaderboard (ZADD, ZINCRBY,
ZREVRANGE WITHSCORES, ZRANK, ...) against a Python model, RESP3 reply types
(srv.resp3()), and sorted sets through the RocksDB tier: pushed out of
memory by string SETs, read back whole, and again after a restart."""
import os
import random
import shutil
import tempfile
import unittest

from resp_client import RespError
from tierkv_harness import SharedServerTest, TierkvServer

N = 10000


def model_order(scores):
    """Members ascending by (score, member bytes), as a sorted set orders them."""
    return sorted(scores, key=lambda m: (scores[m], m))


class Leaderboard(SharedServerTest):
    def test_leaderboard_matches_a_model(self):
        r = self.srv.client()
        rng = random.Random(1234)
        scores = {}
        members = [b"player:%05d" % i for i in range(N)]
        for start in range(0, N, 1000):
            batch = {m: rng.randint(0, 5000) for m in members[start:start + 1000]}
            self.assertEqual(r.zadd("board", batch), len(batch))
            scores.update(batch)
        self.assertEqual(r.zcard("board"), N)
        self.assertEqual(r.object("encoding", "board"), b"skiplist")
        # Games: many increments, some fractional, through a pipeline.
        p = r.pipeline(transaction=False)
        bumps = []
        for _ in range(20000):
            m = rng.choice(members)
            inc = rng.choice([1, 5, 10, 0.5, -3])
            bumps.append((m, inc))
            p.zincrby("board", inc, m)
        replies = p.execute()
        for (m, inc), reply in zip(bumps, replies):
            scores[m] += inc
            self.assertEqual(reply, scores[m])
        order = model_order(scores)
        top = r.zrevrange("board", 0, 99, withscores=True)
        self.assertEqual(top, [(m, float(scores[m])) for m in reversed(order[-100:])])
        # Every rank, both directions, in pipelined batches.
        p = r.pipeline(transaction=False)
        for m in members:
            p.zrank("board", m)
            p.zrevrank("board", m)
        ranks = p.execute()
        position = {m: i for i, m in enumerate(order)}
        for i, m in enumerate(members):
            self.assertEqual(ranks[2 * i], position[m])
            self.assertEqual(ranks[2 * i + 1], N - 1 - position[m])
        # Pages of the whole board, and score windows.
        page = r.zrevrange("board", 5000, 5099, withscores=True)
        self.assertEqual([m for m, _ in page], list(reversed(order))[5000:5100])
        lo, hi = 1000, 1200
        window = [m for m in order if lo <= scores[m] <= hi]
        self.assertEqual(r.zrangebyscore("board", lo, hi), window)
        self.assertEqual(r.zcount("board", lo, "(%d" % hi), len([m for m in window if scores[m] < hi]))
        self.assertEqual(r.zrevrangebyscore("board", hi, lo, start=10, num=5), list(reversed(window))[10:15])
        # Removing the bottom 1000 and popping the top 10.
        self.assertEqual(r.zremrangebyrank("board", 0, 999), 1000)
        popped = r.zpopmax("board", 10)
        self.assertEqual([m for m, _ in popped], list(reversed(order[-10:])))
        self.assertEqual(r.zcard("board"), N - 1010)
        self.assertEqual(r.zrange("board", 0, 0), [order[1000]])

    def test_resp3_reply_types(self):
        r = self.srv.client()
        r.delete("z3")
        r.zadd("z3", {"a": 1, "b": 2.5, "c": float("inf")})
        with self.srv.resp3() as c:
            self.assertEqual(c.execute("ZSCORE", "z3", "b"), 2.5)
            self.assertIsInstance(c.execute("ZSCORE", "z3", "a"), float)
            self.assertEqual(c.execute("ZSCORE", "z3", "c"), float("inf"))
            self.assertIsNone(c.execute("ZSCORE", "z3", "nope"))
            self.assertEqual(c.execute("ZMSCORE", "z3", "a", "nope"), [1.0, None])
            self.assertEqual(c.execute("ZRANGE", "z3", "0", "-1", "WITHSCORES"),
                             [[b"a", 1.0], [b"b", 2.5], [b"c", float("inf")]])
            self.assertEqual(c.execute("ZRANGE", "z3", "0", "-1"), [b"a", b"b", b"c"])
            self.assertEqual(c.execute("ZINCRBY", "z3", "1", "a"), 2.0)
            self.assertEqual(c.execute("ZADD", "z3", "INCR", "1", "a"), 3.0)
            self.assertIsNone(c.execute("ZADD", "z3", "NX", "INCR", "1", "a"))
            self.assertEqual(c.execute("ZRANK", "z3", "c"), 2)
            self.assertEqual(c.execute("ZPOPMIN", "z3"), [b"b", 2.5])
            self.assertEqual(c.execute("ZPOPMAX", "z3", "1"), [[b"c", float("inf")]])
            self.assertEqual(c.execute("ZRANDMEMBER", "z3", "1", "WITHSCORES"), [[b"a", 3.0]])
            with self.assertRaises(RespError):
                c.execute("ZADD", "z3", "nan", "x")
        # RESP2: scores are bulk strings, formatted as Redis 7.0 does.
        r.zadd("z2", {"x": 1.1, "y": 3})
        with self.srv.resp3(protocol=2) as c:
            self.assertEqual(c.execute("ZSCORE", "z2", "x"), b"1.1000000000000001")
            self.assertEqual(c.execute("ZRANGE", "z2", "0", "-1", "WITHSCORES"),
                             [b"x", b"1.1000000000000001", b"y", b"3"])
            self.assertEqual(c.execute("ZPOPMIN", "z2", "1"), [b"x", b"1.1000000000000001"])


class ThroughTheTier(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tierkv-zset-")
        self.tier_dir = os.path.join(self.dir, "tier")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def server(self):
        return TierkvServer(["--threads", "2", "--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru",
                             "--tier-dir", self.tier_dir])

    def fill(self, r, count, prefix):
        for start in range(0, count, 500):
            p = r.pipeline(transaction=False)
            for i in range(start, min(count, start + 500)):
                p.set("%s:%d" % (prefix, i), b"x" * 1000)
            p.execute()

    def test_sorted_sets_spill_and_come_back_whole(self):
        big = {b"m%04d" % i: i * 0.25 - 100 for i in range(2000)}
        small = {b"a": 1.5, b"b": float("-inf"), b"c": 2}
        with self.server() as srv:
            r = srv.client()
            r.zadd("zbig", big)
            r.zadd("zsmall", small)
            r.expire("zbig", 1000)
            spills = r.info("tier")["db_tier_spills"]
            self.fill(r, 8000, "s")  # ~8 MB through 4 MB: the sets go to disk
            self.assertGreater(r.info("tier")["db_tier_spills"], spills)
            promotions = r.info("tier")["db_tier_promotions"]
            self.assertEqual(r.zrange("zbig", 0, -1, withscores=True), sorted(big.items(), key=lambda kv: kv[1]))
            self.assertEqual(r.zrange("zsmall", 0, -1, withscores=True), [(b"b", float("-inf")), (b"a", 1.5), (b"c", 2.0)])
            self.assertEqual(r.info("tier")["db_tier_promotions"], promotions + 2)  # both came back from disk
            self.assertEqual(r.object("encoding", "zbig"), b"skiplist")
            self.assertEqual(r.object("encoding", "zsmall"), b"listpack")
            self.assertIn(r.ttl("zbig"), range(990, 1001))
            self.fill(r, 8000, "t")
            self.assertEqual(r.zincrby("zsmall", 1, "c"), 3.0)
            self.assertEqual(r.type("zbig"), b"zset")
            self.assertEqual(srv.stop(), 0)
        with self.server() as srv:
            r = srv.client()
            self.assertEqual(r.zcard("zbig"), 2000)
            self.assertEqual(r.zrange("zbig", 0, -1, withscores=True), sorted(big.items(), key=lambda kv: kv[1]))
            self.assertEqual(r.zscore("zsmall", "c"), 3.0)
            self.assertEqual(r.zrank("zbig", "m1000"), 1000)
            self.assertEqual(set(r.scan_iter(match="z*", _type="zset")), {b"zbig", b"zsmall"})


if __name__ == "__main__":
    unittest.main()
