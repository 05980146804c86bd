"""`obsgate generate` end to end: bad input exits 2 with path:line and writes nothing; output is stable."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

OBSGATE = [sys.executable, "-m", "obsgate.cli"]


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*OBSGATE, "--root", str(root), *args], capture_output=True, text=True, timeout=120)


def tree_digest(root: Path) -> dict[str, str]:
    files = sorted(p for p in (root / "generated").rglob("*") if p.is_file())
    files += [root / "docker-compose.infra.yml"] if (root / "docker-compose.infra.yml").exists() else []
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_generate_writes_every_family(fixture_project):
    res = run(fixture_project, "generate")
    assert res.returncode == 0, res.stderr
    names = set(tree_digest(fixture_project))
    for expected in ("generated/prometheus/prometheus.yml", "generated/prometheus/rules/shop.yml",
                     "generated/prometheus/tests/shop.test.yml", "generated/loki/loki.yml",
                     "generated/loki/rules/fake/shop_logs.yml", "generated/alertmanager/alertmanager.yml",
                     "generated/grafana/dashboards/shop-overview.json", "generated/runbooks/ShopErrorsHigh.md",
                     "generated/docs/metrics.md", "docker-compose.infra.yml"):
        assert expected in names


def test_generate_is_deterministic(fixture_project, tmp_path):
    assert run(fixture_project, "generate").returncode == 0
    first = tree_digest(fixture_project)
    assert run(fixture_project, "generate").returncode == 0
    assert tree_digest(fixture_project) == first


def test_check_reports_drift_with_a_diff_and_exit_1(fixture_project):
    assert run(fixture_project, "generate").returncode == 0
    assert run(fixture_project, "generate", "--check").returncode == 0
    rules = fixture_project / "rules_src" / "shop.py"
    rules.write_text(rules.read_text().replace("> 1'", "> 2'"))
    res = run(fixture_project, "generate", "--check")
    assert res.returncode == 1
    assert "--- a/generated/prometheus/rules/shop.yml" in res.stdout
    assert "+    expr: status:shop_requests:rate5m{status=\"error\"} > 2" in res.stdout


def test_stale_files_are_removed(fixture_project):
    assert run(fixture_project, "generate").returncode == 0
    stale = fixture_project / "generated" / "runbooks" / "OldAlert.md"
    stale.write_text("old")
    assert run(fixture_project, "generate").returncode == 0
    assert not stale.exists()


BAD_INPUTS = {
    "a source file with a syntax error": ("catalog/broken.py", "x = (\n", "catalog/broken.py:1", "syntax error"),
    "an unknown metric type": (
        "catalog/bad_type.py", 'from obsgate import Metric\n\nM = Metric("x_total", "countr", help="h", job="j")\n',
        "catalog/bad_type.py:3", "`countr` is not a metric type"),
    "a duplicate metric name": (
        "catalog/zz_dup.py", 'from obsgate import Metric\n\nQ = Metric("shop_queue_depth", "gauge", help="h", job="shop")\n',
        "catalog/zz_dup.py:3", "duplicate metric name `shop_queue_depth`"),
    "a counter without _total": (
        "catalog/no_total.py", 'from obsgate import Metric\n\nM = Metric("shop_errors", "counter", help="h", job="shop")\n',
        "catalog/no_total.py:3", "counter without the `_total` suffix"),
    "an alert using a metric object declared outside the catalog": (
        "rules_src/stray.py",
        'from obsgate import AlertRule, Metric, RuleGroup\n\nM = Metric("stray_total", "counter", help="h", job="j")\n'
        'A = AlertRule(name="StrayHigh", expr=f"{M} > 1", severity="warning", summary="s", description="d")\n'
        'G = RuleGroup("stray", rules=(A,))\n',
        "rules_src/stray.py:3", "metric `stray_total` is declared outside the catalog"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_exits_2_with_location_and_writes_nothing(fixture_project, case):
    rel, text, location, message = BAD_INPUTS[case]
    assert run(fixture_project, "generate").returncode == 0
    before = tree_digest(fixture_project)
    (fixture_project / rel).write_text(text)
    res = run(fixture_project, "generate")
    assert res.returncode == 2
    assert f"{location}: error:" in res.stderr and message in res.stderr
    assert "Traceback" not in res.stderr
    assert tree_digest(fixture_project) == before


def test_an_undeclared_metric_is_validates_finding_not_a_load_error(fixture_project):
    """The catalog check has one home, xref/metric-exists: suppressible, exit 1, at the alert's own line."""
    (fixture_project / "rules_src" / "ghost.py").write_text(
        'from obsgate import AlertRule, RuleGroup\nfrom rules_src.shop import RB\n\n'
        'A = AlertRule(name="GhostHigh", expr="ghost_total > 1", runbook=RB, no_scenario="checks the catalog check",\n'
        '    severity="warning", summary="s", description="d")\nG = RuleGroup("ghost", rules=(A,))\n')
    assert run(fixture_project, "generate").returncode == 0
    res = run(fixture_project, "validate", "--format", "json")
    found = [p for p in json.loads(res.stdout) if p["check"] == "xref/metric-exists"]
    assert [(p["path"], p["line"], p["severity"]) for p in found] == [("rules_src/ghost.py", 4, "error")]
    assert "ghost_total" in found[0]["message"] and res.returncode >= 1


def test_a_definition_raising_midway_leaves_generated_untouched(fixture_project):
    assert run(fixture_project, "generate").returncode == 0
    before = tree_digest(fixture_project)
    (fixture_project / "rules_src" / "zz_raises.py").write_text(
        "from rules_src.shop import GROUP\n\nraise RuntimeError('boom while defining rules')\n")
    res = run(fixture_project, "generate")
    assert res.returncode == 2
    assert "rules_src/zz_raises.py:3: error: RuntimeError: boom while defining rules" in res.stderr
    assert tree_digest(fixture_project) == before


def test_a_generator_failure_after_loading_leaves_generated_untouched(fixture_project):
    """A runbook linking to an unknown alert fails inside generate, after every source loaded."""
    assert run(fixture_project, "generate").returncode == 0
    before = tree_digest(fixture_project)
    rules = fixture_project / "rules_src" / "shop.py"
    rules.write_text(rules.read_text().replace('related=("ShopErrorsHigh",)', 'related=("NoSuchAlert",)'))
    res = run(fixture_project, "generate")
    assert res.returncode == 2
    assert "`NoSuchAlert` is not an alert" in res.stderr and "rules_src/shop.py:" in res.stderr
    assert tree_digest(fixture_project) == before


def test_usage_error_exits_2(fixture_project):
    assert run(fixture_project, "generate", "--no-such-flag").returncode == 2
