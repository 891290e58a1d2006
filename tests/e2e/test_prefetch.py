"""Pipelines over a dataset large enough that the server prefetches the
table entries of the commands buffered ahead (Connection::prefetch_keys_ahead,
from 4 MB of data on). The look-ahead must never change a reply: the same
bytes sent to tierkv and to redis-server, whole or cut at random points,
get byte-identical replies, across database switches, inline commands,
unknown commands and wrong arities in the middle of the pipeline."""
import random
import socket
import unittest

from resp_client import encode_command
from tierkv_harness import RedisServer, TierkvServer

KEYS = 60000
VALUE = b"v" * 120


def resp(*args):
    return encode_command(args)


def load(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        batch = b"".join(resp("SET", "key:%06d" % i, VALUE) for i in range(KEYS))
        s.sendall(batch)
        want = b"+OK\r\n" * KEYS
        got = bytearray()
        while len(got) < len(want):
            got += s.recv(1 << 20)
        assert bytes(got) == want


def pipeline(rng):
    """Mixed commands on present and missing keys, in two databases."""
    out = []
    for n in range(600):
        k = "key:%06d" % rng.randrange(KEYS * 2)  # half of them missing
        pick = rng.randrange(19)
        if pick < 5:
            out.append(resp("GET", k))
        elif pick == 5:
            out.append(resp("SET", k, "new-%d" % n))
        elif pick == 6:
            out.append(resp("DEL", k))
        elif pick == 7:
            out.append(resp("MGET", k, "key:%06d" % rng.randrange(KEYS), "nokey"))
        elif pick == 8:
            out.append(resp("SELECT", rng.choice([0, 1])))
        elif pick == 9:
            out.append(resp("INCR", "counter:%d" % rng.randrange(5)))
        elif pick == 10:
            out.append(resp("APPEND", k, "+"))
        elif pick == 11:
            out.append(("GET %s\r\n" % k).encode())  # inline
        elif pick == 12:
            out.append(resp("NOSUCHCOMMAND", k))
        elif pick == 13:
            out.append(resp("GET", k, "extra"))  # wrong arity
        elif pick == 14:
            out.append(resp("EXISTS", k, "key:%06d" % rng.randrange(KEYS)))
        elif pick == 15:
            out.append(resp("MULTI") + resp("SET", k, "in-multi") + resp("GET", k) + resp("EXEC"))
        elif pick == 16:
            # Over 16 KiB: read straight into the value's buffer when cut.
            big = "big:%d" % rng.randrange(4)
            out.append(resp("SET", big, ("%d" % n) * 9000) + resp("STRLEN", big) + resp("GETRANGE", big, 0, 20))
        elif pick == 17:
            out.append(resp("RPUSH", "list:a", n) + resp("BLPOP", "list:a", 0))  # served at once
        else:
            out.append(resp("PING"))
    out.append(resp("SELECT", 0))
    return b"".join(out)


def replies(port, data, cuts, rng):
    """Sends `data` in `cuts` pieces and reads until the replies stop."""
    with socket.create_connection(("127.0.0.1", port), timeout=2.0) as s:
        points = sorted(rng.sample(range(1, len(data)), cuts - 1)) if cuts > 1 else []
        start = 0
        for p in points + [len(data)]:
            s.sendall(data[start:p])
            start = p
        s.sendall(resp("ECHO", "end-of-pipeline"))
        got = bytearray()
        while not got.endswith(b"$15\r\nend-of-pipeline\r\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                raise AssertionError("connection closed")
            got += chunk
        return bytes(got)


class Prefetch(unittest.TestCase):
    def test_pipelines_over_a_large_dataset_reply_as_redis_does(self):
        with TierkvServer(["--threads", "2"]) as tk, RedisServer() as rd:
            load(tk.port)
            load(rd.port)
            dataset = int(tk.client().info("memory")["used_memory_dataset"])
            self.assertGreater(dataset, 4 << 20, "too small a dataset: nothing would be prefetched")
            for seed in range(6):
                rng = random.Random(seed)
                data = pipeline(rng)
                cuts = 1 if seed % 2 == 0 else rng.randrange(2, 60)
                ours = replies(tk.port, data, cuts, random.Random(seed))
                theirs = replies(rd.port, data, cuts, random.Random(seed))
                self.assertEqual(ours, theirs, "seed %d, %d pieces" % (seed, cuts))
            self.assertEqual(tk.client().dbsize(), rd.client().dbsize())

    def test_a_protocol_error_behind_parsed_commands_answers_them_first(self):
        with TierkvServer() as tk, RedisServer() as rd:
            load(tk.port)
            load(rd.port)
            rng = random.Random(42)
            data = pipeline(rng) + b"*1\r\n$-5\r\n" + resp("GET", "key:000001")
            got = []
            for port in (tk.port, rd.port):
                with socket.create_connection(("127.0.0.1", port), timeout=2.0) as s:
                    s.sendall(data)
                    buf = bytearray()
                    while True:
                        chunk = s.recv(1 << 20)
                        if not chunk:
                            break
                        buf += chunk
                    got.append(bytes(buf))
            self.assertTrue(got[0].endswith(b"-ERR Protocol error: invalid bulk length\r\n"), got[0][-80:])
            self.assertEqual(got[0], got[1])


if __name__ == "__main__":
    unittest.main()
