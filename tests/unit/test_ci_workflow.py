"""The CI workflow is linted by the real actionlint (built by `make tools`) and keeps its merge gate."""
from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from obsgate import tools

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    info = tools.find("actionlint", ROOT)
    assert info.found, "actionlint is missing: run `make tools`"
    return subprocess.run([info.path, "-no-color", *map(str, files)], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)


def test_actionlint_accepts_the_workflow():
    res = actionlint(WORKFLOW)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout == ""


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "ci.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    needz: [x]"))
    res = actionlint(broken)
    assert res.returncode == 1 and 'unexpected key "needz" for "job" section' in res.stdout


def test_static_job_runs_the_gate_and_uploads_junit():
    wf = yaml.safe_load(WORKFLOW.read_text())
    job = wf["jobs"]["static"]
    assert job["name"] == "static"  # the check name branch protection requires
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    uses = [s.get("uses", "") for s in job["steps"]]
    assert "make tools" in runs and "make check" in runs and "make test-unit" in runs
    assert '.venv/bin/obsgate validate --junit "$REPORTS/validate.xml" --summary "$GITHUB_STEP_SUMMARY"' in runs
    assert any(u.startswith("actions/setup-python@") for u in uses)
    go = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-go@"))
    assert go["with"]["go-version-file"] == "tools/prometheus/go.mod"
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "${{ !cancelled() }}"
    assert "pull_request" in wf[True]  # PyYAML reads the `on:` key as True


def test_pre_commit_hooks_run_the_same_gates():
    hooks = {h["id"]: h for r in yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
             for h in r["hooks"]}
    assert hooks["obsgate-generate-check"]["entry"] == ".venv/bin/obsgate generate --check"
    assert hooks["obsgate-validate"]["entry"] == ".venv/bin/obsgate validate"
    assert all(h["pass_filenames"] is False and h["language"] == "system" for h in hooks.values())
