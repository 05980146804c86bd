"""Where the previews are wired in: the command's inputs, `obsgate ci`, the live CI job and `make day-23-up`."""
import subprocess
import sys
from pathlib import Path

import yaml

from obsgate.commands.preview import CHANGED_ENV, changed_from, changed_uids

ROOT = Path(__file__).resolve().parents[3]


def test_changed_paths_name_the_changed_dashboards():
    listing = "README.md\ngenerated/grafana/dashboards/llm-gateway.json\n  generated/grafana/dashboards/rag-quality.json\n" \
              "generated/grafana/provisioning/datasources/datasources.yml\ndashboards_src/rag.py\n"
    assert changed_uids(listing) == {"llm-gateway", "rag-quality"}
    assert changed_uids("") == set()


def test_changed_list_comes_from_the_option_else_the_environment(tmp_path, monkeypatch):
    listed = tmp_path / "changed.txt"
    listed.write_text("generated/grafana/dashboards/agent-overview.json\n")
    monkeypatch.delenv(CHANGED_ENV, raising=False)
    assert changed_from(None) == set()
    assert changed_from(listed) == {"agent-overview"}
    monkeypatch.setenv(CHANGED_ENV, str(listed))
    assert changed_from(None) == {"agent-overview"}
    monkeypatch.setenv(CHANGED_ENV, str(tmp_path / "missing.txt"))
    assert changed_from(None) == set()  # a CI run without a diff draws them all, by title


def test_live_job_passes_the_changed_files_and_uploads_and_links_the_previews():
    job = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())["jobs"]["live"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 2  # HEAD^1 must exist for the diff
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert 'git diff --name-only HEAD^1 HEAD > "$REPORTS/changed.txt"' in runs
    assert 'export OBSGATE_CHANGED="$PWD/$REPORTS/changed.txt"' in runs  # read by `obsgate ci` inside make test
    upload = next(s for s in job["steps"] if s.get("id") == "previews")
    assert upload["with"] == {"name": "dashboard-previews", "path": "${{ env.REPORTS }}/preview/",
                              "if-no-files-found": "warn"}
    link = next(s for s in job["steps"] if "PREVIEWS_URL" in s.get("env", {}))
    assert link["env"]["PREVIEWS_URL"] == "${{ steps.previews.outputs.artifact-url }}"
    assert '"$GITHUB_STEP_SUMMARY"' in link["run"]


def test_make_day_23_up_prints_the_preview_index():
    lines = (ROOT / "Makefile").read_text().split("day-23-up: setup\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [ln.strip() for ln in lines].index("$(OBSGATE) preview") == 2  # after up and smoke


def obsgate(*args, cwd):
    return subprocess.run([sys.executable, "-m", "obsgate.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_preview_without_a_stack_says_so(fixture_project):
    run = obsgate("--root", str(fixture_project), "preview", cwd=fixture_project)
    assert run.returncode == 1 and "no stack is running here" in run.stderr and "obsgate up" in run.stderr
    assert "Traceback" not in run.stderr


def test_preview_with_a_missing_changed_list_is_bad_input(fixture_project):
    run = obsgate("--root", str(fixture_project), "preview", "--changed", "nope.txt", cwd=fixture_project)
    assert run.returncode == 2 and "nope.txt:0: error: no such changed-files list" in run.stderr
    assert "hint: " in run.stderr and "Traceback" not in run.stderr

