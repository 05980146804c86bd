"""A project run: rules/tested from the TestCases, drift against generated/, suppressions, source locations."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from obsgate import render
from obsgate.generate import generate
from obsgate.load import load
from obsgate.problem import Severity
from obsgate.validate import context, generate_drift, rules_tested, run

from validate_builders import FIXTURE, SCHEMAS, ROOT, alert, expect, make_ctx, rules_file

SUPPRESSED_RULES = '''
from obsgate import AlertRule, Cause, RuleGroup, Runbook, Suppress, TestCase

RB = Runbook(impact="Jobs wait.", causes=(Cause("Worker down", "queue grows", "restart workers"),),
             quick_fix="Restart workers.", long_term_fix="Autoscale.", prevention="Alert earlier.")

FAST = AlertRule(
    name="ShopQueueFlood", expr="shop_queue_depth > 1000", severity="critical",
    summary="Queue flooded", description="More than 1000 jobs wait.", runbook=RB,
    suppress=(Suppress("alerts/for", "a flood is unambiguous on the first evaluation"),),
    tests=(TestCase("fires", series={"shop_queue_depth": "2000x3"}, at="2m", alerts=({},)),
           TestCase("quiet", series={"shop_queue_depth": "10x3"}, at="2m")),
)
LOUD = AlertRule(
    name="ShopQueueLoud", expr="shop_queue_depth > 2000", severity="critical",
    summary="Queue very loud", description="More than 2000 jobs wait.", runbook=RB,
    tests=(TestCase("fires", series={"shop_queue_depth": "3000x3"}, at="2m", alerts=({},)),),
)
GROUP = RuleGroup("shop_fast", rules=(FAST, LOUD))
'''

SUPPRESSED_BOARD = '''
from obsgate import Suppress
from obsgate.dashboards import Series, dashboard, timeseries

FIXED = timeseries("Smoothed requests", Series("sum(rate(shop_requests_total[10m]))", unit="reqps"),
                   description="Request rate over a fixed 10m window.")
OTHER = timeseries("Raw requests", Series("sum(rate(shop_requests_total[5m]))", unit="reqps"),
                   description="Request rate over 5m.")
BOARD = dashboard("shop-smooth", "Shop smoothed", [FIXED, OTHER],
                  suppress={"Smoothed requests": (Suppress("grafana/rate-interval",
                                                           "a fixed 10m window hides deploy spikes on purpose"),)})
'''


def project_ctx(root: Path, workdir: Path):
    project = load(root)
    outputs = render.render_all(generate(project))
    render.write_tree(workdir, outputs)
    return context.for_project(root, project, outputs, workdir, SCHEMAS)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the fixture project; the pinned tools of this checkout are found through PATH."""
    monkeypatch.setenv("PATH", f"{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}")
    dest = tmp_path / "project"
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    return dest


def test_rules_tested_reports_the_missing_quiet_case_at_the_rule_definition(project, tmp_path):
    ctx = project_ctx(project, tmp_path / "work")
    [p] = rules_tested.check(ctx)
    assert p.severity is Severity.ERROR
    assert p.message == "alert `ShopLogErrors` has no unit test with a quiet case"
    assert p.path == "rules_src/shop.py"
    assert "LOG_ERRORS = LokiAlertRule(" in (project / p.path).read_text().splitlines()[p.line - 1] or \
        "LokiAlertRule(" in (project / p.path).read_text().splitlines()[p.line - 1]


def test_rules_tested_is_only_a_warning_for_external_rules(tmp_path, shop):
    files = {"rules.yml": rules_file(alert(name="Untested"), alert(name="Tested")),
             "rules.test.yml": {"rule_files": ["rules.yml"], "tests": [{
                 "interval": "1m", "input_series": [{"series": "shop_queue_depth", "values": "200x5"}],
                 "alert_rule_test": [{"eval_time": "5m", "alertname": "Tested", "exp_alerts": [{"exp_labels": {}}]},
                                     {"eval_time": "1m", "alertname": "Tested", "exp_alerts": []}]}]}}
    found = rules_tested.check(make_ctx(tmp_path, files, shop))
    expect(found, ["alert `Untested` has no unit test with a firing case and a quiet case"])
    assert found[0].severity is Severity.WARNING


def test_drift_names_each_file_that_differs(project, tmp_path):
    ctx = project_ctx(project, tmp_path / "work")
    missing = generate_drift.check(ctx)
    assert missing and all("is missing" in p.message for p in missing)
    render.write(project, ctx.outputs)
    assert generate_drift.check(ctx) == []
    rules = project / "generated/prometheus/rules/shop.yml"
    lines = rules.read_text().splitlines()
    assert lines[7].endswith("> 1")  # the ShopErrorsHigh expression
    lines[7] = lines[7].replace("> 1", "> 2")
    rules.write_text("\n".join(lines) + "\n")
    (project / "generated/prometheus/rules/stale.yml").write_text("groups: []\n")
    found = {p.path: p for p in generate_drift.check(ctx)}
    assert set(found) == {"generated/prometheus/rules/shop.yml", "generated/prometheus/rules/stale.yml"}
    assert found["generated/prometheus/rules/shop.yml"].message == "generated file differs from what the sources produce"
    assert found["generated/prometheus/rules/shop.yml"].line == 5  # the hunk's first line (3 lines of context)
    assert found["generated/prometheus/rules/stale.yml"].message.startswith("generated file is stale")


def test_drift_is_not_a_paths_run_check(tmp_path):
    assert generate_drift.check(make_ctx(tmp_path, {"r.yml": rules_file(alert())})) == []


def test_suppressed_checks_become_info_with_the_reason(project, tmp_path):
    (project / "rules_src" / "fast.py").write_text(SUPPRESSED_RULES)
    (project / "dashboards_src" / "smooth.py").write_text(SUPPRESSED_BOARD)
    ctx = project_ctx(project, tmp_path / "work")
    problems, _ = run(ctx)
    by = {(p.check, p.severity): p for p in problems if p.check in ("alerts/for", "grafana/rate-interval")}
    info = by[("alerts/for", Severity.INFO)]
    assert info.message.startswith("suppressed: a flood is unambiguous on the first evaluation (critical alert "
                                   "`ShopQueueFlood` pages after `for: 0s`")
    assert info.path == "rules_src/fast.py"
    error = by[("alerts/for", Severity.ERROR)]
    assert "`ShopQueueLoud`" in error.message and error.path == "rules_src/fast.py"
    assert by[("grafana/rate-interval", Severity.INFO)].message.startswith(
        "suppressed: a fixed 10m window hides deploy spikes on purpose")
    assert "`Raw requests`" in by[("grafana/rate-interval", Severity.ERROR)].message
    tested = [p for p in problems if p.check == "rules/tested" and "ShopQueueLoud" in p.message]
    assert tested and tested[0].severity is Severity.ERROR


def test_a_clean_project_has_no_errors(project, tmp_path):
    src = (project / "rules_src" / "shop.py").read_text()
    src = src.replace('alerts=({"service": "shop"},)),),',
                      'alerts=({"service": "shop"},)),\n           LokiTestCase("quiet", streams={\'{service="shop"}\': '
                      '(("1s", "fine"),)}, at="1m")),')
    (project / "rules_src" / "shop.py").write_text(src)
    ctx = project_ctx(project, tmp_path / "work")
    render.write(project, ctx.outputs)
    problems, times = run(ctx)
    assert [p for p in problems if p.severity >= Severity.ERROR] == []
    assert "prom/rule-tests" in times and "generate/drift" in times


def test_runs_on_the_thread_pool_are_deterministic(shop, monkeypatch):
    monkeypatch.setenv("PATH", f"{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}")
    bad = ROOT / "tests" / "fixtures" / "validate" / "bad"
    first, _ = run(context.for_paths(ROOT, shop, [str(bad)], SCHEMAS))
    assert any(p.check == "xref/label-exists" for p in first)
    for _ in range(3):
        again, _ = run(context.for_paths(ROOT, shop, [str(bad)], SCHEMAS))
        assert again == first
