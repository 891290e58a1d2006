"""Connection commands end to end: HELLO (RESP2/RESP3 maps, NOPROTO, AUTH and
SETNAME options), AUTH with and without --requirepass (NOAUTH, WRONGPASS),
RESET, QUIT and CLIENT ID/SETNAME/GETNAME/SETINFO/LIST/INFO/KILL/NO-EVICT,
across several connections.

redis-py (RESP2) checks the semantics; the raw RESP client checks RESP3
replies and exact bytes.
"""
import socket
import time
import unittest

import redis

from resp_client import RespClient, RespError
from tierkv_harness import TierkvServer

PASSWORD = "s3cret"
NOAUTH_HELLO = ("NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
                "select the RESP protocol version at the same time")


def pairs_to_dict(flat):
    """A RESP2 map (flat array) as a dict with str keys."""
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in zip(flat[::2], flat[1::2])}


class ServerTestCase(unittest.TestCase):
    """One server per test class."""

    server_args = []

    @classmethod
    def setUpClass(cls):
        cls.srv = TierkvServer(cls.server_args).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def assert_error(self, client, message, *args):
        with self.assertRaises(RespError) as cm:
            client.execute(*args)
        self.assertEqual(str(cm.exception), message)


class Hello(ServerTestCase):
    def test_hello_2_is_a_flat_map(self):
        r = self.srv.client()
        fields = pairs_to_dict(r.execute_command("HELLO", 2))
        self.assertEqual(fields["server"], b"tierkv")
        self.assertEqual(fields["version"], b"7.0.15")
        self.assertEqual(fields["proto"], 2)
        self.assertEqual(fields["id"], r.client_id())
        self.assertEqual(fields["mode"], b"standalone")
        self.assertEqual(fields["role"], b"master")
        self.assertEqual(fields["modules"], [])
        self.assertEqual(list(fields), ["server", "version", "proto", "id", "mode", "role", "modules"])

    def test_hello_3_is_a_map_and_switches_protocol(self):
        with RespClient(self.srv.port) as c:
            self.assertTrue(c.raw_reply("HELLO", "3").startswith(b"%7\r\n$6\r\nserver\r\n$6\r\ntierkv\r\n"))
            # The switch applies to the HELLO reply itself and what follows.
            self.assertEqual(c.raw_reply("GET", "no-such-key"), b"_\r\n")
            self.assertEqual(c.execute("HELLO")[b"proto"], 3)
            self.assertEqual(c.execute("HELLO", "2")[4:6], [b"proto", 2])
            self.assertEqual(c.raw_reply("GET", "no-such-key"), b"$-1\r\n")

    def test_hello_3_map_contents(self):
        with RespClient(self.srv.port, protocol=3) as c:
            hello = c.hello
            self.assertEqual(hello[b"proto"], 3)
            self.assertEqual(hello[b"id"], c.execute("CLIENT", "ID"))
            self.assertEqual(hello[b"modules"], [])

    def test_noproto_and_bad_versions(self):
        r = self.srv.client()
        for version in (1, 4, 0, -1):
            with self.assertRaises(redis.ResponseError) as cm:
                r.execute_command("HELLO", version)
            self.assertEqual(str(cm.exception), "NOPROTO unsupported protocol version")
        with RespClient(self.srv.port) as c:
            self.assert_error(c, "ERR Protocol version is not an integer or out of range", "HELLO", "abc")
            self.assert_error(c, "ERR Syntax error in HELLO option 'FOO'", "HELLO", "3", "FOO")
            self.assert_error(c, "ERR Syntax error in HELLO option 'AUTH'", "HELLO", "3", "AUTH", "x")
            # A failed HELLO leaves the protocol as it was.
            self.assertEqual(c.raw_reply("GET", "no-such-key"), b"$-1\r\n")

    def test_hello_setname(self):
        with RespClient(self.srv.port) as c:
            c.execute("HELLO", "3", "SETNAME", "from-hello")
            self.assertEqual(c.execute("CLIENT", "GETNAME"), b"from-hello")
            self.assert_error(c, "ERR Client names cannot contain spaces, newlines or special characters.",
                              "HELLO", "3", "SETNAME", "bad name")


class AuthWithoutPassword(ServerTestCase):
    def test_auth_without_requirepass(self):
        with RespClient(self.srv.port) as c:
            self.assert_error(c, "ERR AUTH <password> called without any password configured for the "
                                 "default user. Are you sure your configuration is correct?", "AUTH", "x")
            # The default user has no password: any password is accepted for it.
            self.assertEqual(c.execute("AUTH", "default", "anything"), "OK")
            self.assert_error(c, "WRONGPASS invalid username-password pair or user is disabled.",
                              "AUTH", "bob", "x")
            self.assert_error(c, "ERR syntax error", "AUTH", "a", "b", "c")


class AuthWithPassword(ServerTestCase):
    server_args = ["--requirepass", PASSWORD]

    def test_noauth_before_auth(self):
        self.assertEqual(self.srv.raw(b"GET k\r\n"), b"-NOAUTH Authentication required.\r\n")
        r = self.srv.client()
        with self.assertRaises(redis.AuthenticationError):
            r.get("k")

    def test_wrongpass_then_ok(self):
        with RespClient(self.srv.port) as c:
            self.assert_error(c, "WRONGPASS invalid username-password pair or user is disabled.", "AUTH", "nope")
            self.assert_error(c, "NOAUTH Authentication required.", "PING")
            self.assertEqual(c.execute("AUTH", PASSWORD), "OK")
            self.assertEqual(c.execute("PING"), "PONG")
        with RespClient(self.srv.port) as c:
            self.assertEqual(c.execute("AUTH", "default", PASSWORD), "OK")
            self.assertEqual(c.execute("PING"), "PONG")

    def test_redis_py_with_password(self):
        r = self.srv.client(password=PASSWORD)
        self.assertTrue(r.set("k", "v"))
        self.assertEqual(r.get("k"), b"v")
        # redis-py 4.3 reports WRONGPASS during its handshake as a ResponseError.
        with self.assertRaises((redis.AuthenticationError, redis.ResponseError)) as cm:
            self.srv.client(password="wrong").ping()
        self.assertIn("WRONGPASS", str(cm.exception))

    def test_hello_needs_auth(self):
        with RespClient(self.srv.port) as c:
            self.assert_error(c, NOAUTH_HELLO, "HELLO", "3")
            self.assert_error(c, "WRONGPASS invalid username-password pair or user is disabled.",
                              "HELLO", "3", "AUTH", "default", "wrong")
            hello = c.execute("HELLO", "3", "AUTH", "default", PASSWORD)
            self.assertEqual(hello[b"proto"], 3)
            self.assertEqual(c.raw_reply("PING"), b"+PONG\r\n")

    def test_quit_and_reset_need_no_auth(self):
        with RespClient(self.srv.port) as c:
            self.assertEqual(c.execute("RESET"), "RESET")
            self.assertEqual(c.execute("QUIT"), "OK")

    def test_reset_logs_out(self):
        with RespClient(self.srv.port) as c:
            c.execute("AUTH", PASSWORD)
            self.assertEqual(c.execute("RESET"), "RESET")
            self.assert_error(c, "NOAUTH Authentication required.", "PING")


class Reset(ServerTestCase):
    def test_reset_restores_connection_state(self):
        with RespClient(self.srv.port, protocol=3) as c:
            c.execute("SELECT", "3")
            c.execute("CLIENT", "SETNAME", "named")
            c.execute("CLIENT", "NO-EVICT", "on")
            self.assertEqual(c.raw_reply("RESET"), b"+RESET\r\n")
            self.assertIsNone(c.execute("CLIENT", "GETNAME"))
            self.assertEqual(c.raw_reply("GET", "x"), b"$-1\r\n")  # back to RESP2
            info = c.execute("CLIENT", "INFO").decode()
            self.assertIn(" db=0 ", info)
            self.assertIn(" flags=N ", info)
            self.assertIn(" resp=2 ", info)

    def test_quit_closes(self):
        with socket.create_connection(("127.0.0.1", self.srv.port)) as s:
            s.sendall(b"QUIT\r\nPING\r\n")
            data = b""
            while True:
                chunk = s.recv(1024)
                if not chunk:
                    break
                data += chunk
        self.assertEqual(data, b"+OK\r\n")


class Client(ServerTestCase):
    def test_id_is_unique_and_stable(self):
        a, b = self.srv.client(), self.srv.client()
        self.assertNotEqual(a.client_id(), b.client_id())
        self.assertEqual(a.client_id(), a.client_id())

    def test_setname_getname(self):
        r = self.srv.client()
        self.assertIsNone(r.client_getname())
        self.assertTrue(r.client_setname("worker-1"))
        self.assertEqual(r.client_getname(), "worker-1")
        for bad in ("a b", "a\nb", "caf\u00e9"):
            with self.assertRaises(redis.ResponseError) as cm:
                r.client_setname(bad)
            self.assertEqual(str(cm.exception), "Client names cannot contain spaces, newlines or special characters.")
        r.client_setname("")
        self.assertIsNone(r.client_getname())

    def test_list_shows_every_connection(self):
        a, b = self.srv.client(), self.srv.client()
        a.client_setname("alpha")
        b.client_setname("beta")
        clients = {c["name"]: c for c in a.client_list()}
        self.assertIn("alpha", clients)
        self.assertIn("beta", clients)
        alpha = clients["alpha"]
        self.assertEqual(int(alpha["id"]), a.client_id())
        self.assertEqual(alpha["cmd"], "client|list")
        self.assertEqual(clients["beta"]["cmd"], "client|setname")
        self.assertEqual(alpha["laddr"], "127.0.0.1:%d" % self.srv.port)
        for field in ("addr", "fd", "age", "idle", "flags", "db", "sub", "psub", "multi", "qbuf", "omem",
                      "tot-mem", "events", "user", "redir", "resp", "lib-name", "lib-ver"):
            self.assertIn(field, alpha)
        line = a.execute_command("CLIENT", "LIST").decode()
        self.assertTrue(line.endswith("\n"))
        self.assertRegex(line.splitlines()[0], r"^id=\d+ addr=127\.0\.0\.1:\d+ laddr=\S+ fd=\d+ name=\S* age=\d+ "
                                               r"idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=\d+ ")

    def test_list_filters(self):
        a, b = self.srv.client(), self.srv.client()
        b_id = b.client_id()
        only_b = a.execute_command("CLIENT", "LIST", "ID", b_id, 999999).decode()
        self.assertEqual(len(only_b.splitlines()), 1)
        self.assertIn("id=%d " % b_id, only_b)
        self.assertEqual(a.execute_command("CLIENT", "LIST", "TYPE", "pubsub"), b"")
        self.assertIn(b"id=%d " % b_id, a.execute_command("CLIENT", "LIST", "TYPE", "normal"))
        with RespClient(self.srv.port) as c:
            self.assert_error(c, "ERR Unknown client type 'foo'", "CLIENT", "LIST", "TYPE", "foo")
            self.assert_error(c, "ERR Invalid client ID", "CLIENT", "LIST", "ID", "abc")
            self.assert_error(c, "ERR syntax error", "CLIENT", "LIST", "FOO")

    def test_info_is_own_line_and_verbatim_in_resp3(self):
        with RespClient(self.srv.port, protocol=3) as c:
            my_id = c.execute("CLIENT", "ID")
            raw = c.raw_reply("CLIENT", "INFO")
            self.assertTrue(raw.startswith(b"="))
            self.assertIn(b"txt:id=%d " % my_id, raw)
            self.assertIn(b" cmd=client|info ", raw)
            self.assertIn(b" resp=3 ", raw)
            self.assertTrue(c.raw_reply("CLIENT", "LIST").startswith(b"="))

    def test_kill_by_id_closes_the_other_connection(self):
        killer = self.srv.client()
        with RespClient(self.srv.port) as victim:
            victim_id = victim.execute("CLIENT", "ID")
            self.assertEqual(killer.execute_command("CLIENT", "KILL", "ID", victim_id), 1)
            self.assert_closed(victim)
        ids = [int(c["id"]) for c in killer.client_list()]
        self.assertNotIn(victim_id, ids)
        self.assertEqual(killer.execute_command("CLIENT", "KILL", "ID", victim_id), 0)

    def test_kill_by_addr_old_and_new_forms(self):
        killer = self.srv.client()
        with RespClient(self.srv.port) as victim:
            addr = victim.execute("CLIENT", "INFO").decode().split(" addr=")[1].split(" ")[0]
            self.assertEqual(killer.execute_command("CLIENT", "KILL", addr), b"OK")
            self.assert_closed(victim)
        with RespClient(self.srv.port) as victim:
            addr = victim.execute("CLIENT", "INFO").decode().split(" addr=")[1].split(" ")[0]
            self.assertEqual(killer.execute_command("CLIENT", "KILL", "ADDR", addr, "SKIPME", "yes"), 1)
            self.assert_closed(victim)
        with self.assertRaises(redis.ResponseError) as cm:
            killer.execute_command("CLIENT", "KILL", "10.0.0.1:1")
        self.assertEqual(str(cm.exception), "No such client")

    def test_kill_self_replies_then_closes(self):
        with RespClient(self.srv.port) as c:
            my_id = c.execute("CLIENT", "ID")
            self.assertEqual(c.execute("CLIENT", "KILL", "ID", str(my_id)), 0)  # SKIPME yes by default
            self.assertEqual(c.execute("CLIENT", "KILL", "ID", str(my_id), "SKIPME", "no"), 1)
            self.assert_closed(c)

    def test_kill_errors(self):
        with RespClient(self.srv.port) as c:
            self.assert_error(c, "ERR client-id should be greater than 0", "CLIENT", "KILL", "ID", "0")
            self.assert_error(c, "ERR syntax error", "CLIENT", "KILL", "ID", "1", "TYPE")
            self.assert_error(c, "ERR No such user 'bob'", "CLIENT", "KILL", "USER", "bob")
            self.assert_error(c, "ERR Unknown client type 'x'", "CLIENT", "KILL", "TYPE", "x")
            self.assertEqual(c.execute("CLIENT", "KILL", "TYPE", "master"), 0)

    def test_setinfo_no_evict_no_touch(self):
        with RespClient(self.srv.port) as c:
            self.assertEqual(c.execute("CLIENT", "SETINFO", "LIB-NAME", "mylib"), "OK")
            self.assertEqual(c.execute("CLIENT", "SETINFO", "lib-ver", "1.2.3"), "OK")
            self.assert_error(c, "ERR Unrecognized option 'foo'", "CLIENT", "SETINFO", "foo", "x")
            self.assert_error(c, "ERR lib-name cannot contain spaces, newlines or special characters.",
                              "CLIENT", "SETINFO", "lib-name", "a b")
            self.assertEqual(c.execute("CLIENT", "NO-EVICT", "on"), "OK")
            self.assertEqual(c.execute("CLIENT", "NO-TOUCH", "ON"), "OK")
            self.assert_error(c, "ERR syntax error", "CLIENT", "NO-EVICT", "maybe")
            info = c.execute("CLIENT", "INFO").decode()
            self.assertIn(" flags=eT ", info)
            self.assertTrue(info.rstrip("\n").endswith(" lib-name=mylib lib-ver=1.2.3"))

    def test_subcommand_errors_and_help(self):
        with RespClient(self.srv.port) as c:
            self.assert_error(c, "ERR wrong number of arguments for 'client' command", "CLIENT")
            self.assert_error(c, "ERR unknown subcommand 'FOO'. Try CLIENT HELP.", "CLIENT", "FOO")
            self.assert_error(c, "ERR wrong number of arguments for 'client|setname' command", "CLIENT", "SETNAME")
            help_lines = c.execute("CLIENT", "HELP")
            self.assertTrue(help_lines[0].startswith("CLIENT <subcommand>"))
            self.assertEqual(help_lines[-2:], ["HELP", "    Prints this help."])

    def assert_closed(self, client):
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                client.execute("PING")
            except (ConnectionError, OSError):
                return
            time.sleep(0.05)
        self.fail("connection still open")


if __name__ == "__main__":
    unittest.main()
