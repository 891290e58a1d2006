"""Large string values: a reply references the stored value instead of
copying it, and a SET whose value arrives in pieces reads it straight into
the buffer the value keeps. Both must stay invisible to clients: every
reply is the value as it was when its command ran, however the bytes
arrive, and changes after the command never show in a reply in flight."""
import os
import socket
import threading
import time
import unittest

from tierkv_harness import SharedServerTest, TierkvServer, skip_under_sanitizer

MIB = 1024 * 1024


def resp_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(min(1 << 20, n - len(data)))
        if not chunk:
            raise AssertionError("connection closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return bytes(data)


def bulk_reply(value):
    return b"$%d\r\n%s\r\n" % (len(value), value)


class BigValues(SharedServerTest):
    def test_round_trip_of_large_values(self):
        for size in (16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 300 * 1024, 5 * MIB):
            value = os.urandom(size)
            self.assertTrue(self.r.set("k", value))
            self.assertEqual(self.r.get("k"), value, size)
            self.assertEqual(self.r.strlen("k"), size)

    def test_replies_in_flight_keep_the_value_their_command_saw(self):
        old, new = os.urandom(2 * MIB), os.urandom(2 * MIB)
        self.r.set("k", old)
        p = self.r.pipeline(transaction=False)
        p.get("k")
        p.set("k", new)
        p.get("k")
        p.append("k", b"tail")
        p.get("k")
        p.setrange("k", 0, b"HEAD")
        p.get("k")
        p.delete("k")
        p.get("k")
        res = p.execute()
        self.assertEqual(res[0], old)
        self.assertEqual(res[2], new)
        self.assertEqual(res[4], new + b"tail")
        self.assertEqual(res[6], b"HEAD" + new[4:] + b"tail")
        self.assertIsNone(res[8])

    def test_a_reply_not_yet_read_keeps_its_bytes_when_the_value_goes_and_its_pages_are_reused(self):
        # A large value goes to the socket by sendfile: the socket holds
        # references to the value's pages until the client reads them. The
        # value is deleted, and new values of its size take its range of
        # the value file, before the client reads the reply.
        old = os.urandom(MIB)
        self.r.set("k", old)
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * MIB)  # room for the unread reply
            s.connect(("127.0.0.1", self.srv.port))
            s.sendall(resp_command("GET", "k") + resp_command("DEL", "k"))
            deadline = time.time() + 10
            while self.r.exists("k") and time.time() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)  # the reply is written, the value freed
            for i in range(8):
                self.r.set("new:%d" % i, os.urandom(MIB))
            expected = bulk_reply(old) + b":1\r\n"
            self.assertEqual(read_exactly(s, len(expected)), expected)

    def test_copy_shares_until_either_side_changes(self):
        value = os.urandom(MIB)
        self.r.set("a", value)
        self.assertTrue(self.r.copy("a", "b"))
        self.r.append("b", b"!")
        self.r.setrange("a", 0, b"?")
        self.assertEqual(self.r.get("b"), value + b"!")
        self.assertEqual(self.r.get("a"), b"?" + value[1:])

    def test_getdel_getset_getex_and_mget(self):
        one, two = os.urandom(MIB), os.urandom(MIB)
        self.r.set("a", one)
        self.assertEqual(self.r.getset("a", two), one)
        self.assertEqual(self.r.getex("a", ex=100), two)
        self.r.set("b", one)
        self.assertEqual(self.r.mget("a", "b", "missing"), [two, one, None])
        self.assertEqual(self.r.getdel("a"), two)
        self.assertIsNone(self.r.get("a"))
        self.assertEqual(self.r.set("b", two, get=True), one)
        self.assertEqual(self.r.get("b"), two)

    def test_transaction_with_large_values(self):
        value = os.urandom(3 * MIB)
        p = self.r.pipeline(transaction=True)
        p.set("m", value)
        p.get("m")
        p.append("m", b"x")
        p.get("m")
        self.assertEqual(p.execute(), [True, value, 3 * MIB + 1, value + b"x"])

    def test_value_arriving_in_pieces_cut_anywhere(self):
        value = os.urandom(100 * 1024)
        request = resp_command("SET", "slow", value) + resp_command("GET", "slow")
        payload_at = request.index(value)
        payload_end = payload_at + len(value)
        # Cuts inside the header, at the payload's start, inside it, just
        # before and inside its "\r\n", and inside the next command.
        for cuts in ([10, payload_at - 3, payload_at + 5000, payload_end - 1, payload_end + 1, payload_end + 8],
                     [payload_at, payload_end], [payload_end + 1], [3]):
            with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
                start = 0
                for cut in cuts + [len(request)]:
                    s.sendall(request[start:cut])
                    start = cut
                    time.sleep(0.02)
                expected = b"+OK\r\n" + bulk_reply(value)
                self.assertEqual(read_exactly(s, len(expected)), expected, cuts)

    def test_pipeline_of_large_sets_sent_slowly(self):
        values = [os.urandom(200 * 1024 + i) for i in range(5)]
        request = b"".join(resp_command("SET", "p%d" % i, v) for i, v in enumerate(values))
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
            for i in range(0, len(request), 70000):
                s.sendall(request[i:i + 70000])
            self.assertEqual(read_exactly(s, 5 * 5), b"+OK\r\n" * 5)
        self.assertEqual(self.r.mget(["p%d" % i for i in range(5)]), values)

    # While a large value arrives the server asks the kernel to wake it only
    # once a good part of the rest is there (SO_RCVLOWAT). It must still see
    # the last few bytes, the small commands after the value, and a close.
    def test_last_bytes_of_a_large_value_and_small_commands_after_it(self):
        value = os.urandom(3 * MIB)
        request = resp_command("SET", "lw", value)
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
            sent = 0
            for end in (MIB, len(request) - 300, len(request) - 1, len(request)):
                s.sendall(request[sent:end])
                sent = end
                time.sleep(0.1)
            self.assertEqual(read_exactly(s, 5), b"+OK\r\n")
            # One small command at a time, each waiting for its reply.
            for _ in range(3):
                s.sendall(b"PING\r\n")
                self.assertEqual(read_exactly(s, 7), b"+PONG\r\n")
            s.sendall(resp_command("STRLEN", "lw"))
            self.assertEqual(read_exactly(s, 10), b":%d\r\n" % len(value))

    def wait_for_client(self, addr, present):
        """Waits up to 5 s for the client at `addr` to be listed (or not)."""
        deadline = time.time() + 5
        while (addr in self.client_addrs()) != present and time.time() < deadline:
            time.sleep(0.05)
        return addr in self.client_addrs()

    def client_addrs(self):
        return {c["addr"] for c in self.r.client_list()}

    def test_client_gone_in_the_middle_of_a_large_value(self):
        # Found by its address, not by counting clients: another test's
        # connection may still be closing (a count once came out one short).
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        addr = "%s:%d" % s.getsockname()
        s.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\ngone\r\n$%d\r\n" % (4 * MIB) + b"x" * (MIB + 17))
        self.assertTrue(self.wait_for_client(addr, True))
        s.close()
        self.assertFalse(self.wait_for_client(addr, False))
        self.assertIsNone(self.r.get("gone"))

    def test_large_argument_of_other_commands_is_intact(self):
        value = os.urandom(MIB)
        self.r.hset("h", "f", value)
        self.r.rpush("l", value)
        self.assertEqual(self.r.hget("h", "f"), value)
        self.assertEqual(self.r.lindex("l", 0), value)
        self.assertEqual(self.r.echo(value), value)

    def test_readers_and_writers_of_one_large_key(self):
        values = [bytes([i]) * (512 * 1024) for i in range(4)]
        self.r.set("hot", values[0])
        errors = []
        stop = threading.Event()

        def reader():
            c = self.srv.client()
            while not stop.is_set():
                got = c.get("hot")
                if got not in values:
                    errors.append("torn or unknown value of %d bytes" % len(got or b""))

        def writer():
            c = self.srv.client()
            for n in range(200):
                c.set("hot", values[n % 4])

        readers = [threading.Thread(target=reader) for _ in range(3)]
        for t in readers:
            t.start()
        writer()
        stop.set()
        for t in readers:
            t.join()
        self.assertEqual(errors, [])

    def test_query_buffer_limit_counts_a_large_value_read_directly(self):
        self.r.config_set("client-query-buffer-limit", "1mb")
        try:
            with socket.create_connection(("127.0.0.1", self.srv.port), timeout=5) as s:
                s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n")
                try:
                    for _ in range(40):
                        s.sendall(b"x" * 50000)
                except OSError:
                    pass
                s.settimeout(5)
                reply = b""
                try:
                    while True:
                        chunk = s.recv(1000)
                        if not chunk:
                            break
                        reply += chunk
                except (socket.timeout, ConnectionResetError):
                    pass
            self.assertEqual(reply, b"-ERR Protocol error: query buffer limit exceeded\r\n")
        finally:
            self.r.config_set("client-query-buffer-limit", "1gb")
        self.assertIsNone(self.r.get("k"))
        self.assertTrue(self.r.ping())


class AddressSpaceLimitedServer(TierkvServer):
    """A server under `ulimit -v` 16 GiB, which refuses the 256 GiB
    reservation storage::ValuePages makes for large values' pages."""

    def command_line(self):
        return ["prlimit", "--as=%d" % (16 << 30), "--"] + super().command_line()


class BigValuesWithoutValuePages(unittest.TestCase):
    @skip_under_sanitizer(("address", "thread"), "sanitizers reserve more address space than the limit leaves")
    def test_large_values_live_in_malloc_when_the_reservation_is_refused(self):
        with AddressSpaceLimitedServer() as server:
            c = server.client()
            values = {"big%d" % i: os.urandom(MIB + 1000 * i) for i in range(4)}
            for key, value in values.items():
                self.assertTrue(c.set(key, value))
            info = c.info("memory")
            self.assertEqual(info["large_values_memory"], 0)  # none in the memfd's pages...
            self.assertGreater(info["used_memory"], 4 * MIB)  # ...all in malloc's, and counted
            self.assertEqual(c.mget(list(values)), list(values.values()))
            # Copies share and part on change.
            self.assertTrue(c.copy("big0", "copy0"))
            self.assertEqual(c.append("big0", b"tail"), len(values["big0"]) + 4)
            self.assertEqual(c.get("copy0"), values["big0"])
            self.assertEqual(c.get("big0"), values["big0"] + b"tail")
            # A reply references its value until written: in one pipeline the
            # value is replaced and deleted after the GET, before the write.
            new = os.urandom(MIB)
            p = c.pipeline(transaction=False)
            p.get("big1")
            p.set("big1", new)
            p.get("big1")
            p.delete("big1")
            self.assertEqual(p.execute(), [values["big1"], True, new, 1])
            self.assertEqual(c.delete(*values, "copy0"), 4)
            self.assertEqual(c.dbsize(), 0)
            with open(server.log_path, "rb") as f:
                self.assertIn(b"large values are kept in malloc'd memory: mmap failed", f.read())


if __name__ == "__main__":
    unittest.main()
