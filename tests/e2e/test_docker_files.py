"""docker/: no Docker engine runs here, so this checks what can be checked
without one. The Dockerfile's stages, base images and instructions; that
its build stage uses scripts/install-deps.sh; that every file it copies and
the compose files reference exists; the compose files and the nutcracker
config parse; and the runtime stage's own ENTRYPOINT command line and
HEALTHCHECK, run on this machine with the built binary (a temporary
directory as /data, a free port), serve and stop as they would in a container.
"""
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from resp_client import RespClient, RespError
from tierkv_harness import ROOT, free_port, server_binary, wait_for_port

try:
    import yaml
except ImportError:  # python3-yaml is in scripts/packages.txt
    yaml = None

DOCKER = os.path.join(ROOT, "docker")
NUTCRACKER = shutil.which("nutcracker") or "/usr/sbin/nutcracker"


def dockerfile_stages():
    """[(stage name, base image, [(INSTRUCTION, argument text)])], continuation lines joined."""
    with open(os.path.join(DOCKER, "Dockerfile")) as f:
        text = f.read()
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?$", rest.strip(), re.I)
            stages.append((m.group(2), m.group(1), []))
        else:
            stages[-1][2].append((keyword, rest.strip()))
    return stages


def instructions(stage, keyword):
    return [arg for kw, arg in stage[2] if kw == keyword]


def runtime_stage():
    return dockerfile_stages()[-1]  # the default target


def entrypoint_for_host(port):
    """The runtime ENTRYPOINT + CMD with the image's paths mapped to this
    checkout, and `--port PORT` appended as `docker run IMAGE --port PORT` would."""
    stage = runtime_stage()
    entry = json.loads(instructions(stage, "ENTRYPOINT")[-1])
    cmd = json.loads(instructions(stage, "CMD")[-1])
    binary = os.path.abspath(server_binary())
    config = os.path.join(ROOT, "config.example.toml")
    mapped = [a.replace("/usr/local/bin/tierkv-server", binary).replace("/etc/tierkv/tierkv.toml", config)
              for a in entry]
    return mapped + cmd + ["--port", str(port)]


def healthcheck_for_host(port):
    line = instructions(runtime_stage(), "HEALTHCHECK")[-1]
    json_part = line[line.index("CMD") + 3:].strip()
    return [a.replace("/6379", "/%d" % port) for a in json.loads(json_part)]


class Dockerfile(unittest.TestCase):
    def test_stages(self):
        stages = dockerfile_stages()
        self.assertEqual([s[0] for s in stages], ["build", "nutcracker", "runtime"])
        for name, base, _ in stages:
            self.assertEqual(base, "debian:bookworm-slim", name)

    def test_build_stage_uses_install_deps(self):
        build = dockerfile_stages()[0]
        runs = " ".join(instructions(build, "RUN"))
        self.assertIn("scripts/install-deps.sh", runs)
        self.assertIn("--target tierkv-server", runs)
        self.assertNotIn("apt-get install", runs)  # one package list: scripts/packages.txt
        # What the build stage runs works here (installs nothing when all is present).
        r = subprocess.run(["sh", os.path.join(ROOT, "scripts", "install-deps.sh"), "--build"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_copied_files_exist(self):
        for name, _, body in dockerfile_stages():
            for kw, arg in body:
                if kw != "COPY" or arg.startswith("--from"):
                    continue
                sources = shlex.split(arg)[:-1]
                for src in sources:
                    if src == ".":
                        continue
                    self.assertTrue(os.path.exists(os.path.join(ROOT, src)), "%s: COPY %s" % (name, src))

    def test_runtime_stage(self):
        stage = runtime_stage()
        self.assertEqual(instructions(stage, "EXPOSE"), ["6379"])
        self.assertEqual(instructions(stage, "VOLUME"), ["/data"])
        user = instructions(stage, "USER")
        self.assertTrue(user and user[-1] not in ("root", "0"), user)
        self.assertEqual(instructions(stage, "STOPSIGNAL"), ["SIGTERM"])
        copies = " ".join(instructions(stage, "COPY"))
        self.assertIn("--from=build /build/tierkv-server", copies)
        self.assertIn("config.example.toml", copies)
        # No compiler or -dev package in the runtime stage.
        runs = " ".join(instructions(stage, "RUN"))
        self.assertNotIn("install-deps.sh", runs)
        self.assertNotRegex(runs, r"-dev\b|build-essential|cmake")

    def test_runtime_packages_script(self):
        r = subprocess.run(["sh", os.path.join(DOCKER, "runtime-packages.sh"), server_binary()],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        packages = r.stdout.split()
        for pkg in ("libspdlog1.10", "libfmt9", "libstdc++6"):
            self.assertIn(pkg, packages)
        for pkg in packages:
            self.assertFalse(pkg.endswith("-dev"), pkg)
            status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
            self.assertIn("ok installed", status.stdout, pkg)


class EntrypointOnHost(unittest.TestCase):
    """The image's command line, run here. It binds 0.0.0.0, as in a container;
    only loopback clients connect."""

    def run_entrypoint(self, env_extra):
        port = free_port()
        data = tempfile.TemporaryDirectory(prefix="tierkv-data-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIERKV_")}
        env.update(env_extra)
        log = open(os.path.join(data.name, "server.log"), "wb")
        proc = subprocess.Popen(entrypoint_for_host(port), cwd=data.name, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        self.addCleanup(data.cleanup)
        self.addCleanup(log.close)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        wait_for_port(port, proc)
        proc.data_dir = data.name
        return proc, port

    def stop_within_10s(self, proc):
        started = time.time()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=10), 0)
        self.assertLess(time.time() - started, 10)

    def health(self, port):
        return subprocess.run(healthcheck_for_host(port), capture_output=True, timeout=10).returncode

    def test_default_protected_mode_on(self):
        proc, port = self.run_entrypoint({})
        with RespClient(port) as c:
            self.assertEqual(c.execute("PING"), "PONG")  # loopback: allowed
            self.assertEqual(c.execute("CONFIG", "GET", "bind"), [b"bind", b"0.0.0.0"])
            self.assertEqual(c.execute("CONFIG", "GET", "protected-mode"), [b"protected-mode", b"yes"])
            self.assertEqual(c.execute("CONFIG", "GET", "requirepass"), [b"requirepass", b""])
            self.assertEqual(c.execute("CONFIG", "GET", "maxclients"), [b"maxclients", b"10000"])  # the config file
            self.assertEqual(c.execute("SET", "survives", "restart"), "OK")
        self.assertEqual(self.health(port), 0)
        self.stop_within_10s(proc)
        # The tier is in the data volume, and the key was written there.
        self.assertTrue(os.path.exists(os.path.join(proc.data_dir, "tier", "CURRENT")))
        self.assertNotEqual(self.health(port), 0)  # nothing listens any more

    def test_password_from_env(self):
        password = "s3cret with space"
        proc, port = self.run_entrypoint({"TIERKV_PASSWORD": password})
        with RespClient(port) as c:
            with self.assertRaises(RespError) as cm:
                c.execute("PING")
            self.assertTrue(str(cm.exception).startswith("NOAUTH"))
            self.assertEqual(c.execute("AUTH", password), "OK")
            self.assertEqual(c.execute("SET", "k", "v"), "OK")
        self.assertEqual(self.health(port), 0)  # -NOAUTH still proves it is up
        self.stop_within_10s(proc)

    def test_explicit_opt_out(self):
        proc, port = self.run_entrypoint({"TIERKV_PROTECTED_MODE": "no"})
        with RespClient(port) as c:
            self.assertEqual(c.execute("CONFIG", "GET", "protected-mode"), [b"protected-mode", b"no"])
        self.stop_within_10s(proc)

    def test_bad_env_value_fails_start(self):
        port = free_port()
        r = subprocess.run(entrypoint_for_host(port), env=dict(os.environ, TIERKV_PROTECTED_MODE="maybe"),
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertIn("protected-mode", r.stderr)


@unittest.skipIf(yaml is None, "python3-yaml not installed")
class Compose(unittest.TestCase):
    def load(self, name):
        with open(os.path.join(DOCKER, name)) as f:
            return yaml.safe_load(f)

    def check_build(self, build):
        context = os.path.normpath(os.path.join(DOCKER, build["context"]))
        self.assertEqual(context, ROOT)
        self.assertTrue(os.path.isfile(os.path.join(context, build["dockerfile"])))
        if "target" in build:
            self.assertIn(build["target"], [s[0] for s in dockerfile_stages()])

    def check_volumes(self, doc, service):
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                self.assertTrue(os.path.exists(os.path.join(DOCKER, source)), source)
            else:
                self.assertIn(source, doc.get("volumes") or {}, "undeclared named volume " + source)

    def test_single_node(self):
        doc = self.load("compose.yaml")
        self.assertEqual(list(doc["services"]), ["tierkv"])
        svc = doc["services"]["tierkv"]
        self.check_build(svc["build"])
        self.check_volumes(doc, svc)
        self.assertIn("tierkv-data:/data", svc["volumes"])
        self.assertIn("TIERKV_PASSWORD", svc["environment"])

    def test_cluster(self):
        doc = self.load("compose.cluster.yaml")
        services = doc["services"]
        nodes = sorted(n for n in services if n.startswith("tierkv-"))
        self.assertEqual(nodes, ["tierkv-1", "tierkv-2", "tierkv-3"])
        for name, svc in services.items():
            self.check_build(svc["build"])
            self.check_volumes(doc, svc)
        proxy = services["proxy"]
        self.assertEqual(proxy["build"]["target"], "nutcracker")
        self.assertEqual(sorted(proxy["depends_on"]), nodes)
        mounted = [v for v in proxy["volumes"] if v.startswith("./")]
        self.assertEqual(mounted, ["./tierkv.yml:/etc/nutcracker/tierkv.yml:ro"])
        # The nutcracker stage's ENTRYPOINT reads the file mounted there.
        nutcracker = dockerfile_stages()[1]
        self.assertIn("/etc/nutcracker/tierkv.yml", instructions(nutcracker, "ENTRYPOINT")[-1])
        # The proxy's ring: ketama over exactly these three services.
        ring = self.load("tierkv.yml")["tierkv"]
        self.assertEqual(ring["distribution"], "ketama")
        self.assertTrue(ring["auto_eject_hosts"])
        self.assertTrue(ring["redis"])
        hosts = sorted(s.split(":")[0] for s in ring["servers"])
        self.assertEqual(hosts, nodes)

    @unittest.skipUnless(os.path.exists(NUTCRACKER), "nutcracker not installed")
    def test_nutcracker_config_syntax(self):
        r = subprocess.run([NUTCRACKER, "--test-conf", "--conf-file", os.path.join(DOCKER, "tierkv.yml")],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("syntax is ok", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
