"""Server commands end to end: INFO (sections, fields, redis-py's parser,
RESP3 verbatim), DBSIZE, FLUSHDB/FLUSHALL (SYNC and ASYNC), CONFIG
GET/SET/RESETSTAT, TIME, COMMAND (COUNT, LIST, INFO, DOCS, GETKEYS) and
SHUTDOWN; then Redis's own tools against tierkv: `redis-cli --stat` and
redis-benchmark.
"""
import shutil
import subprocess
import time
import unittest

import redis

from resp_client import RespClient, RespError, RespSet
from tierkv_harness import TierkvServer, SharedServerTest


class ServerTestCase(SharedServerTest):
    """One server for the class; every test starts from FLUSHALL."""

    server_args = ["--threads", "2"]

    def setUp(self):
        super().setUp()
        self.c = RespClient(self.srv.port)  # undecoded replies (redis-py parses some commands' replies)

    def tearDown(self):
        self.r.close()
        self.c.close()

    def assert_error(self, message, *args):
        with RespClient(self.srv.port) as c:
            with self.assertRaises(RespError) as cm:
                c.execute(*args)
        self.assertEqual(str(cm.exception), message)


class Info(ServerTestCase):
    def test_default_fields_parse(self):
        info = self.r.info()
        self.assertEqual(info["redis_version"], "7.0.15")
        self.assertIn("tierkv_version", info)
        self.assertEqual(info["redis_mode"], "standalone")
        self.assertEqual(info["process_id"], self.srv.proc.pid)
        self.assertEqual(info["tcp_port"], self.srv.port)
        self.assertEqual(info["arch_bits"], 64)
        self.assertEqual(len(info["run_id"]), 40)
        self.assertGreaterEqual(info["uptime_in_seconds"], 0)
        self.assertEqual(info["uptime_in_days"], 0)
        self.assertEqual(info["hz"], 10)
        self.assertTrue(info["executable"].endswith("tierkv-server"))
        self.assertGreaterEqual(info["connected_clients"], 1)
        self.assertEqual(info["blocked_clients"], 0)
        self.assertEqual(info["maxclients"], 10000)
        self.assertGreater(info["used_memory"], 0)
        self.assertGreater(info["used_memory_rss"], 0)
        self.assertGreaterEqual(info["used_memory_peak"], info["used_memory"])
        self.assertEqual(info["maxmemory"], 0)
        self.assertEqual(info["maxmemory_human"], "0B")
        self.assertEqual(info["maxmemory_policy"], "noeviction")
        self.assertIsInstance(info["mem_fragmentation_ratio"], float)
        self.assertEqual(info["loading"], 0)
        self.assertEqual(info["aof_enabled"], 0)
        self.assertEqual(info["rdb_changes_since_last_save"], 0)
        for field in ("total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
                      "total_net_input_bytes", "total_net_output_bytes", "rejected_connections", "expired_keys",
                      "evicted_keys", "keyspace_hits", "keyspace_misses", "total_error_replies"):
            self.assertIsInstance(info[field], int, field)
        self.assertEqual(info["role"], "master")
        self.assertEqual(info["connected_slaves"], 0)
        self.assertIsInstance(info["used_cpu_sys"], float)
        self.assertIsInstance(info["used_cpu_user"], float)

    def test_text_layout(self):
        text = self.c.execute("INFO").decode()
        self.assertTrue(text.startswith("# Server\r\nredis_version:7.0.15\r\n"))
        self.assertTrue(text.endswith("\r\n"))
        self.assertNotIn("\r\n\r\n\r\n", text)
        self.assertNotIn("\n", text.replace("\r\n", ""))
        headers = [line for line in text.split("\r\n") if line.startswith("#")]
        self.assertEqual(headers, ["# Server", "# Clients", "# Memory", "# Persistence", "# Stats",
                                   "# Replication", "# CPU", "# Modules", "# Errorstats", "# Cluster",
                                   "# Keyspace"])
        # As Redis 7: commandstats and latencystats only in "all", "everything" or by name;
        # so is tierkv's own tier section.
        text = self.c.execute("INFO", "all").decode()
        headers = [line for line in text.split("\r\n") if line.startswith("#")]
        self.assertEqual(headers, ["# Server", "# Clients", "# Memory", "# Persistence", "# Stats",
                                   "# Replication", "# CPU", "# Modules", "# Commandstats", "# Errorstats",
                                   "# Latencystats", "# Cluster", "# Tier", "# Keyspace"])

    def test_sections(self):
        server = self.r.info("server")
        self.assertIn("redis_version", server)
        self.assertNotIn("connected_clients", server)
        both = self.c.execute("INFO", "SERVER", "clients").decode()
        self.assertIn("# Server\r\n", both)
        self.assertIn("\r\n\r\n# Clients\r\n", both)
        self.assertNotIn("# Memory", both)
        for word in ("all", "everything", "default"):
            self.assertIn("# Keyspace", self.c.execute("INFO", word).decode())
        self.assertEqual(self.srv.raw(b"INFO no-such-section\r\n"), b"$0\r\n\r\n")

    def test_keyspace_lines(self):
        self.assertEqual(self.r.info("keyspace"), {})
        self.r.set("a", 1)
        self.r.set("b", 2, ex=100)
        with RespClient(self.srv.port) as c:
            c.execute("SELECT", "3")
            c.execute("SET", "c", "3")
        keyspace = self.r.info("keyspace")
        self.assertEqual(keyspace["db0"], {"keys": 2, "expires": 1, "avg_ttl": 0})
        self.assertEqual(keyspace["db3"], {"keys": 1, "expires": 0, "avg_ttl": 0})
        self.assertNotIn("db1", keyspace)

    def test_resp3_verbatim(self):
        with RespClient(self.srv.port, protocol=3) as c:
            raw = c.raw_reply("INFO", "server")
            self.assertTrue(raw.startswith(b"="))
            self.assertIn(b"\r\ntxt:# Server\r\n", raw)

    def test_counters_move(self):
        before = self.r.info("stats")
        self.r.set("hit", 1)
        self.r.get("hit")
        self.r.get("miss")
        with self.assertRaises(redis.ResponseError):
            self.r.execute_command("NO-SUCH-COMMAND")
        after = self.r.info("stats")
        self.assertGreaterEqual(after["total_commands_processed"], before["total_commands_processed"] + 4)
        self.assertEqual(after["keyspace_hits"], before["keyspace_hits"] + 1)
        self.assertEqual(after["keyspace_misses"], before["keyspace_misses"] + 1)
        self.assertEqual(after["total_error_replies"], before["total_error_replies"] + 1)
        self.assertGreater(after["total_net_input_bytes"], before["total_net_input_bytes"])

    def test_instantaneous_ops(self):
        with RespClient(self.srv.port) as c:
            deadline = time.time() + 1.0
            while time.time() < deadline:
                c.pipeline([("PING",)] * 200)
        self.assertGreater(self.r.info("stats")["instantaneous_ops_per_sec"], 0)

    def test_resetstat(self):
        self.r.get("miss")
        self.assertEqual(self.r.config_resetstat(), True)
        stats = self.r.info("stats")
        self.assertEqual(stats["keyspace_misses"], 0)
        self.assertLessEqual(stats["total_commands_processed"], 2)
        self.assertEqual(stats["total_error_replies"], 0)


class DbsizeFlush(ServerTestCase):
    def fill(self, db, count):
        with RespClient(self.srv.port) as c:
            c.execute("SELECT", str(db))
            c.pipeline([("SET", "key:%d" % i, "v") for i in range(count)])

    def dbsize(self, db):
        with RespClient(self.srv.port) as c:
            c.execute("SELECT", str(db))
            return c.execute("DBSIZE")

    def test_dbsize_per_database(self):
        self.fill(0, 10)
        self.fill(1, 3)
        self.assertEqual(self.dbsize(0), 10)
        self.assertEqual(self.dbsize(1), 3)
        self.assertEqual(self.dbsize(2), 0)

    def test_flushdb_only_current(self):
        self.fill(0, 10)
        self.fill(1, 3)
        with RespClient(self.srv.port) as c:
            c.execute("SELECT", "1")
            self.assertEqual(c.execute("FLUSHDB"), "OK")
        self.assertEqual(self.dbsize(0), 10)
        self.assertEqual(self.dbsize(1), 0)

    def test_flushall_async_large(self):
        self.fill(0, 20000)
        self.fill(5, 20000)
        self.assertEqual(self.c.execute("FLUSHALL", "ASYNC"), "OK")
        self.assertEqual(self.dbsize(0), 0)
        self.assertEqual(self.dbsize(5), 0)
        self.assertTrue(self.r.ping())
        self.r.set("after", 1)
        self.assertEqual(self.r.get("after"), b"1")

    def test_flush_modes_and_errors(self):
        for args in (("FLUSHALL", "SYNC"), ("flushall", "async"), ("FLUSHDB", "sync"), ("FLUSHDB", "ASYNC")):
            self.fill(0, 5)
            self.assertEqual(self.c.execute(*args), "OK")
            self.assertEqual(self.dbsize(0), 0)
        self.assert_error("ERR syntax error", "FLUSHALL", "FOO")
        self.assert_error("ERR syntax error", "FLUSHDB", "SYNC", "ASYNC")
        self.assert_error("ERR wrong number of arguments for 'dbsize' command", "DBSIZE", "x")


class ConfigCommand(ServerTestCase):
    def test_get_glob(self):
        found = self.r.config_get("max*")
        self.assertEqual(found["maxclients"], "10000")
        self.assertEqual(found["maxmemory"], "0")
        self.assertEqual(found["maxmemory-policy"], "noeviction")
        self.assertTrue(all(name.startswith("max") for name in found))
        self.assertEqual(self.r.config_get("no-such-*"), {})
        self.assertEqual(self.r.config_get("databa?es"), {"databases": "16"})
        self.assertIn("port", self.r.config_get("*"))
        # An exact name is replied as it was asked.
        self.assertEqual(self.r.config_get("MaxClients"), {"MaxClients": "10000"})
        both = self.c.execute("CONFIG", "GET", "timeout", "databases", "timeout")
        self.assertEqual(sorted(both[::2]), [b"databases", b"timeout"])

    def test_get_resp3_map(self):
        with RespClient(self.srv.port, protocol=3) as c:
            self.assertEqual(c.execute("CONFIG", "GET", "timeout"), {b"timeout": b"0"})
            self.assertEqual(c.raw_reply("CONFIG", "GET", "nosuch"), b"%0\r\n")

    def test_set_round_trip(self):
        try:
            self.assertTrue(self.r.config_set("maxclients", "500"))
            self.assertEqual(self.r.config_get("maxclients"), {"maxclients": "500"})
            self.assertEqual(self.r.info("clients")["maxclients"], 500)
            self.assertEqual(self.c.execute("CONFIG", "SET", "timeout", "30", "maxmemory", "1mb"), "OK")
            self.assertEqual(self.r.config_get("timeout")["timeout"], "30")
            self.assertEqual(self.r.config_get("maxmemory")["maxmemory"], "1048576")
        finally:
            self.r.execute_command("CONFIG", "SET", "maxclients", "10000", "timeout", "0", "maxmemory", "0")

    def test_set_is_all_or_nothing(self):
        self.assert_error("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't "
                          "be parsed into an integer", "CONFIG", "SET", "timeout", "30", "maxclients", "many")
        self.assertEqual(self.r.config_get("timeout")["timeout"], "0")

    def test_set_errors(self):
        self.assert_error("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
                          "CONFIG", "SET", "nosuch", "1")
        self.assert_error("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
                          "immutable config", "CONFIG", "SET", "databases", "4")
        self.assert_error("ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter",
                          "CONFIG", "SET", "timeout", "1", "timeout", "2")
        self.assert_error("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be "
                          "between 0 and 2147483647 inclusive", "CONFIG", "SET", "timeout", "-1")
        self.assert_error("ERR syntax error", "CONFIG", "SET", "timeout", "0", "maxmemory")
        self.assert_error("ERR wrong number of arguments for 'config|set' command", "CONFIG", "SET", "timeout")
        self.assert_error("ERR unknown subcommand 'FOO'. Try CONFIG HELP.", "CONFIG", "FOO")

    def test_requirepass_at_runtime(self):
        try:
            self.r.config_set("requirepass", "pw")
            self.assertEqual(self.srv.raw(b"PING\r\n"), b"-NOAUTH Authentication required.\r\n")
            self.assertEqual(self.srv.raw(b"AUTH pw\r\nPING\r\n"), b"+OK\r\n+PONG\r\n")
        finally:
            with RespClient(self.srv.port) as c:
                c.execute("AUTH", "pw")
                c.execute("CONFIG", "SET", "requirepass", "")


class TimeAndCommand(ServerTestCase):
    def test_time(self):
        seconds, micros = self.r.time()
        self.assertLess(abs(seconds + micros / 1e6 - time.time()), 5)
        self.assertTrue(0 <= micros < 1000000)

    def test_count_and_list(self):
        count = self.c.execute("COMMAND", "COUNT")
        self.assertEqual(count, len(self.c.execute("COMMAND")))
        names = [n.decode() for n in self.c.execute("COMMAND", "LIST")]
        for name in ("get", "set", "client", "client|list", "config|get", "command|docs", "info", "hello"):
            self.assertIn(name, names)
        self.assertEqual(len([n for n in names if "|" not in n]), count)
        clients = self.c.execute("COMMAND", "LIST", "FILTERBY", "PATTERN", "client|*")
        self.assertIn(b"client|kill", clients)
        self.assertNotIn(b"get", clients)
        connection = self.c.execute("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection")
        self.assertIn(b"ping", connection)
        self.assertEqual(self.c.execute("COMMAND", "LIST", "FILTERBY", "MODULE", "x"), [])

    def test_info_entries(self):
        with RespClient(self.srv.port, protocol=3) as c:
            get, missing = c.execute("COMMAND", "INFO", "get", "no-such-command")
            self.assertIsNone(missing)
            self.assertEqual(get[:2], [b"get", 2])
            self.assertIsInstance(get[2], RespSet)
            self.assertIn("readonly", get[2])
            self.assertEqual(get[3:6], [1, 1, 1])
            self.assertIn("@read", get[6])
            self.assertEqual(len(get), 10)
            spec = get[8][0]
            self.assertEqual(spec[b"begin_search"], {b"type": b"index", b"spec": {b"index": 1}})
            client = c.execute("COMMAND", "INFO", "client")[0]
            self.assertIn(b"client|list", [sub[0] for sub in client[9]])
            self.assertEqual(c.execute("COMMAND", "INFO", "client|id")[0][0], b"client|id")

    def test_docs(self):
        with RespClient(self.srv.port, protocol=3) as c:
            docs = c.execute("COMMAND", "DOCS", "set", "no-such-command")
            self.assertEqual(list(docs), [b"set"])
            self.assertEqual(docs[b"set"][b"group"], b"string")
            args = docs[b"set"][b"arguments"]
            self.assertEqual(args[0], {b"name": b"key", b"type": b"key", b"key_spec_index": 0})
            self.assertEqual(args[1], {b"name": b"value", b"type": b"string"})
            condition = args[2]
            self.assertEqual(condition[b"type"], b"oneof")
            self.assertEqual(condition[b"flags"], ["optional"])
            self.assertEqual([a[b"token"] for a in condition[b"arguments"]], [b"NX", b"XX"])
            mset = c.execute("COMMAND", "DOCS", "mset")[b"mset"][b"arguments"]
            self.assertEqual(len(mset), 1)
            self.assertEqual(mset[0][b"type"], b"block")
            self.assertEqual(mset[0][b"flags"], ["multiple"])
            client = c.execute("COMMAND", "DOCS", "client")[b"client"]
            self.assertIn(b"client|setname", client[b"subcommands"])
            everything = c.execute("COMMAND", "DOCS")
            self.assertEqual(len(everything), c.execute("COMMAND", "COUNT"))

    def test_getkeys(self):
        self.assertEqual(self.r.command_getkeys("MSET", "a", "1", "b", "2"), ["a", "b"])
        self.assertEqual(self.r.command_getkeys("GET", "k"), ["k"])
        self.assert_error("ERR Invalid command specified", "COMMAND", "GETKEYS", "nosuch", "x")
        self.assert_error("ERR The command has no key arguments", "COMMAND", "GETKEYS", "ping", "x")
        self.assert_error("ERR Invalid number of arguments specified for command", "COMMAND", "GETKEYS",
                          "get", "a", "b")

    def test_help(self):
        for command in ("COMMAND", "CONFIG", "CLIENT"):
            lines = self.c.execute(command, "HELP")
            self.assertTrue(lines[0].startswith(command + " <subcommand>"))


class Shutdown(unittest.TestCase):
    def test_errors_keep_the_server_running(self):
        with TierkvServer() as srv:
            self.assertEqual(srv.raw(b"SHUTDOWN FOO\r\nSHUTDOWN ABORT\r\nSHUTDOWN SAVE NOSAVE\r\nPING\r\n"),
                             b"-ERR syntax error\r\n-ERR No shutdown in progress.\r\n-ERR syntax error\r\n"
                             b"+PONG\r\n")

    def test_shutdown_exits_zero(self):
        with TierkvServer() as srv:
            other = srv.client()
            other.ping()
            r = srv.client()
            self.assertIsNone(r.shutdown(nosave=True))  # redis-py: the connection closes without a reply
            self.assertEqual(srv.proc.wait(timeout=10), 0)
            with self.assertRaises(redis.ConnectionError):
                other.ping()


@unittest.skipUnless(shutil.which("redis-cli") and shutil.which("redis-benchmark"), "redis tools not installed")
class RedisTools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = TierkvServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def test_redis_cli_stat(self):
        # Runs until killed; it stops with an error message if INFO lacks what it reads.
        result = subprocess.run(["timeout", "2", "redis-cli", "-p", str(self.srv.port), "--stat"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 124, result.stdout + result.stderr)
        self.assertEqual(result.stderr, "")
        self.assertNotIn("ERR", result.stdout)
        self.assertNotIn("rror", result.stdout)

    def test_redis_benchmark(self):
        result = subprocess.run(["redis-benchmark", "-p", str(self.srv.port), "-q", "-t", "ping,set,get,incr,mset",
                                 "-n", "20000"], capture_output=True, text=True, timeout=300)
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output)
        self.assertEqual(result.stderr, "")
        self.assertNotIn("ERR", output)
        self.assertNotIn("rror", output)
        finished = [line.split(":")[0] for line in output.replace("\r", "\n").splitlines()
                    if "requests per second" in line]
        self.assertEqual(finished, ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"])


if __name__ == "__main__":
    unittest.main()
