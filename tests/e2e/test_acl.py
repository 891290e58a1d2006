"""Access control end to end: ACL users from the config and at run time,
AUTH and HELLO AUTH, Redis's NOAUTH/WRONGPASS/NOPERM errors, the log of a
failed AUTH, rename-command and the protected path settings."""
import os
import subprocess
import tempfile
import time
import unittest

from resp_client import RespClient, RespError
from tierkv_harness import TierkvServer, server_binary

CONFIG = """
requirepass = "defpw"
users = [
  "alice on >secret ~cache:* +@read +@connection +acl|whoami &news.*",
  "ops on >opspw allkeys allchannels +@all -@dangerous",
]

[rename-command]
FLUSHALL = ""
CONFIG = "CONFIG_b84f"
"""


def write_config(directory, text):
    path = os.path.join(directory, "tierkv.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def error_of(client, *args):
    reply = client.execute(*args, raise_errors=False)
    assert isinstance(reply, RespError), "expected an error from %r, got %r" % (args, reply)
    return str(reply)


class Acl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tierkv-acl-")
        cls.srv = TierkvServer(["--config", write_config(cls.tmp.name, CONFIG)]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)
        cls.tmp.cleanup()

    def connect(self, user=None, password=None):
        c = RespClient(self.srv.port)
        self.addCleanup(c.close)
        if password is not None:
            args = ("AUTH", user, password) if user else ("AUTH", password)
            self.assertEqual(c.execute(*args), "OK")
        return c

    def admin(self):
        return self.connect(None, "defpw")

    def test_noauth_then_auth_as_config_user(self):
        c = self.connect()
        self.assertEqual(error_of(c, "GET", "cache:1"), "NOAUTH Authentication required.")
        self.assertEqual(c.execute("AUTH", "alice", "secret"), "OK")
        self.assertEqual(c.execute("ACL", "WHOAMI"), b"alice")
        self.assertIsNone(c.execute("GET", "cache:1"))
        self.assertEqual(error_of(c, "SET", "cache:1", "v"),
                         "NOPERM this user has no permissions to run the 'set' command")
        self.assertEqual(error_of(c, "GET", "other"),
                         "NOPERM this user has no permissions to access one of the keys used as arguments")
        self.assertEqual(error_of(c, "PUBLISH", "sports", "x"),
                         "NOPERM this user has no permissions to run the 'publish' command")
        self.assertEqual(error_of(c, "MULTI"), "NOPERM this user has no permissions to run the 'multi' command")

    def test_wrong_password_is_refused_and_logged_without_it(self):
        c = self.connect()
        self.assertEqual(error_of(c, "AUTH", "alice", "guess-Xy7"),
                         "WRONGPASS invalid username-password pair or user is disabled.")
        self.assertEqual(error_of(c, "AUTH", "nosuchuser", "guess-Xy7"),
                         "WRONGPASS invalid username-password pair or user is disabled.")
        self.assertEqual(error_of(c, "AUTH", "guess-Xy7"),
                         "WRONGPASS invalid username-password pair or user is disabled.")
        self.assertEqual(error_of(c, "GET", "k"), "NOAUTH Authentication required.")
        deadline = time.time() + 5
        log = ""
        while time.time() < deadline and "nosuchuser" not in log:
            time.sleep(0.05)
            with open(self.srv.log_path) as f:
                log = f.read()
        self.assertIn("AUTH failed for user 'alice'", log)
        self.assertIn("AUTH failed for user 'nosuchuser'", log)
        self.assertIn("AUTH failed for user 'default'", log)
        self.assertIn("127.0.0.1:", log)
        self.assertNotIn("guess-Xy7", log)

    def test_hello_auth(self):
        with RespClient(self.srv.port) as c:
            hello = c.execute("HELLO", "3", "AUTH", "alice", "secret")
            self.assertEqual(hello[b"proto"], 3)
            self.assertEqual(c.execute("ACL", "WHOAMI"), b"alice")
        with RespClient(self.srv.port) as c:
            self.assertEqual(error_of(c, "HELLO", "3", "AUTH", "alice", "bad"),
                             "WRONGPASS invalid username-password pair or user is disabled.")

    def test_categories_and_channels(self):
        ops = self.connect("ops", "opspw")
        self.assertEqual(ops.execute("SET", "k", "v"), "OK")
        self.assertEqual(error_of(ops, "FLUSHDB"), "NOPERM this user has no permissions to run the 'flushdb' command")
        self.assertEqual(error_of(ops, "CONFIG_b84f", "GET", "maxmemory"),
                         "NOPERM this user has no permissions to run the 'config|get' command")
        admin = self.admin()
        self.assertEqual(admin.execute("ACL", "SETUSER", "pub", "on", ">p", "+publish", "&news.*"), "OK")
        pub = self.connect("pub", "p")
        self.assertEqual(pub.execute("PUBLISH", "news.1", "x"), 0)
        self.assertEqual(error_of(pub, "PUBLISH", "sports", "x"),
                         "NOPERM this user has no permissions to access one of the channels used as arguments")

    def test_subscriber_that_loses_the_channel_is_closed(self):
        admin = self.admin()
        self.assertEqual(admin.execute("ACL", "SETUSER", "sub", "on", ">s", "+@pubsub", "&news.*"), "OK")
        sub = self.connect("sub", "s")
        self.assertEqual(error_of(sub, "SUBSCRIBE", "sports"),
                         "NOPERM this user has no permissions to access one of the channels used as arguments")
        self.assertEqual(sub.execute("SUBSCRIBE", "news.1"), [b"subscribe", b"news.1", 1])
        self.assertEqual(admin.execute("PUBLISH", "news.1", "first"), 1)
        self.assertEqual(sub.read(), [b"message", b"news.1", b"first"])
        self.assertEqual(admin.execute("ACL", "SETUSER", "sub", "resetchannels", "&other"), "OK")
        admin.execute("PUBLISH", "news.1", "second")
        with self.assertRaises((ConnectionError, OSError, EOFError)):
            reply = sub.read()
            self.fail("still delivered: %r" % (reply,))

    def test_runtime_changes_apply_to_connected_clients(self):
        admin = self.admin()
        self.assertEqual(admin.execute("ACL", "SETUSER", "temp", "on", ">tpw", "~*", "+get"), "OK")
        self.assertIn(b"user temp on #", b"\n".join(admin.execute("ACL", "LIST")))
        self.assertIn(b"temp", admin.execute("ACL", "USERS"))
        temp = self.connect("temp", "tpw")
        self.assertIsNone(temp.execute("GET", "x"))
        self.assertEqual(error_of(temp, "SET", "x", "1"),
                         "NOPERM this user has no permissions to run the 'set' command")
        self.assertEqual(admin.execute("ACL", "SETUSER", "temp", "+set"), "OK")
        self.assertEqual(temp.execute("SET", "x", "1"), "OK")
        self.assertIn(b"user=temp", admin.execute("CLIENT", "LIST"))
        self.assertEqual(admin.execute("ACL", "DELUSER", "temp"), 1)
        # Redis closes the connections of a deleted user.
        with self.assertRaises((ConnectionError, OSError, EOFError)):
            temp.execute("GET", "x")
            temp.execute("GET", "x")
        self.assertEqual(error_of(admin, "ACL", "DELUSER", "default"), "ERR The 'default' user cannot be removed")

    def test_exec_checks_rules_changed_since_queueing(self):
        admin = self.admin()
        self.assertEqual(admin.execute("ACL", "SETUSER", "tx", "on", ">t", "~*", "+@all"), "OK")
        tx = self.connect("tx", "t")
        self.assertEqual(tx.pipeline([["MULTI"], ["SET", "a", "1"], ["GET", "a"], ["PING"]]),
                         ["OK", "QUEUED", "QUEUED", "QUEUED"])
        self.assertEqual(admin.execute("ACL", "SETUSER", "tx", "-set", "resetkeys", "~b"), "OK")
        prefix = ("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
                  "call. This command is no longer allowed for the following reason: ")
        replies = tx.execute("EXEC")
        self.assertEqual([str(r) for r in replies[:2]],
                         [prefix + "no permission to execute the command or subcommand",
                          prefix + "no permission to touch the specified keys"])
        self.assertEqual(replies[2], "PONG")

    def test_client_kill_user(self):
        admin = self.admin()
        self.connect("alice", "secret")
        self.connect("alice", "secret")
        self.assertEqual(admin.execute("CLIENT", "KILL", "USER", "alice"), 2)
        self.assertEqual(error_of(admin, "CLIENT", "KILL", "USER", "nobody"), "ERR No such user 'nobody'")

    def test_renamed_and_disabled_commands(self):
        admin = self.admin()
        self.assertTrue(error_of(admin, "FLUSHALL").startswith("ERR unknown command 'FLUSHALL'"))
        self.assertTrue(error_of(admin, "CONFIG", "GET", "maxmemory").startswith("ERR unknown command 'CONFIG'"))
        self.assertEqual(admin.execute("CONFIG_b84f", "GET", "maxmemory"), [b"maxmemory", b"0"])
        info = admin.execute("COMMAND", "INFO", "config_b84f", "flushall", "config")
        self.assertEqual(info[0][0], b"config_b84f")
        self.assertEqual(info[1:], [None, None])
        names = admin.execute("COMMAND", "LIST")
        self.assertIn(b"config_b84f|get", names)
        self.assertNotIn(b"flushall", names)
        self.assertNotIn(b"config", names)

    def test_path_settings_are_protected(self):
        admin = self.admin()
        for name in ("tier-dir", "log-file", "pidfile"):
            self.assertEqual(error_of(admin, "CONFIG_b84f", "SET", name, "/tmp/elsewhere"),
                             "ERR CONFIG SET failed (possibly related to argument '%s') - "
                             "can't set protected config" % name)
        self.assertEqual(admin.execute("CONFIG_b84f", "GET", "enable-protected-configs"),
                         [b"enable-protected-configs", b"no"])

    def test_requirepass_is_the_default_users_password(self):
        admin = self.admin()
        self.assertIn(b"user default on #", b"\n".join(admin.execute("ACL", "LIST")))
        self.assertEqual(admin.execute("CONFIG_b84f", "SET", "requirepass", "newpw"), "OK")
        try:
            c = self.connect()
            self.assertEqual(error_of(c, "AUTH", "defpw"),
                             "WRONGPASS invalid username-password pair or user is disabled.")
            self.assertEqual(c.execute("AUTH", "default", "newpw"), "OK")
        finally:
            admin.execute("CONFIG_b84f", "SET", "requirepass", "defpw")


class BadAccessConfig(unittest.TestCase):
    def start(self, text):
        with tempfile.TemporaryDirectory(prefix="tierkv-acl-bad-") as d:
            result = subprocess.run([server_binary(), "--port", "0", "--config", write_config(d, text)],
                                    capture_output=True, text=True, timeout=30)
        return result.returncode, result.stderr

    def test_bad_user_rule_stops_start_up(self):
        code, err = self.start('users = [ "bad on +nosuch" ]\n')
        self.assertEqual(code, 2)
        self.assertIn("bad user rule 'bad on +nosuch'", err)
        self.assertIn("Unknown command or category name in ACL", err)

    def test_rename_of_unknown_command_stops_start_up(self):
        code, err = self.start('[rename-command]\nNOSUCH = "X"\n')
        self.assertEqual(code, 2)
        self.assertIn("rename-command 'NOSUCH'", err)

    def test_users_must_be_strings(self):
        code, err = self.start('users = [ 1 ]\n')
        self.assertEqual(code, 2)
        self.assertIn("'users' must be an array of ACL rule strings", err)


if __name__ == "__main__":
    unittest.main()
