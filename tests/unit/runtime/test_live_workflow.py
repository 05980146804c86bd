"""The `live` CI job runs the docker live gate through the same code as `make test`, and keeps its evidence."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def live_job() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["live"]


def test_live_job_runs_the_docker_live_tests_through_make_test_with_the_official_images():
    job = live_job()
    assert job["name"] == "live"
    assert job["env"]["OBSGATE_DOCKER_IMAGES"] == "official"
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert 'make test PYTEST_ARGS="tests/live/test_docker_live.py --junitxml=$REPORTS/live-tests.xml"' in runs
    assert 'OBSGATE_REPORTS="$PWD/$REPORTS"' in runs
    assert "GRAFANA_ADMIN_PASSWORD" in runs and "openssl rand" in runs  # never a literal password


def test_make_test_is_the_engine_script_around_pytest():
    """What the job calls is what runs here: the Makefile's test target wraps pytest in docker_engine.py."""
    make = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test: .*\n\t(.+)$", make, re.M).group(1)
    assert recipe == "$(PY) scripts/docker_engine.py run -- $(PY) -m pytest -q $(PYTEST_ARGS)"


def test_the_live_tests_run_ci_and_loki_test_with_the_image_set_of_the_environment():
    text = (ROOT / "tests" / "live" / "test_docker_live.py").read_text()
    assert 'IMAGES = os.environ.get("OBSGATE_DOCKER_IMAGES", "local")' in text
    assert '"ci", "--runtime", "docker",\n                           "--images", IMAGES' in text
    assert '"loki-test", "--loki"' in text


def test_live_job_uploads_junit_and_the_service_logs_even_when_it_fails():
    uploads = {s["with"]["name"]: s for s in live_job()["steps"]
               if s.get("uses", "").startswith("actions/upload-artifact@")}
    assert uploads["live-reports"]["if"] == "${{ !cancelled() }}"
    assert "${{ env.REPORTS }}/*.xml" in uploads["live-reports"]["with"]["path"]
    assert uploads["live-service-logs"]["if"] == "${{ !cancelled() }}"
    assert uploads["live-service-logs"]["with"]["path"] == "${{ env.REPORTS }}/logs/"


def test_live_job_has_promtool_for_the_backfilled_history():
    steps = live_job()["steps"]
    assert any(s.get("uses", "").startswith("actions/setup-go@") for s in steps)
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    static = yaml.safe_load(WORKFLOW.read_text())["jobs"]["static"]
    static_cache = next(s for s in static["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"] == static_cache["with"]  # one key: the tools the static job built are reused
