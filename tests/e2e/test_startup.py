"""Start-up, configuration errors and shutdown of tierkv-server."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from tierkv_harness import ROOT, TierkvServer, free_port, server_binary, wait_for_port


def run(args, timeout=10):
    return subprocess.run([server_binary()] + args, capture_output=True, text=True, timeout=timeout)


class StartupErrors(unittest.TestCase):
    def test_help_and_version(self):
        r = run(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("--port", r.stdout)
        self.assertIn("--requirepass", r.stdout)
        self.assertIn("--config", r.stdout)
        r = run(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"tierkv-server \d+\.\d+\.\d+")

    def test_unknown_config_key_exits_2_naming_it(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
            f.write('port = 1234\nmaxclientz = 5\n')
            f.flush()
            r = run(["--config", f.name])
        self.assertEqual(r.returncode, 2)
        self.assertIn("maxclientz", r.stderr)

    def test_bad_value_exits_2(self):
        r = run(["--port", "99999"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("port", r.stderr)
        r = run(["--maxclients", "many"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("maxclients", r.stderr)
        r = run(["--no-such-flag"])
        self.assertEqual(r.returncode, 2)

    def test_bad_toml_exits_2(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
            f.write('port = = 3\n')
            f.flush()
            r = run(["--config", f.name])
        self.assertEqual(r.returncode, 2)
        self.assertIn(f.name, r.stderr)

    def test_port_in_use_exits_2(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            r = run(["--port", str(port), "--bind", "127.0.0.1"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("Address already in use", r.stderr)
        self.assertIn(str(port), r.stderr)


class ConfigAndShutdown(unittest.TestCase):
    def test_config_file_then_flags_win(self):
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            cfg = os.path.join(d, "c.toml")
            log = os.path.join(d, "tierkv.log")
            with open(cfg, "w") as f:
                f.write('port = 1\ndatabases = 4\nlog-file = "%s"\n' % log)
            proc = subprocess.Popen([server_binary(), "--config", cfg, "--port", str(port)])
            try:
                wait_for_port(port, proc)
                with socket.create_connection(("127.0.0.1", port)) as s:
                    s.sendall(b"SELECT 3\r\nSELECT 4\r\n")
                    time.sleep(0.2)
                    self.assertEqual(s.recv(1000), b"+OK\r\n-ERR DB index is out of range\r\n")
            finally:
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=10), 0)
            with open(log) as f:
                text = f.read()
            self.assertIn("listening on 127.0.0.1:%d" % port, text)
            self.assertIn("SIGTERM", text)

    def test_sigint_and_sigterm_exit_0(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with TierkvServer() as srv:
                self.assertTrue(srv.client().ping())
                self.assertEqual(srv.stop(sig), 0)

    def test_shutdown_finishes_in_flight_replies(self):
        """Replies already computed for a pipelined batch reach the client
        before the server closes."""
        with TierkvServer() as srv:
            batch = b"".join(b"ECHO %d\r\n" % i for i in range(2000))
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                s.sendall(batch )
                os.kill(srv.proc.pid, signal.SIGTERM)
                data = b""
                s.settimeout(5)
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            # The batch may reach the server in several reads, so any number
            # of its commands may have run before the signal; what arrives
            # must be exactly the replies of the first n commands, none cut.
            expected = [b"$%d\r\n%d\r\n" % (len(str(i)), i) for i in range(2000)]
            n = data.count(b"\r\n") // 2
            self.assertEqual(data, b"".join(expected[:n]))
            self.assertEqual(srv.proc.wait(timeout=10), 0)

    def test_make_run_default_config_serves(self):
        """`make run` starts the server with config.example.toml; check that
        file works as a configuration (on another port)."""
        port = free_port()
        proc = subprocess.Popen([server_binary(), "--config", os.path.join(ROOT, "config.example.toml"),
                                 "--port", str(port)], stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, proc)
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(timeout=10), 0)


if __name__ == "__main__":
    unittest.main()
