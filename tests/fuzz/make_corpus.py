#!/usr/bin/python3
"""Writes the fuzz targets' seed corpus (tests/fuzz/corpus/<target>/) from
the differential test's command scripts (tests/diff/cases/*.txt): groups of
consecutive commands, as client bytes for resp_parser (multibulk, or the
lines as inline commands) and in commands_check.cc's encoding for commands.

    /usr/bin/python3 tests/fuzz/make_corpus.py build/tierkv-server

The server (started here on a free port) tells the command names, which
commands_check.cc numbers in sorted order. Rerun after adding commands.
"""
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "diff"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

from run_diff import encode_command, parse_case_file  # noqa: E402
from tierkv_harness import TierkvServer  # noqa: E402

GROUP = 12          # commands per seed
GROUPS_PER_FILE = 3


def check_source_list(name):
    """A constexpr std::array of string literals from commands_check.cc."""
    with open(os.path.join(HERE, "commands_check.cc")) as f:
        text = f.read()
    body = re.search(name + r"[^{]*=\s*\{(.*?)\};", text, re.S).group(1)
    return [s.encode().decode("unicode_escape").encode("latin-1") for s in re.findall(r'"((?:[^"\\]|\\.)*)"', body)]


def command_groups():
    for path in sorted(os.listdir(os.path.join(ROOT, "tests", "diff", "cases"))):
        steps = [s.args for s in parse_case_file(os.path.join(ROOT, "tests", "diff", "cases", path)) if s.args]
        starts = range(0, len(steps), max(GROUP, len(steps) // GROUPS_PER_FILE))
        for n, start in enumerate(list(starts)[:GROUPS_PER_FILE]):
            yield "%s-%d" % (path[:-4], n), steps[start:start + GROUP]


def encode_for_commands(group, names, atoms):
    out = bytearray()
    for args in group:
        name = args[0].decode("latin-1").lower()
        if name not in names:
            continue
        out += bytes([names.index(name), min(len(args) - 1, 7)])
        for arg in args[1:8]:
            if arg in atoms:
                out.append(atoms.index(arg))
            else:
                out += bytes([0xf0, min(len(arg), 31)]) + arg[:31]
    return bytes(out)


def inline(args):
    return b" ".join(b'"' + "".join("\\x%02x" % b for b in a).encode() + b'"' if not a.isalnum() else a
                     for a in args) + b"\r\n"


def write(target, name, data):
    with open(os.path.join(HERE, "corpus", target, name), "wb") as f:
        f.write(data)


def main():
    server = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "tierkv-server")
    with TierkvServer(binary=server) as srv:
        listed = [n.decode() for n in srv.resp3().execute("COMMAND", "LIST")]
    excluded = {e.decode() for e in check_source_list("kExcluded")}
    names = sorted(n for n in listed if "|" not in n and n not in excluded)
    atoms = check_source_list("kAtoms")
    for target in ("resp_parser", "commands"):
        shutil.rmtree(os.path.join(HERE, "corpus", target), ignore_errors=True)
        os.makedirs(os.path.join(HERE, "corpus", target))
    for i, (name, group) in enumerate(command_groups()):
        # The first byte picks resp_parser's limits: even = Redis's, odd = small.
        if i % 2 == 0:
            write("resp_parser", name, bytes([i % 4]) + b"".join(encode_command(a) for a in group))
        else:
            write("resp_parser", name, bytes([i % 4]) + b"".join(inline(a) for a in group))
        write("commands", name, encode_for_commands(group, names, atoms))


if __name__ == "__main__":
    main()
