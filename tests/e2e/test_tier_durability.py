"""Durability of writes not yet spilled, after kill -9: with `always` no
acknowledged write is lost, with `everysec` none older than about a second,
and with any setting the tier opens again uncorrupted."""
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest

import redis

from tierkv_harness import TierkvServer


class Durability(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tierkv-durability-")
        self.tier_dir = os.path.join(self.dir, "tier")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def server(self, durability, extra=()):
        return TierkvServer(["--threads", "2", "--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru",
                             "--tier-dir", self.tier_dir, "--durability", durability] + list(extra))

    def write_until_killed(self, srv, seconds):
        """Clients SET (and DEL) under load; srv is killed with SIGKILL after
        `seconds`. Returns ({key: value or None} for every acknowledged
        write, {key: value or None} for the write each client had in flight,
        which may or may not have been applied)."""
        acked = {}
        in_flight = {}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(worker):
            r = redis.Redis(port=srv.port, socket_timeout=5)
            i = 0

            def do(key, value):
                with lock:
                    in_flight[worker] = (key, value)
                if value is None:
                    r.delete(key)
                else:
                    r.set(key, value)
                with lock:
                    acked[key] = value
                    del in_flight[worker]

            try:
                while not stop.is_set():
                    if worker == 0 and i % 10 == 9:
                        do("w0:%d" % (i - 5), None)  # deletions must survive too
                    do("w%d:%d" % (worker, i), b"%d-%d-" % (worker, i) + b"x" * 500)
                    i += 1
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
                pass  # the server died: the write in flight was not acknowledged

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait()
        stop.set()
        for t in threads:
            t.join()
        return acked, dict(in_flight.values())

    def check_all_there(self, r, acked, in_flight=None):
        in_flight = in_flight or {}
        keys = sorted(acked)
        missing = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for key, value in zip(chunk, r.mget(chunk)):
                # A write the client never saw acknowledged may have landed.
                if value != acked[key] and not (key in in_flight and value == in_flight[key]):
                    missing.append(key)
        self.assertEqual(missing[:10], [], "%d of %d acknowledged writes lost" % (len(missing), len(keys)))

    def test_always_loses_no_acknowledged_write_after_kill_9(self):
        with self.server("always") as srv:
            acked, in_flight = self.write_until_killed(srv, 2.0)
        self.assertGreater(len(acked), 500)
        with self.server("always") as srv:
            self.check_all_there(srv.client(), acked, in_flight)

    def test_always_refuses_writes_it_cannot_keep(self):
        """On a full disk, durability always acknowledges nothing it could not
        sync: writes get -MISCONF (or the connection closes for a write that
        was waiting), and reads go on."""
        mount_point = os.path.join(self.dir, "small")
        os.mkdir(mount_point)
        outer = self

        class SmallDisk(TierkvServer):
            def command_line(inner):
                cmd = " ".join("'%s'" % a for a in TierkvServer.command_line(inner))
                return ["unshare", "-m", "sh", "-c",
                        "mount -t tmpfs -o size=16m tmpfs '%s' && exec %s" % (mount_point, cmd)]

        rng = __import__("random").Random(3)
        payload = bytes(rng.getrandbits(8) for _ in range(4000))
        with SmallDisk(["--maxmemory", "64mb", "--tier-dir", os.path.join(mount_point, "tier"),
                        "--durability", "always"]) as srv:
            r = redis.Redis(port=srv.port, socket_timeout=10)
            acked = []
            refusal = None
            for i in range(40000):
                try:
                    r.set("k:%d" % i, payload[i % 3000:][:1000])
                    acked.append(i)
                except redis.exceptions.ResponseError as e:
                    refusal = str(e)
                    break
                except redis.exceptions.ConnectionError:
                    refusal = "closed"
                    r = redis.Redis(port=srv.port, socket_timeout=10)
                    break
            outer.assertIsNotNone(refusal, "the 16 MB disk never filled up")
            if refusal != "closed":
                outer.assertTrue(refusal.startswith("MISCONF Errors writing to the tier"), refusal)
            with outer.assertRaises(redis.exceptions.ResponseError) as err:
                r.set("after", "full")
            outer.assertIn("MISCONF", str(err.exception))
            sample = acked[::250] + acked[-5:]
            outer.assertEqual([v is not None for v in r.mget(["k:%d" % i for i in sample])], [True] * len(sample))

    def test_everysec_keeps_writes_older_than_a_second(self):
        with self.server("everysec") as srv:
            r = srv.client()
            for i in range(3000):
                r.set("e:%d" % i, "v%d" % i)
            # Changes in another database are written through too.
            r.set("moved", "m")
            self.assertTrue(r.move("moved", 1))
            r.set("copied", "c")
            self.assertEqual(r.execute_command("COPY", "copied", "copy", "DB", "2"), 1)
            time.sleep(1.5)  # at least one WAL sync since the last write
            os.kill(srv.proc.pid, signal.SIGKILL)
            srv.proc.wait()
        with self.server("everysec") as srv:
            r = srv.client()
            self.assertEqual(r.mget(["e:%d" % i for i in range(3000)]), [b"v%d" % i for i in range(3000)])
            self.assertEqual(r.dbsize(), 3001)  # and "copied"
            self.assertIsNone(r.get("moved"))
            self.assertEqual(redis.Redis(port=srv.port, db=1).get("moved"), b"m")
            self.assertEqual(redis.Redis(port=srv.port, db=2).get("copy"), b"c")

    def test_none_keeps_spilled_keys_and_the_tier_opens_after_kill_9(self):
        with self.server("none") as srv:
            r = srv.client()
            for start in range(0, 12000, 500):
                p = r.pipeline(transaction=False)
                for i in range(start, start + 500):
                    p.set("n:%d" % i, b"v" * 1000)
                p.execute()
            deadline = time.time() + 10
            while time.time() < deadline and int(r.info("tier")["db_tier_pending_writes"]) > 0:
                time.sleep(0.05)
            spilled = int(r.info("tier")["db_tier_keys"])
            self.assertGreater(spilled, 5000)
            os.kill(srv.proc.pid, signal.SIGKILL)
            srv.proc.wait()
        with self.server("none") as srv:
            r = srv.client()
            values = r.mget(["n:%d" % i for i in range(12000)])
            self.assertGreaterEqual(sum(1 for v in values if v == b"v" * 1000), spilled)
            r.set("after", "crash")
            self.assertEqual(r.get("after"), b"crash")


if __name__ == "__main__":
    unittest.main()
