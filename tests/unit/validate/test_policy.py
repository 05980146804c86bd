"""validate.policy: `.obsgate.yml` (severity per check and path glob, off with a reason), external-mode
conventions, and the real tool as the judge of schema and syntax findings."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from obsgate.problem import Problem, Severity
from obsgate.validate import files, policy
from obsgate.validate.registry import CHECKS

KNOWN = [c.id for c in CHECKS]


def load(text: str) -> policy.Config:
    return policy.load_config(text, ".obsgate.yml", KNOWN)


CONFIG = """\
checks:
- paths: ["vendor/**"]
  check: alerts/*
  severity: info
- paths: vendor/legacy/*.yml
  check: alerts/name
  disable: legacy names are kept for the pager's history
- check: grafana/panel-description
  severity: error
"""


@pytest.mark.parametrize("check, path, severity, message", [
    ("alerts/annotations", "vendor/kube/rules.yml", Severity.INFO, "x"),
    ("alerts/name", "vendor/legacy/old.yml", Severity.INFO, "disabled in .obsgate.yml: legacy names are kept for the "
                                                           "pager's history (x)"),
    ("alerts/name", "/abs/checkout/vendor/kube/rules.yml", Severity.INFO, "x"),
    ("alerts/name", "rules/mine.yml", Severity.WARNING, "x"),
    ("grafana/panel-description", "dashboards/a.json", Severity.ERROR, "x"),
    ("prom/rules", "vendor/kube/rules.yml", Severity.WARNING, "x"),
], ids=["a family glob lowers a severity under a path glob", "disabled with its reason stays visible as INFO",
        "relative globs match the tail of absolute paths", "ignores paths the globs do not match",
        "an entry without paths applies everywhere and may raise a severity", "ignores other checks"])
def test_config_sets_severity_per_check_and_path(check, path, severity, message):
    got = policy.configured(Problem(check, Severity.WARNING, "x", path, 3), load(CONFIG))
    assert (got.severity, got.message) == (severity, message)


def test_the_last_matching_entry_wins_and_fatal_is_never_lowered():
    config = load("checks:\n- {check: '*', severity: info}\n- {check: alerts/for, severity: error}\n")
    assert policy.configured(Problem("alerts/for", Severity.WARNING, "x", "a.yml"), config).severity is Severity.ERROR
    assert policy.configured(Problem("prom/rules", Severity.FATAL, "x", "a.yml"), config).severity is Severity.FATAL


@pytest.mark.parametrize("text, line, message", [
    ("checks: [\n", 2, "invalid YAML"),
    ("rules: []\n", 1, "the file must be a mapping with one key, `checks`"),
    ("checks:\n- check: alerts/nmae\n  severity: info\n", 2, "`alerts/nmae` is not a check id"),
    ("checks:\n- check: alerts/name\n  disable: ''\n", 3, "disabling `alerts/name` needs a reason"),
    ("checks:\n- check: alerts/name\n", 2, "needs exactly one of `severity` and `disable`"),
    ("checks:\n- check: alerts/name\n  severity: fatal\n", 3, "severity `fatal` is not one of info, warning, error"),
    ("checks:\n- check: alerts/name\n  severity: info\n  path: x\n", 2, "unknown key `path`"),
], ids=["broken YAML", "no checks key", "an unknown check id", "off without a reason", "neither severity nor off",
        "fatal cannot be configured", "a misspelt key"])
def test_a_bad_config_is_an_error_at_its_line(text, line, message):
    """`off:` would be YAML 1.1's boolean false as a key: the key is `disable`."""
    with pytest.raises(policy.ConfigError) as err:
        load(text)
    assert err.value.line == line and message in err.value.message
    assert str(err.value).startswith(f".obsgate.yml:{line}: error: ")


def test_unknown_check_ids_get_the_family_listed_as_hint():
    with pytest.raises(policy.ConfigError) as err:
        load("checks:\n- check: alerts/nmae\n  severity: info\n")
    assert "alerts/name" in err.value.hint and "alerts/for" in err.value.hint


def _ctx(*files_):
    return SimpleNamespace(of=lambda *kinds: [f for f in files_ if f.kind in kinds])


def _file(path, kind):
    return SimpleNamespace(path=path, kind=kind, error=None)


def test_schema_errors_on_files_the_tool_accepts_become_warnings_and_stay_errors_where_it_rejects():
    ctx = _ctx(_file("ok.yml", files.PROM_RULES), _file("bad.yml", files.PROM_RULES))
    problems = [Problem("schema/prom-rules", Severity.ERROR, "s", "ok.yml", 2),
                Problem("schema/prom-rules", Severity.ERROR, "s", "bad.yml", 2),
                Problem("prom/rules", Severity.ERROR, "promtool: boom", "bad.yml", 2),
                Problem("alerts/name", Severity.ERROR, "n", "ok.yml", 4)]
    got = {(p.check, p.path): p.severity for p in policy.judged(problems, ctx)}
    assert got == {("schema/prom-rules", "ok.yml"): Severity.WARNING, ("schema/prom-rules", "bad.yml"): Severity.ERROR,
                   ("prom/rules", "bad.yml"): Severity.ERROR, ("alerts/name", "ok.yml"): Severity.ERROR}


def test_no_verdict_without_the_tool():
    ctx = _ctx(_file("ok.yml", files.PROM_RULES))
    problems = [Problem("schema/prom-rules", Severity.ERROR, "s", "ok.yml", 2),
                Problem("prom/rules", Severity.FATAL, "`promtool` is not installed")]
    assert [p.severity for p in policy.judged(problems, ctx)] == [Severity.ERROR, Severity.FATAL]


def test_a_failing_unit_test_is_no_rejection_of_the_file_but_an_unloadable_one_is():
    ctx = _ctx(_file("a.test.yml", files.PROM_TESTS), _file("b.test.yml", files.PROM_TESTS))
    problems = [Problem("schema/prom-rule-tests", Severity.ERROR, "s", "a.test.yml"),
                Problem("schema/prom-rule-tests", Severity.ERROR, "s", "b.test.yml"),
                Problem("prom/rule-tests", Severity.ERROR, "unit test `x` failed: ...", "a.test.yml"),
                Problem("prom/rule-tests", Severity.ERROR, "promtool could not run the tests of this file: y",
                        "b.test.yml")]
    got = {p.path: p.severity for p in policy.judged(problems, ctx) if p.check.startswith("schema/")}
    assert got == {"a.test.yml": Severity.WARNING, "b.test.yml": Severity.ERROR}


def test_conventions_are_warnings_in_external_mode_only():
    problems = [Problem("alerts/name", Severity.ERROR, "n", "a.yml"), Problem("promql/syntax", Severity.ERROR, "s",
                                                                               "a.yml")]
    ctx = _ctx()
    assert [p.severity for p in policy.apply(problems, ctx, external=True)] == [Severity.WARNING, Severity.ERROR]
    assert [p.severity for p in policy.apply(problems, ctx, external=False)] == [Severity.ERROR, Severity.ERROR]
