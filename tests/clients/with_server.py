"""Runs a client test program against a fresh tierkv-server.

    with_server.py PROGRAM [ARGS...]

Starts the built server (tests/e2e/tierkv_harness.py: $TIERKV_SERVER, a free
loopback port), runs PROGRAM with TIERKV_PORT set to that port, stops the
server and exits with PROGRAM's exit code. On failure it prints the end of
the server's log too.
"""
import os
import subprocess
import sys

# Replaces this script's folder on the path: its hiredis/ subfolder would
# otherwise shadow the hiredis module that redis-py imports when present.
sys.path[0] = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e")
from tierkv_harness import TierkvServer  # noqa: E402


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    with TierkvServer(["--threads", "2"]) as srv:
        env = dict(os.environ, TIERKV_PORT=str(srv.port))
        code = subprocess.call(argv, env=env)
        if code != 0:
            with open(srv.log_path, "rb") as log:
                tail = log.read()[-4000:].decode(errors="replace")
            print("--- tierkv-server log (end) ---\n%s" % tail, file=sys.stderr)
        if not srv.alive():
            print("tierkv-server died during the test", file=sys.stderr)
            return code or 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
