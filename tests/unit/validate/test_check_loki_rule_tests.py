"""loki/rule-tests: validate runs the LogQL rule unit tests on the engine and reports failures at their lines."""
from __future__ import annotations

import shutil
from pathlib import Path

from obsgate.problem import Severity
from obsgate.validate import context, loki_rule_tests

from validate_builders import ROOT, SCHEMAS

FIXTURE = ROOT / "tests" / "fixtures" / "loki"


def _ctx(tmp_path: Path, edit=None):
    shutil.copytree(FIXTURE, tmp_path / "loki")
    test = tmp_path / "loki" / "tests" / "fixture_logs.test.yml"
    if edit:
        test.write_text(edit(test.read_text()))
    return context.for_paths(ROOT, None, [str(test)], SCHEMAS), test


def test_accepts_a_test_file_whose_alerts_fire_as_expected(tmp_path):
    ctx, _ = _ctx(tmp_path)
    assert [f.kind for f in ctx.files] == ["loki-tests"]
    assert loki_rule_tests.check(ctx) == []


def test_reports_a_failing_alert_rule_test_at_its_line_with_the_diff(tmp_path):
    ctx, test = _ctx(tmp_path, lambda text: text.replace("severity: warning", "severity: critical", 1))
    [p] = loki_rule_tests.check(ctx)
    assert p.check == "loki/rule-tests" and p.severity is Severity.ERROR
    assert p.message.startswith("test `FixtureErrorBurst: fires after 2m of more than 3 errors per 5m`: "
                                "alert `FixtureErrorBurst` at 8m: - missing alert")
    assert 'severity="critical"' in p.details and "+ unexpected alert" in p.details
    lines = test.read_text().splitlines()
    assert lines[p.line - 1].strip() == "- eval_time: 8m"  # the failing alert_rule_test


def test_reports_an_unreadable_rule_file_instead_of_passing(tmp_path):
    ctx, _ = _ctx(tmp_path, lambda text: text.replace("../rules/fake/fixture_logs.yml", "../rules/fake/missing.yml"))
    [p] = loki_rule_tests.check(ctx)
    assert p.severity is Severity.ERROR and "missing.yml" in p.message + p.path
