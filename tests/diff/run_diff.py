#!/usr/bin/python3
"""Differential test: tierkv-server versus a real redis-server.

Sends the same command scripts (tests/diff/cases/*.txt) to both servers over
raw TCP connections and compares the raw reply bytes, in RESP2 and in RESP3.
Standard library only (runs with Debian's /usr/bin/python3).

Usage:
    /usr/bin/python3 tests/diff/run_diff.py --tierkv build/tierkv-server \
        [--redis /usr/bin/redis-server] [--cases DIR] [--proto 2|3|both] \
        [--self-test] [case files...]

Case file format: one command per line, split like redis-cli does
(whitespace-separated words, "double quotes" with \\n \\r \\t \\xHH \\" \\\\
escapes, 'single quotes' literal). Blank lines and '#' lines are ignored.
Prefixes:
    ~ CMD ...     compare only the reply's shape (type byte, aggregate count)
    % CMD ...     compare with the top-level aggregate's elements sorted
                  (map entries as pairs): for replies in no defined order
    ! CMD ...     send to both servers, do not compare
    @sleep MS     sleep MS milliseconds
    @proto 2|3|both   restrict the following lines to one protocol

With --self-test the reference redis-server is compared against a second
redis-server instead of tierkv, to validate the runner and the cases.
Exit status: 0 if every compared reply matched, 1 on any mismatch,
2 if the run could not complete (bad case file, server failed to start or died).
"""

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
START_TIMEOUT = 10.0    # seconds to wait for a server to answer PING
REPLY_TIMEOUT = 5.0     # seconds to wait for one reply
TRUNCATE = 300          # max chars of a reply shown in a mismatch report

LINE_TYPES = b"+-:_,#("          # single-line replies
BULK_TYPES = b"$!="              # length-prefixed replies
ARRAY_TYPES = b"*~>"             # aggregates of N elements
MAP_TYPES = b"%|"                # aggregates of N key/value pairs


class CaseError(Exception):
    """A malformed case file line."""


class ServerGone(Exception):
    """The connection broke or a reply did not arrive in time."""


# --------------------------------------------------------------------------
# Command line splitting (redis-cli / sdssplitargs semantics)
# --------------------------------------------------------------------------

ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}
HEX = "0123456789abcdefABCDEF"


def split_args(line):
    """Split one command line into a list of byte strings like redis-cli."""
    args, i, n = [], 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        if line[i] == '"':
            word, i = _double_quoted(line, i + 1)
        elif line[i] == "'":
            word, i = _single_quoted(line, i + 1)
        else:
            j = i
            while j < n and not line[j].isspace():
                j += 1
            word, i = line[i:j].encode("latin-1"), j
        args.append(word)


def _closing(line, i):
    """After a closing quote the word must end (space or end of line)."""
    if i < len(line) and not line[i].isspace():
        raise CaseError("closing quote must be followed by a space")
    return i


def _double_quoted(line, i):
    out = bytearray()
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 3 < len(line) and line[i + 1] == "x" \
                and line[i + 2] in HEX and line[i + 3] in HEX:
            out.append(int(line[i + 2:i + 4], 16))
            i += 4
        elif c == "\\" and i + 1 < len(line):
            out += ESCAPES.get(line[i + 1], line[i + 1]).encode("latin-1")
            i += 2
        elif c == '"':
            return bytes(out), _closing(line, i + 1)
        else:
            out += c.encode("latin-1")
            i += 1
    raise CaseError("unbalanced double quotes")


def _single_quoted(line, i):
    out = bytearray()
    while i < len(line):
        c = line[i]
        if c == "\\" and line[i + 1:i + 2] == "'":
            out += b"'"
            i += 2
        elif c == "'":
            return bytes(out), _closing(line, i + 1)
        else:
            out += c.encode("latin-1")
            i += 1
    raise CaseError("unbalanced single quotes")


# --------------------------------------------------------------------------
# Case files
# --------------------------------------------------------------------------

class Step:
    """One line of a case file: a command (mode '=', '~', '!') or a sleep."""

    def __init__(self, lineno, mode, protos, args=None, sleep_ms=0):
        self.lineno = lineno
        self.mode = mode            # '=' exact, '~' shape, '%' unordered, '!' no compare, '@' sleep
        self.protos = protos        # set of protocol versions this line runs in
        self.args = args or []
        self.sleep_ms = sleep_ms

    def text(self):
        return " ".join(repr(a)[2:-1] if needs_repr(a) else a.decode()
                        for a in self.args)


def needs_repr(arg):
    return any(b < 33 or b > 126 or b in b"'\"\\" for b in arg) or not arg


def parse_case_file(path):
    """Return the list of Steps of a case file."""
    steps, protos = [], {2, 3}
    with open(path, encoding="latin-1") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                step, protos = parse_line(line, lineno, protos)
            except (CaseError, ValueError) as e:
                raise CaseError("%s:%d: %s" % (path, lineno, e)) from None
            if step is not None:
                steps.append(step)
    return steps


def parse_line(line, lineno, protos):
    """Parse one non-comment line; returns (Step or None, current protos)."""
    if line.startswith("@"):
        words = line.split()
        if words[0] == "@sleep" and len(words) == 2:
            return Step(lineno, "@", protos, sleep_ms=int(words[1])), protos
        if words[0] == "@proto" and len(words) == 2:
            table = {"2": {2}, "3": {3}, "both": {2, 3}}
            if words[1] not in table:
                raise CaseError("bad @proto value %r" % words[1])
            return None, table[words[1]]
        raise CaseError("unknown directive %r" % line)
    mode = "="
    if line[:2] in ("~ ", "! ", "% "):
        mode, line = line[0], line[2:]
    args = split_args(line)
    if not args:
        raise CaseError("empty command")
    return Step(lineno, mode, protos, args=args), protos


# --------------------------------------------------------------------------
# RESP encoding and raw reply reading
# --------------------------------------------------------------------------

def encode_command(args):
    """Encode a command as a RESP multibulk."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Connection:
    """A raw TCP connection that reads exactly one RESP reply at a time."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.sock.settimeout(REPLY_TIMEOUT)
        self.buf = b""
        self.pos = 0

    def close(self):
        self.sock.close()

    def call(self, args):
        """Send one command, return the raw bytes of its reply."""
        try:
            self.sock.sendall(encode_command(args))
        except OSError as e:
            raise ServerGone("send failed: %s" % e) from None
        return self.read_reply()

    def read_reply(self):
        """Read one reply. Bytes already received beyond it can only be an
        unrequested extra reply (one command is in flight at a time), so they
        are appended to make the mismatch show up on this command."""
        self.buf, self.pos = b"", 0
        self._skip_reply()
        raw, extra = self.buf[:self.pos], self.buf[self.pos:]
        if extra:
            raw += b"<extra bytes after reply: " + extra + b">"
        return raw

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise ServerGone("timeout waiting for reply") from None
        except OSError as e:
            raise ServerGone("recv failed: %s" % e) from None
        if not data:
            raise ServerGone("connection closed by server")
        self.buf += data

    def _line(self):
        """Consume one CRLF-terminated line, return it without the CRLF."""
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = self.buf[self.pos:end]
                self.pos = end + 2
                return line
            self._fill()

    def _exactly(self, n):
        while len(self.buf) < self.pos + n:
            self._fill()
        self.pos += n

    def _skip_reply(self):
        """Advance self.pos past one complete (possibly nested) reply."""
        line = self._line()
        if not line:
            raise ServerGone("empty reply line")
        kind, rest = line[:1], line[1:]
        if kind in LINE_TYPES:
            return
        try:
            count = int(rest)
        except ValueError:
            raise ServerGone("bad RESP header %r" % line) from None
        if kind in BULK_TYPES:
            if count >= 0:
                self._exactly(count + 2)
        elif kind in ARRAY_TYPES:
            for _ in range(max(count, 0)):
                self._skip_reply()
        elif kind in MAP_TYPES:
            for _ in range(max(count, 0) * 2):
                self._skip_reply()
            if kind == b"|":        # attributes precede the real reply
                self._skip_reply()
        else:
            raise ServerGone("unknown RESP type %r" % line)


def shape(raw):
    """Type byte plus element count for aggregates (for '~' comparisons)."""
    head = raw[:raw.find(b"\r\n")]
    if head[:1] in ARRAY_TYPES + MAP_TYPES:
        return head
    return head[:1]


class _InMemory(Connection):
    """Walks a reply already read, with Connection's parser."""

    def __init__(self, data):       # no socket
        self.buf, self.pos = data, 0

    def _fill(self):
        raise ServerGone("truncated reply")


def unordered(raw):
    """The reply with its top-level aggregate's elements sorted (for '%')."""
    reader = _InMemory(raw)
    try:
        header = reader._line()
        kind = header[:1]
        if kind not in ARRAY_TYPES + MAP_TYPES:
            return raw
        per_item = 2 if kind in MAP_TYPES else 1
        items = []
        for _ in range(max(int(header[1:]), 0)):
            start = reader.pos
            for _ in range(per_item):
                reader._skip_reply()
            items.append(raw[start:reader.pos])
    except (ServerGone, ValueError):
        return raw
    return header + b"\r\n" + b"".join(sorted(items)) + raw[reader.pos:]


def same_reply(mode, a, b):
    if mode == "~":
        return shape(a) == shape(b)
    if mode == "%":
        return unordered(a) == unordered(b)
    return a == b


# --------------------------------------------------------------------------
# Server processes
# --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process started in its own temp dir, logging to a file."""

    def __init__(self, name, argv_fn, workdir):
        self.name = name
        self.port = free_port()
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.log_path = os.path.join(self.dir, "server.log")
        self.argv = argv_fn(self.port)
        self.proc = None

    def start(self):
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, cwd=self.dir, stdout=log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                conn = Connection(self.port)
                try:
                    if conn.call([b"PING"]) == b"+PONG\r\n":
                        return
                finally:
                    conn.close()
            except (OSError, ServerGone):
                pass
            time.sleep(0.05)
        status = self.proc.poll()
        why = "exited with status %d" % status if status is not None \
            else "did not answer PING on port %d" % self.port
        raise RuntimeError("%s %s: %s\n%s" % (self.name, why,
                                              " ".join(self.argv),
                                              self.log_tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
            return "\n".join("    " + t for t in tail)
        except OSError:
            return ""

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def redis_argv(binary):
    return lambda port: [binary, "--port", str(port), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no",
                         "--daemonize", "no"]


def tierkv_argv(binary):
    return lambda port: [binary, "--port", str(port), "--bind", "127.0.0.1",
                         "--threads", "2", "--log-level", "warn"]


# --------------------------------------------------------------------------
# Running cases
# --------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.per_proto = {2: 0, 3: 0}


class Side:
    """One server's connection for the current case file and protocol."""

    def __init__(self, server, proto):
        self.server = server
        self.proto = proto
        self.conn = None
        self.connect()

    def connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = Connection(self.server.port)
        if self.proto == 3:
            reply = self.conn.call([b"HELLO", b"3"])     # not compared
            if reply[:1] == b"-":
                print("WARNING: %s rejected HELLO 3: %s"
                      % (self.server.name, clip(reply)), file=sys.stderr)

    def call(self, args):
        """Run a command; on a broken connection return a marker and reconnect."""
        try:
            return self.conn.call(args)
        except ServerGone as e:
            marker = ("<no reply: %s>" % e).encode()
            time.sleep(0.2)     # let a crashing server finish exiting
            if not self.server.alive():
                raise RuntimeError("%s died\n%s" % (self.server.name,
                                                    self.server.log_tail()))
            try:
                self.connect()
            except (OSError, ServerGone) as e2:
                raise RuntimeError("%s: cannot reconnect after %s: %s"
                                   % (self.server.name, e, e2)) from None
            return marker


def clip(raw):
    text = repr(raw)
    return text if len(text) <= TRUNCATE else text[:TRUNCATE] + "..."


def display_path(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def report_mismatch(path, step, proto, ref, got, ref_name, other_name):
    where = "%s:%d" % (display_path(path), step.lineno)
    kind = {"~": " (shape)", "%": " (unordered)"}.get(step.mode, "")
    print("MISMATCH %s [RESP%d]%s: %s" % (where, proto, kind, step.text()))
    print("    %-8s %s" % (ref_name + ":", clip(ref)))
    print("    %-8s %s" % (other_name + ":", clip(got)))


def run_file(path, steps, proto, ref, other, stats):
    """Run one case file in one protocol against both servers."""
    sides = []
    try:
        sides = [Side(ref, proto)]
        sides.append(Side(other, proto))
        for side in sides:
            side.call([b"FLUSHALL"])
        for step in steps:
            if proto not in step.protos:
                continue
            if step.mode == "@":
                time.sleep(step.sleep_ms / 1000.0)
                continue
            a, b = (side.call(step.args) for side in sides)
            if step.mode == "!":
                continue
            same = same_reply(step.mode, a, b)
            stats.per_proto[proto] += 1
            if same:
                stats.passed += 1
            else:
                stats.failed += 1
                report_mismatch(path, step, proto, a, b, ref.name, other.name)
    finally:
        for side in sides:
            side.conn.close()


def case_files(args):
    if args.files:
        return args.files
    files = sorted(glob.glob(os.path.join(args.cases, "*.txt")))
    if not files:
        sys.exit("no case files in %s" % args.cases)
    return files


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tierkv", help="path to tierkv-server")
    p.add_argument("--redis", default="/usr/bin/redis-server")
    p.add_argument("--cases", default=os.path.join(HERE, "cases"))
    p.add_argument("--proto", choices=["2", "3", "both"], default="both")
    p.add_argument("--self-test", action="store_true",
                   help="compare redis-server against a second redis-server")
    p.add_argument("files", nargs="*", help="case files (default: all)")
    args = p.parse_args(argv)
    if not args.self_test and not args.tierkv:
        p.error("--tierkv is required (or use --self-test)")
    return args


def start_servers(args, workdir):
    ref = Server("redis", redis_argv(args.redis), workdir)
    if args.self_test:
        other = Server("redis-b", redis_argv(args.redis), workdir)
    else:
        other = Server("tierkv", tierkv_argv(os.path.abspath(args.tierkv)),
                       workdir)
    return ref, other


def run_all(args, parsed, protos, stats):
    """Start both servers, run every case file, always kill the servers."""
    workdir = tempfile.mkdtemp(prefix="tierkv-diff-")
    servers = []
    try:
        ref, other = start_servers(args, workdir)
        servers = [ref, other]
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        for path, steps in parsed:
            for proto in protos:
                run_file(path, steps, proto, ref, other, stats)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv):
    args = parse_args(argv)
    protos = [2, 3] if args.proto == "both" else [int(args.proto)]
    stats = Stats()
    try:
        parsed = [(path, parse_case_file(path)) for path in case_files(args)]
        run_all(args, parsed, protos, stats)
    except (CaseError, RuntimeError, OSError) as e:
        print("ERROR: %s" % e, file=sys.stderr)
        return 2
    for proto in protos:
        print("RESP%d: %d compared commands" % (proto, stats.per_proto[proto]))
    print("%d passed, %d failed" % (stats.passed, stats.failed))
    return 1 if stats.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
