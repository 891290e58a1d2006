#!/usr/bin/python3
"""Concurrency stress test: 8 connections run random mixed commands against
one server (several event loop threads) for a bounded time, then the
counts they kept must match the server's state.

    /usr/bin/python3 tests/stress/stress.py [--seconds N] [--threads N]

The server is $TIERKV_SERVER (else build/tierkv-server). `make test` runs it
against the normal build (ctest's stress.mixed) and against a
ThreadSanitizer build (scripts/run-all-tests.sh); any sanitizer report in
the server's output fails it (tests/e2e/tierkv_harness.py).

Invariants checked:
  - shared counters: INCR/INCRBY/HINCRBY/ZINCRBY totals equal the sum of
    the increments the workers saw acknowledged (some inside MULTI/EXEC);
  - shared lists: length = acknowledged pushes - non-nil pops (LPOP, RPOP,
    BLPOP with a short timeout);
  - a WATCH-guarded counter (read, MULTI, SET +1, EXEC) equals the number
    of EXECs that did not abort: optimistic locking loses no update;
  - each worker's own keys behave exactly like a local model after every
    command (SET/GET/APPEND/DEL/EXISTS/HSET/HGET/HDEL/RENAME/SADD/SISMEMBER);
  - a subscriber receives every message PUBLISH reported delivered to it;
  - no command gets an error reply; the server is alive at the end.
"""
import argparse
import os
import random
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))

from tierkv_harness import TierkvServer  # noqa: E402

WORKERS = 8
COUNTERS = ["ctr:%d" % i for i in range(4)]
LISTS = ["list:%d" % i for i in range(3)]
ZSET = "zset"
HASH = "shared-hash"
WATCHED = "watched"
CHANNEL = "stress-channel"


class Tally:
    """What one worker saw acknowledged, merged at the end."""

    def __init__(self):
        self.counters = {k: 0 for k in COUNTERS}
        self.pushes = {k: 0 for k in LISTS}
        self.pops = {k: 0 for k in LISTS}
        self.hash_incr = 0
        self.zset_incr = {}
        self.watched_wins = 0
        self.published_to_subscriber = 0
        self.ops = 0

    def merge(self, other):
        for k in COUNTERS:
            self.counters[k] += other.counters[k]
        for k in LISTS:
            self.pushes[k] += other.pushes[k]
            self.pops[k] += other.pops[k]
        self.hash_incr += other.hash_incr
        for m, v in other.zset_incr.items():
            self.zset_incr[m] = self.zset_incr.get(m, 0) + v
        self.watched_wins += other.watched_wins
        self.published_to_subscriber += other.published_to_subscriber
        self.ops += other.ops


class Worker:
    def __init__(self, srv, index, deadline, seed):
        self.r = srv.client(socket_timeout=30)
        self.index = index
        self.deadline = deadline
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.model = {}        # own string keys
        self.hmodel = {}       # own hash: field -> value
        self.hkey = self.own("h")  # its name; RENAME moves it between two
        self.smodel = set()    # own set members
        self.failure = None

    def own(self, name):
        return "own:%d:%s" % (self.index, name)

    def check(self, condition, what):
        if not condition:
            raise AssertionError("worker %d: %s" % (self.index, what))

    def run(self):
        try:
            while time.time() < self.deadline:
                self.step()
                self.tally.ops += 1
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.failure = "%s: %s" % (type(e).__name__, e)

    def step(self):
        r, rng, t = self.r, self.rng, self.tally
        op = rng.randrange(17)
        if op == 0:
            k = rng.choice(COUNTERS)
            r.incr(k)  # what it returns depends on the others' INCRBYs (some negative)
            t.counters[k] += 1
        elif op == 1:
            k, by = rng.choice(COUNTERS), rng.randint(-5, 20)
            r.incrby(k, by)
            t.counters[k] += by
        elif op == 2:
            k = rng.choice(LISTS)
            values = ["w%d-%d" % (self.index, rng.randrange(1000)) for _ in range(rng.randint(1, 4))]
            (r.lpush if rng.random() < 0.5 else r.rpush)(k, *values)
            t.pushes[k] += len(values)
        elif op == 3:
            k = rng.choice(LISTS)
            if (r.lpop if rng.random() < 0.5 else r.rpop)(k) is not None:
                t.pops[k] += 1
        elif op == 4:
            k = rng.choice(LISTS)
            if r.blpop([k], timeout=0.01) is not None:
                t.pops[k] += 1
        elif op == 5:
            # A transaction: both effects or none, atomically.
            k, lst = rng.choice(COUNTERS), rng.choice(LISTS)
            with r.pipeline(transaction=True) as p:
                p.incr(k)
                p.rpush(lst, "tx")
                p.execute()
            t.counters[k] += 1
            t.pushes[lst] += 1
        elif op == 6:
            # Optimistic locking: a lost update would show as a counter
            # behind the number of successful EXECs.
            with r.pipeline(transaction=True) as p:
                try:
                    p.watch(WATCHED)
                    value = int(p.get(WATCHED) or 0)
                    p.multi()
                    p.set(WATCHED, value + 1)
                    p.execute()
                    t.watched_wins += 1
                except Exception as e:  # noqa: BLE001
                    if type(e).__name__ != "WatchError":
                        raise
        elif op == 7:
            r.hincrby(HASH, "f%d" % rng.randrange(4), 1)
            t.hash_incr += 1
        elif op == 8:
            m = "m%d" % rng.randrange(6)
            r.zincrby(ZSET, 2, m)
            t.zset_incr[m] = t.zset_incr.get(m, 0) + 2
        elif op == 9:
            k, v = self.own("s%d" % rng.randrange(5)), "v%d" % rng.randrange(100)
            if rng.random() < 0.3:
                # A TTL longer than any run, so the model stays exact; short
                # ones go to keys nobody checks, for expiry to race with.
                self.check(r.set(k, v, px=rng.randint(600000, 900000)), "SET PX")
                r.set("tmp:%d:%d" % (self.index, rng.randrange(50)), v, px=rng.randint(1, 50))
            else:
                self.check(r.set(k, v), "SET")
            self.model[k] = v
        elif op == 10:
            k = self.own("s%d" % rng.randrange(5))
            got = r.get(k)
            self.check(got == (self.model[k].encode() if k in self.model else None),
                       "GET %s = %r, model %r" % (k, got, self.model.get(k)))
        elif op == 11:
            k = self.own("s%d" % rng.randrange(5))
            n = r.append(k, "x")
            self.model[k] = self.model.get(k, "") + "x"
            self.check(n == len(self.model[k]), "APPEND %s -> %r, model %r" % (k, n, self.model[k]))
        elif op == 12:
            k = self.own("s%d" % rng.randrange(5))
            self.check(r.delete(k) == (1 if k in self.model else 0), "DEL %s" % k)
            self.model.pop(k, None)
            self.check(r.exists(k) == 0, "EXISTS after DEL")
        elif op == 13:
            roll = rng.random()
            if roll < 0.1 and self.hmodel:
                # The hash (its block likely in a table's pool) moves to a
                # key that may be in another shard.
                other = self.own("h2") if self.hkey == self.own("h") else self.own("h")
                self.check(r.rename(self.hkey, other), "RENAME")
                self.hkey = other
            elif roll < 0.25 and self.hmodel:
                f = rng.choice(sorted(self.hmodel))
                self.check(r.hdel(self.hkey, f) == 1, "HDEL")
                del self.hmodel[f]
            else:
                f, v = "f%d" % rng.randrange(8), "%d" % rng.randrange(1000)
                added = r.hset(self.hkey, f, v)
                self.check(added == (0 if f in self.hmodel else 1), "HSET new field")
                self.hmodel[f] = v
            g = "f%d" % rng.randrange(8)
            got = r.hget(self.hkey, g)
            self.check(got == (self.hmodel[g].encode() if g in self.hmodel else None), "HGET")
        elif op == 14:
            m = "m%d" % rng.randrange(10)
            if rng.random() < 0.6:
                self.check(r.sadd(self.own("set"), m) == (0 if m in self.smodel else 1), "SADD")
                self.smodel.add(m)
            else:
                self.check(r.srem(self.own("set"), m) == (1 if m in self.smodel else 0), "SREM")
                self.smodel.discard(m)
            self.check(r.scard(self.own("set")) == len(self.smodel), "SCARD")
        elif op == 15:
            # Readers that walk other threads' state.
            choice = rng.randrange(5)
            if choice == 0:
                r.dbsize()
            elif choice == 1:
                r.info()
            elif choice == 2:
                r.client_list()
            elif choice == 3:
                r.scan(0, count=50)
            else:
                r.lrange(rng.choice(LISTS), 0, 10)
        else:
            receivers = r.publish(CHANNEL, "msg")
            self.check(receivers in (0, 1), "PUBLISH reached %r subscribers" % receivers)
            t.published_to_subscriber += receivers


def preload_hashes(r, count=12000):
    """Hashes shaped like the workers' own (1-8 fields f0..f7, values
    0-999): a table moves a listpack block into its node pool once it holds
    256 blocks of that size, and the workers' hashes should be among them."""
    rng = random.Random(7)
    for start in range(0, count, 1000):
        p = r.pipeline(transaction=False)
        for i in range(start, start + 1000):
            fields = {"f%d" % f: rng.randrange(1000) for f in rng.sample(range(8), rng.randint(1, 8))}
            p.hset("fill:%d" % i, mapping=fields)
        p.execute()


def run_stress(seconds, threads):
    # Few shards: more contention, and each shard's table pools block sizes
    # after fewer preloaded hashes.
    with TierkvServer(["--threads", str(threads), "--shards", "4"]) as srv:
        preload_hashes(srv.client(socket_timeout=30))
        # The subscriber: counts what it receives on its own connection.
        sub = srv.client(socket_timeout=30).pubsub()
        sub.subscribe(CHANNEL)
        while sub.get_message(timeout=5) is None:  # the subscribe confirmation
            pass
        received = [0]
        stop = threading.Event()

        def listen():
            while True:
                msg = sub.get_message(timeout=0.2)
                if msg is None:
                    if stop.is_set():
                        return
                    continue
                if msg["type"] == "message":
                    received[0] += 1

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()

        deadline = time.time() + seconds
        workers = [Worker(srv, i, deadline, seed=1000 + i) for i in range(WORKERS)]
        threads_ = [threading.Thread(target=w.run) for w in workers]
        for t in threads_:
            t.start()
        for t in threads_:
            t.join()
        failures = [w.failure for w in workers if w.failure]
        total = Tally()
        for w in workers:
            total.merge(w.tally)

        r = srv.client(socket_timeout=30)
        problems = list(failures)
        for k in COUNTERS:
            got = int(r.get(k) or 0)
            if got != total.counters[k]:
                problems.append("%s = %d, acknowledged increments %d" % (k, got, total.counters[k]))
        for k in LISTS:
            want = total.pushes[k] - total.pops[k]
            if r.llen(k) != want:
                problems.append("LLEN %s = %d, pushes %d - pops %d" % (k, r.llen(k), total.pushes[k], total.pops[k]))
        hash_sum = sum(int(v) for v in r.hvals(HASH))
        if hash_sum != total.hash_incr:
            problems.append("%s sums to %d, HINCRBYs %d" % (HASH, hash_sum, total.hash_incr))
        for m, want in total.zset_incr.items():
            if r.zscore(ZSET, m) != want:
                problems.append("ZSCORE %s %s = %r, want %d" % (ZSET, m, r.zscore(ZSET, m), want))
        watched = int(r.get(WATCHED) or 0)
        if watched != total.watched_wins:
            problems.append("%s = %d, successful EXECs %d" % (WATCHED, watched, total.watched_wins))
        deadline = time.time() + 10
        while received[0] < total.published_to_subscriber and time.time() < deadline:
            time.sleep(0.05)
        stop.set()
        listener.join()
        if received[0] != total.published_to_subscriber:
            problems.append("subscriber got %d messages, PUBLISH delivered %d"
                            % (received[0], total.published_to_subscriber))
        if not srv.alive():
            problems.append("the server died")
        print("stress: %d workers, %d commands in %.0f s on %d server threads"
              % (WORKERS, total.ops, seconds, threads))
        sub.close()
    # Leaving the block stopped the server and checked its output for
    # sanitizer reports (AssertionError if any).
    return problems


class Stress(unittest.TestCase):
    seconds = 15.0
    threads = 4

    def test_mixed_commands_keep_the_invariants(self):
        problems = run_stress(self.seconds, self.threads)
        self.assertEqual(problems, [], "\n".join(problems))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("STRESS_SECONDS", 15)))
    parser.add_argument("--threads", type=int, default=4)
    opts, rest = parser.parse_known_args()
    Stress.seconds, Stress.threads = opts.seconds, opts.threads
    unittest.main(argv=[sys.argv[0]] + rest)
