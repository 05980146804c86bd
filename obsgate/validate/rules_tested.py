"""rules/tested: every alert has a unit test where it fires and one where it stays quiet.

The project's own alerts are judged by their TestCases (an error when one is missing); alerts in
external rule files by the promtool test files checked alongside them (a warning: users migrating
existing rules get the list of what to cover, not a wall of errors).
"""
from __future__ import annotations

from ..problem import Problem, Severity
from .base import Check, Subject, finding
from .files import PROM_RULES, PROM_TESTS, LOKI_RULES

CHECK = "rules/tested"


def _verdict(fires: bool, quiet: bool) -> str:
    missing = [what for what, ok in (("a firing case", fires), ("a quiet case", quiet)) if not ok]
    return " and ".join(missing)


def check(ctx) -> list[Problem]:
    problems: list[Problem] = []
    for rule in _own_alerts(ctx):
        missing = _verdict(any(t.fires for t in rule.tests), any(not t.fires for t in rule.tests))
        if missing:
            subject = Subject(rule.source.path, rule.source.line, rule.name, tuple(rule.suppress))
            problems.append(finding(
                CHECK, subject, Severity.ERROR, f"alert `{rule.name}` has no unit test with {missing}",
                "add TestCase(..., alerts=({...},)) where it fires and TestCase(...) where it stays quiet"))
    seen = _external_cases(ctx)
    for item in ctx.rules:
        if item.kind != "alert" or item.model is not None:
            continue
        fires, quiet = seen.get(item.rule_name, (False, False))
        missing = _verdict(fires, quiet)
        if missing:
            severity = Severity.WARNING if item.external else Severity.ERROR
            where = "the promtool test files checked with it" if item.lang == "promql" else "the checked test files"
            problems.append(finding(CHECK, item, severity,
                                    f"alert `{item.rule_name}` has no unit test with {missing} in {where}",
                                    "add an alert_rule_test with exp_alerts (firing) and one with `exp_alerts: []`"))
    return problems


def _own_alerts(ctx) -> list:
    """The project's alerts in scope: all of them in a project run, those in the named files otherwise."""
    if ctx.project is None:
        return []
    if ctx.mode == "project":
        return [r for g in tuple(ctx.project.groups) + tuple(ctx.project.loki_groups) for r in g.alerts]
    return [item.model for item in ctx.rules if item.model is not None and item.kind == "alert"]


def _external_cases(ctx) -> dict[str, tuple[bool, bool]]:
    """alertname -> (has a firing case, has a quiet case), from every checked test file."""
    seen: dict[str, tuple[bool, bool]] = {}
    for f in ctx.files:
        if "tests" not in f.kind or not isinstance(f.data, dict):
            continue
        for test in f.data.get("tests") or []:
            if not isinstance(test, dict):
                continue
            for case in test.get("alert_rule_test") or []:
                if not isinstance(case, dict) or not case.get("alertname"):
                    continue
                fires, quiet = seen.get(case["alertname"], (False, False))
                if case.get("exp_alerts"):
                    fires = True
                else:
                    quiet = True
                seen[case["alertname"]] = (fires, quiet)
    return seen


CHECKS = (Check(CHECK, "every alert has a firing and a quiet unit test", check, (PROM_RULES, LOKI_RULES, PROM_TESTS)),)
