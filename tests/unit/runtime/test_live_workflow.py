"""The `live` CI job runs the docker live gate and keeps its evidence (JUnit always, logs on failure)."""
from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parents[3] / ".github" / "workflows" / "ci.yml"


def test_live_job_runs_obsgate_ci_on_docker_and_uploads_junit_and_logs():
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["live"]
    assert job["name"] == "live"
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert '.venv/bin/obsgate ci --runtime docker --junit "$REPORTS/live.xml"' in runs
    uploads = {s["with"]["name"]: s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")}
    assert uploads["live-reports"]["if"] == "${{ !cancelled() }}"
    assert uploads["live-service-logs"]["if"] == "${{ failure() }}"
    assert uploads["live-service-logs"]["with"]["path"] == ".run/*/*.log"
    assert "GRAFANA_ADMIN_PASSWORD" in runs and "openssl rand" in runs  # never a literal password
