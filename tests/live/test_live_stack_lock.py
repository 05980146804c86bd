"""One stack per project at a time, and recovery from killed runs: concurrent `up`, `up` after
SIGKILL, `down` after SIGKILL with the state file lost. Real processes on the stack's own ports
(take the machine-wide stack lock, see helpers' COMMON.md)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from obsgate.runtime import ports, procs

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("catalog", "stacks", "rules_src", "dashboards_src", "tools")
UP = ("up", "--runtime", "native", "--profile", "ci")


def command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "obsgate.cli", "--root", str(root), *args]


def obsgate(root: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(command(root, *args), capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "project"
    for name in SOURCES:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".tools").symlink_to(ROOT / ".tools")
    yield root
    obsgate(root, "down")
    procs.stop_found(procs.under(root / ".run"))  # nothing of a failed test may outlive it


def services(root: Path) -> dict[str, procs.Proc]:
    try:
        recs = json.loads((root / ".run" / "state.json").read_text()).get("services", {})
    except (OSError, ValueError):
        return {}
    return {n: procs.Proc(r["pid"], r["start"]) for n, r in recs.items()}


def stack_ports(root: Path) -> list[int]:
    from obsgate.load import load
    return [s.port for s in load(root).stack.services if s.native is not None]


def kill_while_starting(root: Path, at_least: int = 3) -> dict[str, procs.Proc]:
    """Start `up`, SIGKILL it once `at_least` services run; the processes it had started."""
    proc = subprocess.Popen(command(root, *UP), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(services(root)) < at_least and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "up finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = services(root)
    assert len(left) >= at_least and all(procs.alive(p) for p in left.values())
    return left


def assert_nothing_left(root: Path, old: dict[str, procs.Proc] | None = None) -> None:
    assert procs.under(root / ".run") == []
    assert [p for p in stack_ports(root) if ports.in_use(p)] == []
    for name, p in (old or {}).items():
        assert not procs.alive(p), f"{name} (pid {p.pid}) of the killed run is still running"


def test_two_concurrent_ups_start_one_stack_and_the_other_is_refused(root):
    first = subprocess.Popen(command(root, *UP), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(0.3)
    second = subprocess.Popen(command(root, *UP), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    out2, err2 = second.communicate(timeout=60)
    out1, err1 = first.communicate(timeout=240)
    assert first.returncode == 0, out1 + err1
    assert second.returncode == 1, out2 + err2
    assert "another obsgate run holds this project's stack: `obsgate up` (pid " in err2
    running = services(root)
    assert running and all(procs.alive(p) for p in running.values()), "the refused `up` disturbed the stack"
    down = obsgate(root, "down")
    assert down.returncode == 0 and "stopped" in down.stdout, down.stdout + down.stderr
    assert_nothing_left(root, running)


def test_up_after_a_sigkill_says_so_stops_the_orphans_and_starts_fresh(root):
    old = kill_while_starting(root)
    up = obsgate(root, *UP)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "a previous run was killed (`obsgate up` (pid " in up.stdout
    for name, p in old.items():
        assert not procs.alive(p), f"{name} of the killed run was reused or left running"
    fresh = services(root)
    assert fresh and all(procs.alive(p) for p in fresh.values())
    assert obsgate(root, "down").returncode == 0
    assert_nothing_left(root, fresh)


def test_down_after_a_sigkill_stops_processes_the_lost_state_no_longer_lists(root):
    old = kill_while_starting(root)
    (root / ".run" / "state.json").unlink()  # what a racing cleanup did before the lock
    for name in old:
        (root / ".run" / name / "pid").unlink(missing_ok=True)
    down = obsgate(root, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "(not in the state file)" in down.stdout
    assert_nothing_left(root, old)


def active_faults(root: Path) -> dict[str, list]:
    """{simulator: its active faults} for every telemetry simulator the state lists."""
    from obsgate.runtime import httpjson
    recs = json.loads((root / ".run" / "state.json").read_text()).get("services", {})
    out = {}
    for name, rec in recs.items():
        if "obsgate.sim.telemetry" in " ".join(rec.get("cmd", [])):
            try:
                out[name] = httpjson.get(f"http://127.0.0.1:{rec['port']}/faults", timeout=2).get("active", [])
            except httpjson.HTTPError:
                out[name] = []
    return out


def test_a_ci_killed_with_faults_on_is_stopped_not_reused_by_the_next_run(root):
    log = root / "ci.log"
    ci = subprocess.Popen(command(root, "ci", "--runtime", "native", "--family", "scenarios", "--scenario-budget", "40"),
                          stdout=open(log, "w"), stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 180
    faults: dict = {}
    while time.monotonic() < deadline and ci.poll() is None:
        if services(root) and (root / ".run" / "owner.json").exists():
            try:
                faults = {k: v for k, v in active_faults(root).items() if v}
            except (OSError, ValueError, KeyError):
                faults = {}
            if faults:
                break
        time.sleep(0.2)
    assert faults, "no simulator fault was switched on before ci ended:\n" + log.read_text()[-3000:]
    ci.send_signal(signal.SIGKILL)
    ci.wait()
    old = services(root)
    up = obsgate(root, *UP)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "a previous run was killed (`obsgate ci` (pid " in up.stdout, up.stdout
    for name, p in old.items():
        assert not procs.alive(p), f"{name} of the killed ci was reused"
    assert not any(active_faults(root).values())
    assert obsgate(root, "down").returncode == 0
    assert_nothing_left(root)
