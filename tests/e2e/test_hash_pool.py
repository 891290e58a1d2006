"""Small hashes whose listpack block sits in a table's node pool: once a
table holds 256 blocks of one size they take pool slots (MEMORY USAGE shows
184 bytes for bench/compare.py's 10-field hash, 40 for the node and 144 for
the block, where malloc's classes give 208). Every way a value leaves its
table (RENAME and MOVE to another shard or database, COPY, UNLINK,
FLUSHALL ASYNC, eviction to the RocksDB tier, the spill at shutdown) must
take the block out of the pool first: the sanitizer builds run these same
tests and report a block freed into another table's page."""
import os
import shutil
import tempfile
import threading
import time
import unittest

from tierkv_harness import TierkvServer

FIELDS = {b"field%d" % f: b"value-%d" % f for f in range(10)}
HASHES = 2000  # over 2 shards: far more than 256 blocks of one size in each


def key(i):
    return b"hash:%07d" % i  # 12 bytes: a 40-byte node


def load(r, count=HASHES, prefix=b"hash:"):
    for start in range(0, count, 500):
        p = r.pipeline(transaction=False)
        for i in range(start, min(count, start + 500)):
            p.hset(prefix + b"%07d" % i, mapping=FIELDS)
        p.execute()


class HashPool(unittest.TestCase):
    def server(self, *extra):
        return TierkvServer(["--threads", "2", "--shards", "2"] + list(extra))

    def test_blocks_take_pool_slots_and_read_back(self):
        with self.server() as srv:
            r = srv.client()
            load(r)
            sizes = [r.memory_usage(key(i)) for i in range(HASHES - 100, HASHES)]
            self.assertEqual(sizes, [184] * 100)  # node and block both pooled
            self.assertEqual(r.object("encoding", key(7)), b"listpack")
            for i in range(0, HASHES, 37):
                self.assertEqual(r.hgetall(key(i)), FIELDS)

    def test_values_leaving_their_table_keep_their_fields(self):
        with self.server() as srv:
            r = srv.client()
            load(r)
            self.assertEqual(r.memory_usage(key(HASHES - 1)), 184)
            errors = []

            def worker(part):
                try:
                    c = srv.client()
                    for i in range(part, HASHES, 4):
                        k = key(i)
                        step = i % 5
                        if step == 0:
                            # RENAME: the other shard for about half the keys.
                            self.assertTrue(c.rename(k, b"renamed:%d" % i))
                            self.assertEqual(c.hgetall(b"renamed:%d" % i), FIELDS)
                        elif step == 1:
                            self.assertTrue(c.move(k, 1))
                            c2 = srv.client(db=1)
                            self.assertEqual(c2.hgetall(k), FIELDS)
                        elif step == 2:
                            self.assertTrue(c.copy(k, b"copy:%d" % i))
                            c.hset(k, "field0", "changed")  # the copy keeps its own block
                            self.assertEqual(c.hgetall(b"copy:%d" % i), FIELDS)
                        elif step == 3:
                            self.assertEqual(c.unlink(k), 1)
                            self.assertEqual(c.exists(k), 0)
                        else:
                            # Grow past the slot, shrink back into one, and
                            # become a hash table.
                            c.hset(k, "extra", "x" * 40)
                            c.hdel(k, "extra", "field9")
                            expected = dict(FIELDS)
                            del expected[b"field9"]
                            self.assertEqual(c.hgetall(k), expected)
                            c.hset(k, "long", "y" * 100)
                            self.assertEqual(c.object("encoding", k), b"hashtable")
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(e)

            threads = [threading.Thread(target=worker, args=(part,)) for part in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            # Copies made up for the unlinked keys.
            self.assertEqual(r.dbsize() + srv.client(db=1).dbsize(), HASHES)
            load(r, prefix=b"again:")
            self.assertTrue(r.flushall(asynchronous=True))
            self.assertEqual(r.dbsize(), 0)
            load(r)
            self.assertEqual(r.hgetall(key(HASHES - 1)), FIELDS)

    def test_hashes_evicted_to_the_tier_and_spilled_at_shutdown_read_back(self):
        tier_dir = tempfile.mkdtemp(prefix="tierkv-hash-pool-")
        try:
            args = ["--maxmemory", "1mb", "--maxmemory-policy", "allkeys-lru",
                    "--tier-dir", os.path.join(tier_dir, "tier")]
            count = 20000  # about 3.7 MB of hashes through 1 MB of memory
            with self.server(*args) as srv:
                r = srv.client()
                load(r, count)
                self.assertGreater(r.info("tier")["db_tier_spills"], count // 2)
                for i in range(0, count, 13):
                    self.assertEqual(r.hgetall(key(i)), FIELDS, i)
            # The rest went to the tier when the server stopped.
            with self.server(*args) as srv:
                r = srv.client()
                deadline = time.time() + 30
                while r.info("tier")["db_tier_warmup_running"] and time.time() < deadline:
                    time.sleep(0.05)
                for i in range(0, count, 7):
                    self.assertEqual(r.hgetall(key(i)), FIELDS, i)
        finally:
            shutil.rmtree(tier_dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
