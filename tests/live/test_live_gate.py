"""The native live gate, for real: one stack (ci profile) for every smoke assertion, plus reliability.

The project is copied to a temporary root so that its .run/ never touches a developer's running stack;
the ports are the stack's own (9090, 3100, ...), as users see them. Tests run in file order: the port
check before the stack starts, the stack's assertions, then down, then SIGTERM on a fresh `up`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from obsgate.load import load
from obsgate.runtime import ports, procs
from obsgate.smoke import scenarios

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("catalog", "stacks", "rules_src", "dashboards_src", "tools")
FAMILIES = ("targets", "rules", "alertmanager", "loki", "mongo", "llm", "panels", "grafana", "scenarios")


def obsgate(root: Path, *args: str, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(root), *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


@pytest.fixture(scope="module")
def project_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("live") / "project"
    for name in SOURCES:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".tools").symlink_to(ROOT / ".tools")
    yield root
    obsgate(root, "down")  # whatever a failed test left running


def state(root: Path) -> dict:
    try:
        return json.loads((root / ".run" / "state.json").read_text())
    except OSError:
        return {}


def recorded(root: Path) -> list[procs.Proc]:
    return [procs.Proc(s["pid"], s["start"]) for s in state(root).get("services", {}).values()]


def test_a_port_in_use_fails_fast_naming_the_port_and_its_holder(project_root):
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 9093))  # alertmanager's port
    holder.listen()
    try:
        t0 = time.monotonic()
        run = obsgate(project_root, "up", "--runtime", "native", "--profile", "ci")
        took = time.monotonic() - t0
    finally:
        holder.close()
    assert run.returncode == 1, run.stdout + run.stderr
    assert "port 9093 (service `alertmanager`) is in use by pid " + str(os.getpid()) in run.stderr
    assert took < 10
    assert not state(project_root).get("services")  # nothing was started


@pytest.fixture(scope="module")
def gate(project_root):
    """Start the stack once, run every smoke family right away (the backfill window is short)."""
    t0 = time.monotonic()
    up = obsgate(project_root, "up", "--runtime", "native", "--profile", "ci", "--wipe")
    up_seconds = time.monotonic() - t0
    assert up.returncode == 0, up.stdout + up.stderr
    out = project_root / ".run" / "smoke.json"
    t0 = time.monotonic()
    smoke = obsgate(project_root, "smoke", "--json", str(out), "--junit", str(project_root / ".run" / "smoke.xml"))
    smoke_seconds = time.monotonic() - t0
    cases = json.loads(out.read_text()) if out.exists() else []
    print(up.stdout, smoke.stdout, smoke.stderr, sep="\n")
    yield {"up": up, "up_seconds": up_seconds, "smoke": smoke, "smoke_seconds": smoke_seconds, "cases": cases}


def test_up_is_fast_and_starts_every_native_service(gate, project_root):
    assert gate["up_seconds"] < 15, gate["up"].stdout
    assert "started" in gate["up"].stdout
    assert all(procs.alive(p) for p in recorded(project_root))
    assert len(recorded(project_root)) >= 8  # infra, gateway, sink and the simulators


@pytest.mark.parametrize("family", FAMILIES)
def test_every_smoke_case_passes(gate, family):
    cases = [c for c in gate["cases"] if c["family"] == family]
    assert cases, f"smoke family `{family}` reported no case: {gate['smoke'].stdout[-2000:]}{gate['smoke'].stderr}"
    failed = [f"{c['name']}: {c['message']} (query {c['query']}, value {c['value']})" for c in cases
              if c["status"] == "failed"]
    assert not failed, "\n".join(failed)
    for c in cases:
        assert c["status"] == "passed" or c["message"], f"{c['name']} skipped without a reason"


def test_scenarios_prove_alerts_end_to_end(gate):
    """Each driven alert is delivered at the sink, except a warning whose family's critical fires from the same
    fault: that one must be muted (held by Alertmanager with inhibitedBy, absent from the sink), as
    smoke/scenarios.py expects it; the inhibition case proves the release once the critical resolves."""
    cases = [c for c in gate["cases"] if c["family"] == "scenarios"]
    status = {c["name"].split(" (")[0]: c["status"] for c in cases}
    mutes = {w: c for w, c in scenarios.expected_mutes(load(ROOT)).items() if status.get(c) == "passed"}
    passed = [c for c in cases if c["status"] == "passed"]
    driven = [c for c in passed if not c["name"].startswith("inhibition:")]
    assert len(driven) >= 10
    delivered = re.compile(r"sink:[\w-]+")
    for c in driven:
        name, value = c["name"].split(" (")[0], c["value"]
        stages = ("firing", "alertmanager", "resolved")
        assert all(stage in value for stage in stages), c
        if name in mutes:
            assert f"inhibited by {mutes[name]}" in value and "absent from the sink" in value, c
            assert not delivered.search(value), c
        else:
            assert delivered.search(value) and "inhibited" not in value, c
    muted = [c for c in driven if c["name"].split(" (")[0] in mutes]
    assert muted, f"no passed case of the alerts expected to be muted: {sorted(mutes)}"
    inhibition = next((c for c in passed if c["name"].startswith("inhibition:")), None)
    assert inhibition, [c for c in cases if c["name"].startswith("inhibition")]
    for stage in ("delivered", "suppressed", "sink: no warning", "resolved", "delivered to"):
        assert stage in inhibition["value"], inhibition


def test_backfilled_alert_fires_from_promtool_blocks(gate):
    case = next(c for c in gate["cases"] if c["name"].startswith("TokenBudgetDepletionPredicted"))
    assert case["status"] == "passed", case
    assert "create-blocks-from openmetrics" in case["query"]


def test_a_second_up_reports_running_and_starts_nothing(gate, project_root):
    before = state(project_root)["services"]
    again = obsgate(project_root, "up", "--runtime", "native", "--profile", "ci")
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout and "nothing started" in again.stdout
    assert state(project_root)["services"] == before


def test_down_stops_every_process_releases_ports_and_keeps_data(gate, project_root):
    running = recorded(project_root)
    down = obsgate(project_root, "down")
    assert down.returncode == 0, down.stderr
    assert running and not any(procs.alive(p) for p in running)
    assert not any(procs.group_members(p.pid) for p in running)
    assert not [p for p in (9090, 9093, 3100, 9096, 27017, 8089, 9099) if ports.in_use(p)]
    assert any((project_root / ".run" / "prometheus" / "data").iterdir())  # data survives down
    wiped = obsgate(project_root, "down", "--wipe")
    assert wiped.returncode == 0 and not (project_root / ".run" / "prometheus" / "data").exists()


def test_sigterm_during_up_stops_everything_it_started(gate, project_root):
    proc = subprocess.Popen([sys.executable, "-m", "obsgate.cli", "--root", str(project_root), "up", "--runtime",
                             "native", "--profile", "ci"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    seen: list[procs.Proc] = []
    while time.monotonic() < deadline and len(seen) < 5:
        seen = recorded(project_root)
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, out + err
    assert "stopping what was started" in err
    assert seen and not any(procs.alive(p) for p in seen)
    assert not state(project_root).get("services")
    assert not [p for p in (9090, 9093, 3100, 27017) if ports.in_use(p)]
