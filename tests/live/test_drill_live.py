"""`obsgate drill` on the real native stack (ci profile): one stack for both tests, in file order.

1. A full drill passes: every piece of evidence equal, RTO and RPO under their objectives, the figures read
   back from Prometheus, the drill exporter's series scraped.
2. One backup of that drill is corrupted and restored with --restore-from: the drill fails naming the file,
   destroys nothing, the four services still run, and DRDrillFailed reaches the sink through Alertmanager.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("catalog", "stacks", "rules_src", "dashboards_src", "tools")


def obsgate(root: Path, *args: str, timeout: float = 400) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(root), *args], capture_output=True,
                          text=True, timeout=timeout)


def get(url: str, **params) -> dict:
    with urllib.request.urlopen(url + ("?" + urllib.parse.urlencode(params) if params else ""), timeout=10) as r:
        return json.loads(r.read())


def prom(expr: str) -> list:
    return get("http://127.0.0.1:9090/api/v1/query", query=expr)["data"]["result"]


def copy_of(first, name: str) -> Path:
    """A copy of the first drill's backup to tamper with (the original stays as it was written)."""
    src = Path(first["report"]["backup_dir"])
    dest = src.parent / name
    shutil.copytree(src, dest)
    return dest


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("drill") / "project"
    for name in SOURCES:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".tools").symlink_to(ROOT / ".tools")
    up = obsgate(root, "up", "--runtime", "native", "--profile", "ci", "--wipe")
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        # the drill reads its evidence 15 s in the past: wait until the simulators' logs are that old
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not get(
                "http://127.0.0.1:3100/loki/api/v1/query", query='sum(count_over_time({service=~".+"}[1h]))',
                time=str(int((time.time() - 20) * 1e9)))["data"]["result"]:
            time.sleep(1)
        yield root
    finally:
        obsgate(root, "down")


@pytest.fixture(scope="module")
def first(stack, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "drill-report.md"
    t0 = time.monotonic()
    run = obsgate(stack, "drill", "--report", str(out))
    took = time.monotonic() - t0
    print(run.stdout, run.stderr, sep="\n")
    report = json.loads(out.with_suffix(".json").read_text())
    return {"run": run, "report": report, "md": out.read_text(), "took": took}


def test_a_drill_on_the_native_stack_passes_with_rto_rpo_and_every_piece_of_evidence_equal(first, stack):
    run, r = first["run"], first["report"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert r["decision"] == "pass" and r["failures"] == []
    crit = {c["name"]: c for c in r["criteria"]}
    assert all(c["passed"] for c in crit.values()), crit
    comps = {e["component"] for e in r["evidence"]}
    assert comps == {"prometheus", "mongo", "loki", "alertmanager"}
    assert all(e["equal"] and e["before"] == e["after"] for e in r["evidence"])
    ev = {(e["component"], e["name"]): e["before"] for e in r["evidence"]}
    assert int(ev[("prometheus", "series")][0][1]) > 1000  # a real TSDB, not an empty one
    assert ev[("mongo", "obsgate.digests documents")] >= 90
    assert int(ev[("loki", "log lines in the hour before")][0][1]) > 0
    assert ev[("alertmanager", "active silences")][0]["createdBy"] == "obsgate drill"
    # the figures come from Prometheus, scraped from the drill exporter
    fig = r["figures"]
    rto, rpo = float(fig["rto_seconds"]["value"]), float(fig["rpo_seconds"]["value"])
    assert 0 < rto < 900 and 0 < rpo < 3600 and rto < first["took"]
    assert fig["result"]["value"] == "1" and fig["verification_failures"]["value"] == "0"
    assert set(fig["backup_bytes"]["value"]) == comps and all(float(v) > 0 for v in fig["backup_bytes"]["value"].values())
    assert float(prom('dr_drill_last_result{drill="stack_restore"}')[0]["value"][1]) == 1.0
    assert "**PASS**" in first["md"] and "## Execution log" in first["md"]
    assert (stack / ".run" / "drill" / "report.json").exists() and (stack / ".run" / "drill" / "report.md").exists()
    # the stack's Prometheus runs as before: the admin API was on only for the drill
    state = json.loads((stack / ".run" / "state.json").read_text())
    assert "--web.enable-admin-api" not in state["services"]["prometheus"]["cmd"]


def test_a_corrupt_backup_fails_the_drill_naming_it_leaves_the_stack_up_and_fires_drdrillfailed(first, stack):
    backup = copy_of(first, "corrupt-mongo")
    dump = backup / "mongo" / "obsgate.digests.bson"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    run = obsgate(stack, "drill", "--restore-from", str(backup))
    print(run.stdout, run.stderr, sep="\n")
    assert run.returncode == 1
    r = json.loads((stack / ".run" / "drill" / "report.json").read_text())
    assert r["decision"] == "fail"
    assert r["failures"][0] == ("backup of `mongo` is corrupt: obsgate.digests.bson does not match its sha256 "
                                "in the manifest")
    assert "backup of `mongo` is corrupt" in run.stdout and "nothing was destroyed" in run.stdout
    assert not any(e["message"].startswith("stopping") for e in r["log"] if e["step"] == "destroy")  # nothing destroyed
    assert backup.exists() and dump.exists()  # the backups are kept
    state = json.loads((stack / ".run" / "state.json").read_text())
    assert {"prometheus", "mongo", "loki", "alertmanager"} <= set(state["services"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [r["value"][1] for r in prom('dr_drill_last_result{drill="stack_restore"}')] != ["0"]:
        time.sleep(0.5)
    assert [r["value"][1] for r in prom('dr_drill_last_result{drill="stack_restore"}')] == ["0"]
    deadline = time.monotonic() + 60
    notes = []
    while time.monotonic() < deadline and not notes:
        notes = get("http://127.0.0.1:9099/notifications", alertname="DRDrillFailed", status="firing")["notifications"]
        time.sleep(1)
    assert notes, "DRDrillFailed did not reach the sink within 60 s"
    assert notes[0]["receiver"] == "slack" and notes[0]["alerts"][0]["labels"]["drill"] == "stack_restore"


def test_a_restore_that_leaves_data_unequal_fails_naming_the_evidence_and_brings_the_stack_back(first, stack):
    """A backup whose manifest was rewritten to match a tampered file passes the sha256 check, is restored,
    and the verification names what differs; the services run again afterwards."""
    from obsgate.runtime.drill_pieces import write_manifest

    backup = copy_of(first, "unequal-loki")
    logs = backup / "loki"
    for path in logs.glob("*.jsonl"):
        lines = path.read_bytes().splitlines(keepends=True)
        path.write_bytes(b"".join(lines[::2]))  # every other push record goes, before and after the evidence time
    old = json.loads((logs / "manifest.json").read_text())
    write_manifest(logs, {k: v for k, v in old.items() if k not in ("files", "bytes")})
    run = obsgate(stack, "drill", "--restore-from", str(backup))
    print(run.stdout, run.stderr, sep="\n")
    assert run.returncode == 1
    r = json.loads((stack / ".run" / "drill" / "report.json").read_text())
    bad = [e for e in r["evidence"] if not e["equal"]]
    assert bad and {e["component"] for e in bad} == {"loki"}, bad
    total = next(e for e in bad if e["name"] == "log lines in the hour before")
    assert 0 < int(total["after"][0][1]) < int(total["before"][0][1])
    assert any(f.startswith("loki: `log lines in the hour before` differs after the restore") for f in r["failures"])
    assert {c["name"]: c["passed"] for c in r["criteria"]}["data_equal"] is False
    state = json.loads((stack / ".run" / "state.json").read_text())
    assert {"prometheus", "mongo", "loki", "alertmanager"} <= set(state["services"])
    assert prom("up")  # Prometheus answers again
