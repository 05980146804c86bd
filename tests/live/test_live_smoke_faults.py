"""A service killed during smoke is named within seconds and the run stays within its budget:
Alertmanager, Prometheus and the log store (service `loki`), each SIGKILLed while smoke runs.
Real processes on the stack's own ports (take the machine-wide stack lock, see COMMON.md)."""
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

from obsgate.runtime import procs

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("catalog", "stacks", "rules_src", "dashboards_src", "tools")
BUDGET = 60.0  # --scenario-budget of these runs
KILL_AFTER = 6.0  # seconds into smoke


def obsgate(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(root), *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("smoke-faults") / "project"
    for name in SOURCES:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".tools").symlink_to(ROOT / ".tools")
    up = obsgate(root, "up", "--runtime", "native", "--profile", "ci", "--wipe")
    assert up.returncode == 0, up.stdout + up.stderr
    yield root
    obsgate(root, "down")
    procs.stop_found(procs.under(root / ".run"))


def service_proc(root: Path, name: str) -> procs.Proc:
    rec = json.loads((root / ".run" / "state.json").read_text())["services"][name]
    return procs.Proc(rec["pid"], rec["start"])


@pytest.mark.parametrize("service", ["alertmanager", "prometheus", "loki"])
def test_a_service_killed_during_smoke_is_named_within_seconds(stack, service):
    up = obsgate(stack, "up", "--runtime", "native", "--profile", "ci")  # restarts what the last case killed
    assert up.returncode == 0, up.stdout + up.stderr
    victim = service_proc(stack, service)
    assert procs.alive(victim)
    t0 = time.monotonic()
    smoke = subprocess.Popen([sys.executable, "-m", "obsgate.cli", "--root", str(stack), "smoke",
                              "--scenario-budget", str(BUDGET)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT)
    time.sleep(KILL_AFTER)
    assert smoke.poll() is None, "smoke ended before the kill"
    os.killpg(victim.pid, signal.SIGKILL)
    killed = time.monotonic()
    out, err = smoke.communicate(timeout=BUDGET * 3)
    after_kill, total = time.monotonic() - killed, time.monotonic() - t0
    text = out + err
    print(f"{service} killed {KILL_AFTER:.0f}s into smoke: smoke ended {after_kill:.1f}s later, {total:.1f}s in all")
    assert smoke.returncode == 1, text
    assert "Traceback" not in text
    assert f"service `{service}` died" in text and f"service `{service}` is down" in text, text
    assert after_kill < 20, f"smoke took {after_kill:.0f}s after {service} was killed"
    assert total < BUDGET, f"smoke took {total:.0f}s in all, over its {BUDGET:.0f}s budget"
