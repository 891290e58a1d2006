"""Running as a daemon or a service: --daemonize with --pidfile, SIGTERM
removing the pid file, SIGHUP reopening the log file (log rotation), and
systemd's READY=1 notification (packaging/tierkv.service is Type=notify).
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import redis

from tierkv_harness import ROOT, TierkvServer, free_port, server_binary, wait_for_port


def wait_until(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes (its parent is init, which reaps it).
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def proc_stat(pid):
    """(ppid, session id) of a process, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[3])


class Daemonize(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tierkv-daemon-")
        self.pidfile = os.path.join(self.dir, "tierkv.pid")
        self.log = os.path.join(self.dir, "tierkv.log")
        self.port = free_port()
        self.pid = None

    def tearDown(self):
        if self.pid and pid_alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_daemon(self, *extra):
        args = [server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "yes",
                "--pidfile", self.pidfile, "--log-file", self.log] + list(extra)
        started = time.time()
        # The parent returns once the child listens; it must not hold our pipes.
        r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
        return r, time.time() - started

    def test_daemonize_pidfile_sigterm(self):
        r, took = self.start_daemon()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(took, 5)
        with open(self.pidfile) as f:
            text = f.read()
        self.assertRegex(text, r"^\d+\n$")
        self.pid = int(text)
        self.assertTrue(pid_alive(self.pid))
        # Detached: another process than the one we started, in its own
        # session (no controlling terminal), no longer our child.
        ppid, sid = proc_stat(self.pid)
        self.assertNotEqual(ppid, os.getpid())
        self.assertEqual(sid, self.pid)
        self.assertNotEqual(sid, os.getsid(0))
        # Serving, and INFO agrees on the pid.
        r = redis.Redis(port=self.port)
        self.assertTrue(r.set("k", "v"))
        self.assertEqual(r.get("k"), b"v")
        self.assertEqual(r.info("server")["process_id"], self.pid)
        r.close()
        # SIGTERM: exits and removes the pid file.
        os.kill(self.pid, signal.SIGTERM)
        self.assertTrue(wait_until(lambda: not pid_alive(self.pid)), "daemon still running after SIGTERM")
        self.assertFalse(os.path.exists(self.pidfile))
        with open(self.log) as f:
            log = f.read()
        self.assertIn("listening on 127.0.0.1:%d" % self.port, log)
        self.assertIn("received SIGTERM", log)
        self.assertIn("tierkv stopped", log)

    def test_daemonize_port_in_use_fails_the_start(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", self.port))
            s.listen()
            r, _ = self.start_daemon()
        self.assertEqual(r.returncode, 2)
        self.assertIn("Address already in use", r.stderr)
        self.assertEqual(r.stderr.count("Address already in use"), 1, r.stderr)
        self.assertFalse(os.path.exists(self.pidfile))

    def test_shutdown_command_removes_pidfile(self):
        r, _ = self.start_daemon()
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.pidfile) as f:
            self.pid = int(f.read())
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"SHUTDOWN\r\n")
            s.recv(100)
        self.assertTrue(wait_until(lambda: not pid_alive(self.pid)))
        self.assertFalse(os.path.exists(self.pidfile))


class PidfileInForeground(unittest.TestCase):
    def test_pidfile_without_daemonize(self):
        with tempfile.TemporaryDirectory() as d:
            pidfile = os.path.join(d, "p.pid")
            with TierkvServer(["--pidfile", pidfile]) as srv:
                with open(pidfile) as f:
                    self.assertEqual(int(f.read()), srv.proc.pid)
                self.assertEqual(srv.stop(), 0)
            self.assertFalse(os.path.exists(pidfile))


class LogRotation(unittest.TestCase):
    def test_sighup_reopens_log_file(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "tierkv.log")
            port = free_port()
            proc = subprocess.Popen([server_binary(), "--port", str(port), "--bind", "127.0.0.1",
                                     "--log-file", log, "--log-level", "info"])
            try:
                wait_for_port(port, proc)
                r = redis.Redis(port=port)
                os.rename(log, log + ".1")  # what logrotate does
                proc.send_signal(signal.SIGHUP)
                self.assertTrue(wait_until(lambda: os.path.exists(log)), "no new log file after SIGHUP")
                self.assertTrue(r.ping())  # still serving
                # A second SIGHUP works too (the handler re-arms).
                os.rename(log, log + ".2")
                proc.send_signal(signal.SIGHUP)
                self.assertTrue(wait_until(lambda: os.path.exists(log)))
                self.assertTrue(r.ping())
                r.close()
            finally:
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=10), 0)
            with open(log + ".1") as f:
                first = f.read()
            with open(log) as f:
                last = f.read()
            self.assertIn("listening on", first)
            self.assertNotIn("SIGTERM", first)
            self.assertIn("received SIGTERM", last)  # lines after the rotation go to the new file
            self.assertIn("tierkv stopped", last)
            self.assertNotIn("listening on", last)

    def test_sighup_with_stderr_logging_is_harmless(self):
        with TierkvServer() as srv:
            os.kill(srv.proc.pid, signal.SIGHUP)
            time.sleep(0.2)
            self.assertTrue(srv.alive())
            self.assertTrue(srv.client().ping())


class SystemdNotify(unittest.TestCase):
    def test_ready_sent_once_listening(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "notify.sock")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(path)
            sock.settimeout(10)
            port = free_port()
            env = dict(os.environ, NOTIFY_SOCKET=path)
            proc = subprocess.Popen([server_binary(), "--port", str(port), "--bind", "127.0.0.1",
                                     "--log-level", "warn"], env=env)
            try:
                message = sock.recv(1024).decode()
                # READY=1 comes after the socket listens: connect at once.
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    pass
                self.assertIn("READY=1", message.split("\n"))
                self.assertIn("MAINPID=%d" % proc.pid, message.split("\n"))
            finally:
                proc.send_signal(signal.SIGTERM)
                self.assertEqual(proc.wait(timeout=10), 0)
                sock.close()


class ServiceUnit(unittest.TestCase):
    UNIT = os.path.join(ROOT, "packaging", "tierkv.service")

    def test_unit_settings(self):
        with open(self.UNIT) as f:
            text = f.read()
        settings = {}
        for line in text.splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                settings.setdefault(key.strip(), value.strip())
        self.assertEqual(settings["Type"], "notify")
        for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
            self.assertEqual(settings[key], "yes", key)
        self.assertEqual(settings["ProtectSystem"], "strict")
        self.assertEqual(settings["StateDirectory"], "tierkv")
        self.assertIn("--daemonize no", settings["ExecStart"])

    def test_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze not installed")
        with open(self.UNIT) as f:
            text = f.read().replace("/usr/local/bin/tierkv-server", os.path.abspath(server_binary()))
        with tempfile.TemporaryDirectory() as d:
            unit = os.path.join(d, "tierkv.service")
            with open(unit, "w") as f:
                f.write(text)
            r = subprocess.run([analyze, "verify", unit], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("tierkv.service", r.stderr)  # no warning about the unit

    def test_exec_start_command_line_serves(self):
        """ExecStart's flags, on a free port with the example config."""
        with open(self.UNIT) as f:
            line = next(l for l in f if l.startswith("ExecStart="))
        args = line.split("=", 1)[1].split()
        args[0] = os.path.abspath(server_binary())
        args[args.index("/etc/tierkv/tierkv.toml")] = os.path.join(ROOT, "config.example.toml")
        port = free_port()
        proc = subprocess.Popen(args + ["--port", str(port), "--log-level", "warn"])
        try:
            wait_for_port(port, proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)


if __name__ == "__main__":
    unittest.main()
