"""The docker live gate, for real: `obsgate ci --runtime docker --images local` on a Docker engine.

OBSGATE_DOCKER_IMAGES=official runs the same tests on the official pinned images (the GitHub `live` job,
through the same `make test`); OBSGATE_REPORTS=DIR keeps the JUnit report and the service logs there.
One stack run: while `ci` runs its smoke, the test looks at the containers (ports on 127.0.0.1 only, their
own network, the parameters docker-compose.infra.yml declares) and tries a second `up`; after `ci` it
checks that nothing of the project is left but the named volumes. Then a fresh `up` gets SIGTERM.
`make test` provides the engine (scripts/docker_engine.py); the module is skipped only where no engine
can be had, with the reason. It takes the stack lock (the ports are the stack's own).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from obsgate import tools
from obsgate.load import load
from obsgate.runtime import images

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
# The project image is built from the checkout: the package and its packaging come along.
COPY = ("catalog", "stacks", "rules_src", "dashboards_src", "tools", "obsgate", "schemas", "pyproject.toml",
        "README.md", "Dockerfile", ".dockerignore", "docker-compose.infra.yml", "generated")
IMAGES = os.environ.get("OBSGATE_DOCKER_IMAGES", "local")
REPORTS = Path(os.environ["OBSGATE_REPORTS"]).resolve() if os.environ.get("OBSGATE_REPORTS") else None
NATIVE_FAMILIES = ("targets", "rules", "alertmanager", "loki", "mongo", "llm", "panels", "scenarios")
LOCK = Path("/tmp/obsgate-stack.lock")
STACK = "day23"

ENGINE = tools.docker_engine(timeout=5.0)
if not ENGINE["reachable"]:
    pytest.skip(os.environ.get("OBSGATE_DOCKER_UNAVAILABLE") or f"no Docker engine answers: {ENGINE['error']}",
                allow_module_level=True)


def obsgate(root: Path, *args: str, timeout: float = 900, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(root), *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


def _lock_held_by_ancestor() -> bool:
    """`flock /tmp/obsgate-stack.lock make test` already holds it for us (a second flock would deadlock)."""
    try:
        inode = LOCK.stat().st_ino
        holders = {int(f[4]) for f in (ln.split() for ln in Path("/proc/locks").read_text().splitlines())
                   if len(f) > 5 and f[1] == "FLOCK" and f[5].rsplit(":", 1)[-1] == str(inode)}
    except (OSError, ValueError):
        return False
    pid = os.getpid()
    while pid > 1:
        if pid in holders:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


@pytest.fixture(scope="module")
def stack_lock():
    if _lock_held_by_ancestor():
        yield
        return
    with open(LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # waits for another helper's stack run
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def client():
    import docker

    c = docker.from_env(timeout=120)
    yield c
    c.close()


@pytest.fixture(scope="module")
def project_root(tmp_path_factory, stack_lock, client) -> Path:
    root = tmp_path_factory.mktemp("docker") / "project"
    root.mkdir()
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy2(src, root / name)
    (root / ".tools").symlink_to(ROOT / ".tools")
    yield root
    obsgate(root, "down", "--wipe")  # whatever a failed test left behind
    if REPORTS:
        for log in (root / ".run").glob("*/*.log"):
            (REPORTS / "logs").mkdir(parents=True, exist_ok=True)
            shutil.copy2(log, REPORTS / "logs" / log.name)


def container_ids(client) -> list[str]:
    """The project's containers, listed without inspecting each (one may vanish while `down` runs)."""
    return sorted(c["Id"] for c in client.api.containers(all=True, filters={"label": f"io.obsgate.stack={STACK}"}))


def ours(client, kind: str) -> list:
    label = {"label": f"io.obsgate.stack={STACK}"}
    return {"containers": lambda: client.containers.list(all=True, filters=label),
            "networks": lambda: client.networks.list(filters=label),
            "volumes": lambda: client.volumes.list(filters=label)}[kind]()


def test_the_image_set_is_there_and_a_second_build_builds_nothing(project_root, client):
    if IMAGES == "official":  # the registry's pinned images, pulled once; the project's image from the repo
        project = load(project_root)
        for svc in project.stack.services:
            if "docker" in svc.runtimes and not svc.build:
                client.images.pull(svc.image, tag=svc.tag)
                assert client.images.get(f"{svc.image}:{svc.tag}"), svc.name
        return
    first = obsgate(project_root, "images", "build", "--local", timeout=1800)
    assert first.returncode == 0, first.stdout + first.stderr
    print(first.stdout)
    t0 = time.monotonic()
    again = obsgate(project_root, "images", "build", "--local")
    warm = time.monotonic() - t0
    assert again.returncode == 0, again.stdout + again.stderr
    assert "images: 0 built, 5 cached" in again.stdout, again.stdout
    assert warm < 30, f"a warm run took {warm:.1f}s"


@pytest.fixture(scope="module")
def gate(project_root, client):
    """`obsgate ci` once; while its smoke runs, look at the running stack and try a second `up`."""
    out = REPORTS or project_root / ".run-reports"
    out.mkdir(parents=True, exist_ok=True)
    summary = ["--summary", os.environ["GITHUB_STEP_SUMMARY"]] if os.environ.get("GITHUB_STEP_SUMMARY") else []
    if REPORTS:  # JUnit for the CI artifact (ci then also draws the dashboard previews beside it)
        summary += ["--junit", str(out / "live.xml")]
    t0 = time.monotonic()
    ci = subprocess.Popen([sys.executable, "-m", "obsgate.cli", "--root", str(project_root), "ci", "--runtime", "docker",
                           "--images", IMAGES, "--json", str(out / "smoke.json"), *summary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: dict = {}
    lines: list[str] = []
    for line in ci.stdout:  # `up` prints its status table when the stack is healthy, then smoke starts
        lines.append(line)
        if line.startswith("timings:") and not seen:
            seen["containers"] = {c.labels["io.obsgate.service"]: c.attrs for c in ours(client, "containers")}
            seen["ids"] = container_ids(client)
            seen["networks"] = [n.attrs for n in ours(client, "networks")]
            seen["second_up"] = obsgate(project_root, "up", "--runtime", "docker", "--images", IMAGES,
                                        "--profile", "ci")
            seen["ids_after_second_up"] = container_ids(client)
    ci.wait(timeout=60)
    seconds = time.monotonic() - t0
    stdout = "".join(lines)
    print(stdout)
    cases = json.loads((out / "smoke.json").read_text()) if (out / "smoke.json").exists() else []
    yield {"rc": ci.returncode, "stdout": stdout, "seconds": seconds, "cases": cases, **seen}


def test_ci_on_docker_with_local_images_passes(gate):
    assert gate["rc"] == 0, gate["stdout"][-4000:]
    print(f"docker live gate wall time: {gate['seconds']:.1f}s")


@pytest.mark.parametrize("family", NATIVE_FAMILIES)
def test_every_smoke_family_the_native_runtime_passes_passes(gate, family):
    cases = [c for c in gate["cases"] if c["family"] == family]
    assert cases, f"smoke family `{family}` reported no case: {gate['stdout'][-2000:]}"
    failed = [f"{c['name']}: {c['message']}" for c in cases if c["status"] == "failed"]
    assert not failed, "\n".join(failed)
    assert any(c["status"] == "passed" for c in cases), cases


def test_grafana_is_skipped_with_the_reason_or_passes_on_the_official_image(gate):
    cases = [c for c in gate["cases"] if c["family"] == "grafana"]
    assert cases, gate["stdout"][-2000:]
    if IMAGES == "official":
        assert all(c["status"] == "passed" for c in cases), cases
    else:
        assert all(c["status"] == "skipped" for c in cases) and any("AGPL" in c["message"] for c in cases), cases


def test_a_second_up_is_detected_and_starts_nothing(gate):
    """While `ci` holds the stack, a second `up` is refused by the run lock, naming the holder."""
    again = gate["second_up"]
    assert again.returncode == 1, again.stdout + again.stderr
    assert "another obsgate run holds this project's stack: `obsgate ci`" in again.stderr, again.stderr
    assert gate["ids_after_second_up"] == gate["ids"]  # no container created, removed or replaced


def test_ports_are_published_on_loopback_only(gate):
    assert len(gate["containers"]) >= 15
    for name, attrs in gate["containers"].items():
        bindings = attrs["HostConfig"]["PortBindings"]
        assert bindings, name
        for binds in bindings.values():
            assert all(b["HostIp"] == "127.0.0.1" for b in binds), (name, binds)
        published = attrs["NetworkSettings"]["Ports"]
        assert all(b["HostIp"] == "127.0.0.1" for binds in published.values() if binds for b in binds), name


def test_the_containers_are_on_their_own_network_only(gate):
    nets = [n["Name"] for n in gate["networks"]]
    assert nets == [f"obsgate-{STACK}"]
    assert gate["networks"][0]["Driver"] == "bridge"
    for name, attrs in gate["containers"].items():
        assert list(attrs["NetworkSettings"]["Networks"]) == [f"obsgate-{STACK}"], name
        assert name in attrs["NetworkSettings"]["Networks"][f"obsgate-{STACK}"]["Aliases"], name


def test_running_containers_agree_with_the_compose_file(gate, project_root):
    """What the engine runs is what docker-compose.infra.yml declares (images aside: --images local)."""
    doc = yaml.safe_load((project_root / "docker-compose.infra.yml").read_text())["services"]
    for name, attrs in gate["containers"].items():
        svc = doc[name]
        port = svc["ports"][0]
        host_ip, host_port, container_port = port.split(":")
        assert attrs["HostConfig"]["PortBindings"][f"{container_port}/tcp"] == [
            {"HostIp": host_ip, "HostPort": host_port}], name
        if attrs["Config"]["Labels"].get("io.obsgate.stand-in"):
            continue  # a named stand-in runs its own command and paths
        if svc.get("command"):
            assert attrs["Config"]["Cmd"] == svc["command"], name
        targets = sorted(m["Destination"] for m in attrs["Mounts"])
        assert targets == sorted(v.split(":")[1] for v in svc.get("volumes", [])), name
        assert attrs["Config"]["Healthcheck"]["Test"] == svc["healthcheck"]["test"], name


def test_after_ci_nothing_of_the_project_remains_but_its_volumes(gate, client):
    assert not ours(client, "containers")
    assert not ours(client, "networks")
    assert {v.name for v in ours(client, "volumes")} >= {f"obsgate-{STACK}_prometheus-data",
                                                         f"obsgate-{STACK}_loki-data"}


def test_sigterm_during_up_removes_what_was_created(gate, project_root, client):
    proc = subprocess.Popen([sys.executable, "-m", "obsgate.cli", "--root", str(project_root), "up", "--runtime",
                             "docker", "--images", IMAGES, "--profile", "ci"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        created = []
        while time.monotonic() < deadline and len(created) < 4 and proc.poll() is None:
            created = container_ids(client)
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(created) >= 4, out + err
    assert proc.returncode == 128 + signal.SIGTERM, out + err
    assert not container_ids(client), err
    assert not ours(client, "networks"), err


def test_down_wipe_removes_the_named_volumes(gate, project_root, client):
    assert ours(client, "volumes")
    wiped = obsgate(project_root, "down", "--wipe")
    assert wiped.returncode == 0, wiped.stderr
    assert not ours(client, "volumes")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_loki_test_passes_against_the_image_sets_loki(gate, project_root, client):
    """`obsgate loki-test --loki`: the official Loki container, or under --images local the log store's."""
    loki = load(project_root).stack.service("loki")
    port = _free_port()
    if IMAGES == "official":  # its default config: auth off, in-memory ring, the image's own paths
        run = {"image": f"{loki.image}:{loki.tag}"}
    else:
        run = {"image": images.local_refs(project_root)["project"],
               "command": ["python", "-m", "obsgate.sim.logstore", "--port", "3100", "--data", "/var/lib/obsgate"]}
    container = client.containers.run(**run, detach=True, ports={"3100/tcp": ("127.0.0.1", port)},
                                      labels={"io.obsgate.stack": STACK, "io.obsgate.service": "loki-test"})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            time.sleep(1)
        res = obsgate(project_root, "loki-test", "--loki", f"http://127.0.0.1:{port}")
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr + container.logs(tail=20).decode()
        assert "all passed" in res.stdout and "against loki" in res.stdout, res.stdout[-500:]
    finally:
        container.remove(force=True)
