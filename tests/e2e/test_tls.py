"""TLS end to end: certificates made here with the openssl command line (a
CA, a server and a client certificate, and a client certificate from another
CA); redis-cli --tls and redis-py ssl=True against tls-port; pipelining,
pub/sub, blocking commands, MULTI, CLIENT KILL and the tier over TLS; client
certificates required, optional or not asked; clients that fail the
handshake leave the server serving the others; bad files stop start-up."""
import os
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import redis

from tierkv_harness import TierkvServer, free_port, server_binary


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_ca(d, name):
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "2",
            "-subj", "/CN=tierkv test " + name)
    return crt, key


def make_cert(d, name, ca, san=None):
    key, csr, crt = (os.path.join(d, name + ext) for ext in (".key", ".csr", ".crt"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    args = ["x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial", "-out", crt,
            "-days", "2"]
    if san:
        ext = os.path.join(d, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=" + san + "\n")
        args += ["-extfile", ext]
    openssl(*args)
    return crt, key


class Certs:
    """Every file the tests need, made once in a temporary directory."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tierkv-tls-")
        d = self.tmp.name
        self.ca = make_ca(d, "ca")
        self.server = make_cert(d, "server", self.ca, san="IP:127.0.0.1,DNS:localhost")
        self.client = make_cert(d, "client", self.ca)
        self.other_ca = make_ca(d, "other-ca")
        self.stranger = make_cert(d, "stranger", self.other_ca)

    def server_args(self, tls_port, auth="yes"):
        return ["--tls-port", str(tls_port), "--tls-cert-file", self.server[0], "--tls-key-file", self.server[1],
                "--tls-ca-cert-file", self.ca[0], "--tls-auth-clients", auth]


CERTS = None


def setUpModule():
    global CERTS
    CERTS = Certs()


def tearDownModule():
    CERTS.tmp.cleanup()


def tls_socket(port, cert=None, ca=None):
    """A raw TLS connection (python's ssl), for byte-level checks."""
    context = ssl.create_default_context(cafile=ca or CERTS.ca[0])
    if cert:
        context.load_cert_chain(*cert)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def read_until(sock, expected, timeout=10):
    data = b""
    deadline = time.time() + timeout
    while not data.endswith(expected) and time.time() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def handshake_refused(port, cert=None, ca=None):
    """True when the server will not serve a TLS client with `cert`: the
    handshake fails or the connection is closed before a reply (TLS 1.3
    clients learn of a refused certificate only at their first read)."""
    try:
        with tls_socket(port, cert=cert, ca=ca) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64) != b"+PONG\r\n"
    except (ssl.SSLError, ConnectionError, OSError):
        return True


class TlsServer(TierkvServer):
    """tierkv with its plain port and a TLS port."""

    def __init__(self, auth="yes", extra=()):
        self.tls_port = free_port()
        super().__init__(["--threads", "2"] + CERTS.server_args(self.tls_port, auth) + list(extra))

    def tls_client(self, cert="client", **kwargs):
        files = {"client": CERTS.client, "stranger": CERTS.stranger, None: (None, None)}[cert]
        return redis.Redis(host="127.0.0.1", port=self.tls_port, ssl=True, ssl_ca_certs=CERTS.ca[0],
                           ssl_certfile=files[0], ssl_keyfile=files[1], socket_timeout=10, **kwargs)

    def redis_cli(self, *args, cert=True):
        cmd = ["redis-cli", "-p", str(self.tls_port), "--tls", "--cacert", CERTS.ca[0]]
        if cert:
            cmd += ["--cert", CERTS.client[0], "--key", CERTS.client[1]]
        return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30)


class TlsCommands(unittest.TestCase):
    """One server with client certificates required (the default)."""

    @classmethod
    def setUpClass(cls):
        cls.srv = TlsServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def setUp(self):
        self.r = self.srv.tls_client()
        self.r.flushall()

    def test_redis_cli_ping_set_get(self):
        self.assertEqual(self.srv.redis_cli("PING").stdout.strip(), "PONG")
        self.assertEqual(self.srv.redis_cli("SET", "greeting", "hello").stdout.strip(), "OK")
        self.assertEqual(self.srv.redis_cli("GET", "greeting").stdout.strip(), "hello")
        # The plain port serves the same data.
        self.assertEqual(self.srv.client().get("greeting"), b"hello")

    def test_redis_py_and_a_pipeline_of_1000(self):
        self.assertTrue(self.r.ping())
        p = self.r.pipeline(transaction=False)
        for i in range(1000):
            p.set("k%d" % i, "v%d" % i)
        for i in range(1000):
            p.get("k%d" % i)
        replies = p.execute()
        self.assertEqual(replies[:1000], [True] * 1000)
        self.assertEqual(replies[1000:], [b"v%d" % i for i in range(1000)])
        self.assertEqual(self.r.dbsize(), 1000)

    def test_large_values_cross_many_tls_records(self):
        value = os.urandom(3 * 1024 * 1024)
        self.r.set("big", value)
        self.assertEqual(self.r.get("big"), value)
        self.assertEqual(self.r.strlen("big"), len(value))

    def test_pubsub_messages_reach_a_tls_subscriber(self):
        sub = self.srv.tls_client().pubsub()
        sub.subscribe("news")
        self.assertEqual(sub.get_message(timeout=5)["type"], "subscribe")
        publisher = self.srv.client()  # from the plain port
        for i in range(50):
            self.assertEqual(publisher.publish("news", "m%d" % i), 1)
        got = []
        deadline = time.time() + 10
        while len(got) < 50 and time.time() < deadline:
            m = sub.get_message(timeout=1)
            if m and m["type"] == "message":
                got.append(m["data"])
        self.assertEqual(got, [b"m%d" % i for i in range(50)])
        sub.close()

    def test_blocking_pop_wakes_and_times_out(self):
        self.assertIsNone(self.r.blpop("empty", timeout=0.2))
        result = {}
        waiter = threading.Thread(target=lambda: result.update(v=self.srv.tls_client().blpop("queue", 10)))
        waiter.start()
        time.sleep(0.3)
        self.srv.tls_client().rpush("queue", "job")
        waiter.join(10)
        self.assertEqual(result.get("v"), (b"queue", b"job"))

    def test_input_pipelined_behind_a_blocked_command_is_kept(self):
        # The bytes after BLPOP arrive while it waits; they are read through
        # TLS then and run after it.
        with tls_socket(self.srv.tls_port, cert=CERTS.client) as s:
            s.sendall(b"BLPOP q2 10\r\n")
            time.sleep(0.2)
            s.sendall(b"PING\r\nECHO after\r\n")
            time.sleep(0.2)
            self.r.rpush("q2", "x")
            self.assertEqual(read_until(s, b"$5\r\nafter\r\n"),
                             b"*2\r\n$2\r\nq2\r\n$1\r\nx\r\n+PONG\r\n$5\r\nafter\r\n")

    def test_multi_exec(self):
        p = self.r.pipeline(transaction=True)
        p.set("a", 1).incr("a").get("a")
        self.assertEqual(p.execute(), [True, 2, b"2"])

    def test_client_list_and_kill(self):
        with tls_socket(self.srv.tls_port, cert=CERTS.client) as victim:
            victim.sendall(b"CLIENT SETNAME victim\r\n")
            self.assertEqual(read_until(victim, b"\r\n"), b"+OK\r\n")
            entries = [c for c in self.r.client_list() if c["name"] == "victim"]
            self.assertEqual(len(entries), 1)
            self.assertEqual(entries[0]["laddr"], "127.0.0.1:%d" % self.srv.tls_port)
            self.assertEqual(self.r.client_kill_filter(_id=entries[0]["id"]), 1)
            try:
                self.assertEqual(victim.recv(64), b"")  # closed
            except (ssl.SSLError, ConnectionResetError):
                pass
        deadline = time.time() + 5
        while any(c["name"] == "victim" for c in self.r.client_list()) and time.time() < deadline:
            time.sleep(0.02)
        self.assertEqual([c for c in self.r.client_list() if c["name"] == "victim"], [])

    def test_info_and_config_get(self):
        self.assertEqual(self.r.info("server")["tcp_port"], self.srv.port)
        self.assertEqual(self.r.config_get("tls-port"), {"tls-port": str(self.srv.tls_port)})
        self.assertEqual(self.r.config_get("tls-auth-clients"), {"tls-auth-clients": "yes"})
        with self.assertRaises(redis.ResponseError) as err:
            self.r.config_set("tls-cert-file", "/tmp/x.crt")
        self.assertIn("can't set immutable config", str(err.exception))

    def test_client_certificate_is_required(self):
        self.assertTrue(handshake_refused(self.srv.tls_port))  # no certificate
        self.assertTrue(handshake_refused(self.srv.tls_port, cert=CERTS.stranger))  # another CA's
        self.assertTrue(handshake_refused(self.srv.tls_port, cert=CERTS.client, ca=CERTS.other_ca[0]))
        self.assertNotEqual(self.srv.redis_cli("PING", cert=False).stdout.strip(), "PONG")
        self.assertFalse(handshake_refused(self.srv.tls_port, cert=CERTS.client))
        self.assertTrue(self.srv.alive())

    def test_plain_text_to_the_tls_port_is_dropped_and_the_server_goes_on(self):
        with socket.create_connection(("127.0.0.1", self.srv.tls_port), timeout=5) as s:
            s.sendall(b"PING\r\n")
            try:
                reply = s.recv(64)
            except ConnectionResetError:
                reply = b""
            self.assertNotEqual(reply, b"+PONG\r\n")
        with socket.create_connection(("127.0.0.1", self.srv.tls_port), timeout=5) as s:
            s.sendall(b"\x16\x03\x01\x00\x05hello")  # a broken ClientHello
            try:
                s.recv(64)
            except ConnectionResetError:
                pass
        self.assertTrue(self.srv.alive())
        self.assertTrue(self.srv.client().ping())
        self.assertTrue(self.srv.tls_client().ping())


class TlsServers(unittest.TestCase):
    def test_optional_accepts_no_certificate_but_checks_one_given(self):
        with TlsServer(auth="optional") as srv:
            self.assertTrue(srv.tls_client(cert=None).ping())
            self.assertTrue(srv.tls_client().ping())
            self.assertTrue(handshake_refused(srv.tls_port, cert=CERTS.stranger))
            self.assertTrue(srv.tls_client(cert=None).ping())

    def test_no_asks_for_no_certificate(self):
        with TlsServer(auth="no") as srv:
            self.assertEqual(srv.redis_cli("PING", cert=False).stdout.strip(), "PONG")
            self.assertTrue(srv.tls_client(cert=None).ping())

    def test_ca_directory_instead_of_a_ca_file(self):
        with tempfile.TemporaryDirectory() as ca_dir:
            with open(CERTS.ca[0], "rb") as src, open(os.path.join(ca_dir, "ca.pem"), "wb") as dst:
                dst.write(src.read())
            openssl("rehash", ca_dir)
            tls_port = free_port()
            args = [a if a != CERTS.ca[0] else ca_dir for a in CERTS.server_args(tls_port)]
            args[args.index("--tls-ca-cert-file")] = "--tls-ca-cert-dir"
            with TierkvServer(args) as srv:
                self.assertFalse(handshake_refused(tls_port, cert=CERTS.client))
                self.assertTrue(handshake_refused(tls_port, cert=CERTS.stranger))
                self.assertTrue(srv.alive())

    def test_idle_timeout_closes_silent_and_idle_tls_clients(self):
        with TlsServer(extra=["--timeout", "1"]) as srv:
            silent = socket.create_connection(("127.0.0.1", srv.tls_port), timeout=10)  # never says hello
            idle = tls_socket(srv.tls_port, cert=CERTS.client)
            idle.sendall(b"PING\r\n")
            self.assertEqual(read_until(idle, b"\r\n"), b"+PONG\r\n")
            started = time.time()
            self.assertEqual(silent.recv(64), b"")
            try:
                self.assertEqual(idle.recv(64), b"")
            except (ssl.SSLError, ConnectionResetError):
                pass
            self.assertLess(time.time() - started, 8)
            silent.close()
            idle.close()
            self.assertTrue(srv.tls_client().ping())

    def test_port_0_beside_a_tls_port_serves_tls_only(self):
        tls_port = free_port()
        with tempfile.TemporaryDirectory() as d:
            log = open(os.path.join(d, "log"), "wb")
            proc = subprocess.Popen([server_binary(), "--port", "0", "--bind", "127.0.0.1", "--log-level", "info"] +
                                    CERTS.server_args(tls_port), stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.time() + 10
                while handshake_refused(tls_port, cert=CERTS.client) and time.time() < deadline:
                    time.sleep(0.05)
                self.assertFalse(handshake_refused(tls_port, cert=CERTS.client))
                r = redis.Redis(host="127.0.0.1", port=tls_port, ssl=True, ssl_ca_certs=CERTS.ca[0],
                                ssl_certfile=CERTS.client[0], ssl_keyfile=CERTS.client[1])
                self.assertEqual(r.info("server")["tcp_port"], 0)
                self.assertEqual(r.config_get("port"), {"port": "0"})
            finally:
                proc.terminate()
                self.assertEqual(proc.wait(10), 0)
                log.close()


class TlsOverTier(unittest.TestCase):
    def test_keys_read_back_from_the_tier_over_tls(self):
        with tempfile.TemporaryDirectory(prefix="tierkv-tls-tier-") as d:
            with TlsServer(extra=["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru", "--tier-dir",
                                  os.path.join(d, "tier")]) as srv:
                r = srv.tls_client()
                value = b"x" * 1000
                for start in range(0, 12000, 1000):
                    p = r.pipeline(transaction=False)
                    for i in range(start, start + 1000):
                        p.set("k%d" % i, value + b"%d" % i)
                    p.execute()
                self.assertGreater(int(r.info("tier")["db_tier_keys"]), 0)
                p = r.pipeline(transaction=False)
                for i in range(12000):
                    p.get("k%d" % i)
                self.assertEqual(p.execute(), [value + b"%d" % i for i in range(12000)])


class TlsStartUpErrors(unittest.TestCase):
    def start(self, *args):
        result = subprocess.run([server_binary(), "--port", "0", "--tls-port", str(free_port())] + list(args),
                                capture_output=True, text=True, timeout=30)
        return result.returncode, result.stderr

    def test_missing_certificate_file(self):
        code, err = self.start("--tls-cert-file", "/nonexistent/server.crt", "--tls-key-file", CERTS.server[1],
                               "--tls-ca-cert-file", CERTS.ca[0])
        self.assertEqual(code, 2)
        self.assertIn("tls-cert-file '/nonexistent/server.crt': No such file or directory", err)

    def test_key_of_another_certificate(self):
        code, err = self.start("--tls-cert-file", CERTS.server[0], "--tls-key-file", CERTS.client[1],
                               "--tls-ca-cert-file", CERTS.ca[0])
        self.assertEqual(code, 2)
        self.assertIn("tls-key-file '%s' is not the key of tls-cert-file '%s'" % (CERTS.client[1], CERTS.server[0]),
                      err)

    def test_client_certificates_need_a_ca(self):
        code, err = self.start("--tls-cert-file", CERTS.server[0], "--tls-key-file", CERTS.server[1])
        self.assertEqual(code, 2)
        self.assertIn("Either tls-ca-cert-file or tls-ca-cert-dir must be specified", err)

    def test_bad_ca_file(self):
        code, err = self.start("--tls-cert-file", CERTS.server[0], "--tls-key-file", CERTS.server[1],
                               "--tls-ca-cert-file", CERTS.server[1])
        self.assertEqual(code, 2)
        self.assertIn("tls-ca-cert-file '%s'" % CERTS.server[1], err)


if __name__ == "__main__":
    unittest.main()
