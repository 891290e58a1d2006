"""A minimal RESP2/RESP3 client for tests, standard library only.

Debian 12's redis-py (4.3.4) cannot speak RESP3, so tests that need RESP3
replies use this:

    c = RespClient(port, protocol=3)      # sends HELLO 3 first
    c.execute("SET", "k", "v")            # -> "OK"
    c.execute("HGETALL", "h")             # RESP3 map -> dict
    c.raw_reply("GET", "k")               # -> exact reply bytes

Decoding: simple string -> str, bulk -> bytes, integer -> int, null -> None,
array/push -> list, map -> dict, set -> RespSet (a list subclass, so
unhashable elements work), double -> float, boolean -> bool, verbatim -> str
without its "txt:" prefix, big number -> int. An error reply raises
RespError unless execute(..., raise_errors=False).
"""
import socket


class RespError(Exception):
    """An error reply; str(e) is the message without the leading '-'."""


class RespSet(list):
    """A RESP3 set reply."""


class RespPush(list):
    """A RESP3 push message (pub/sub)."""


def encode_command(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class _Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self, raw):
        """Reads one reply: decoded (raw=False) or its exact bytes (raw=True)."""
        line = self.line()
        kind, rest = line[:1], line[1:]
        if raw:
            out = [line + b"\r\n"]
            if kind in (b"$", b"=", b"!") and int(rest) >= 0:
                out.append(self.exact(int(rest)) + b"\r\n")
            elif kind in (b"*", b"~", b">") and int(rest) > 0:
                out += [self.read(True) for _ in range(int(rest))]
            elif kind == b"%" or kind == b"|":
                out += [self.read(True) for _ in range(2 * int(rest))]
            return b"".join(out)
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"(":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.exact(n)
        if kind == b"=":
            return self.exact(int(rest))[4:].decode()
        if kind == b"!":
            return RespError(self.exact(int(rest)).decode())
        if kind == b"_":
            return None
        if kind == b",":
            return float(rest)
        if kind == b"#":
            return rest == b"t"
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self.read(False) for _ in range(n)]
            return RespSet(items) if kind == b"~" else RespPush(items) if kind == b">" else items
        if kind == b"%":
            result = {}
            for _ in range(int(rest)):
                k = self.read(False)
                result[k if not isinstance(k, list) else tuple(k)] = self.read(False)
            return result
        if kind == b"|":  # attribute: skip it, return the reply it annotates
            for _ in range(2 * int(rest)):
                self.read(False)
            return self.read(False)
        raise ValueError("unknown RESP type byte %r" % kind)


class RespClient:
    def __init__(self, port, protocol=2, host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = _Reader(self.sock)
        self.hello = None
        if protocol == 3:
            self.hello = self.execute("HELLO", "3")

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, *args):
        self.sock.sendall(encode_command(args))

    def read(self, raise_errors=True):
        reply = self.reader.read(False)
        if raise_errors and isinstance(reply, RespError):
            raise reply
        return reply

    def execute(self, *args, raise_errors=True):
        self.send(*args)
        return self.read(raise_errors)

    def raw_reply(self, *args):
        self.send(*args)
        return self.reader.read(True)

    def pipeline(self, commands, raise_errors=False):
        self.sock.sendall(b"".join(encode_command(c) for c in commands))
        return [self.read(raise_errors) for _ in commands]
