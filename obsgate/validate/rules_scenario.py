"""rules/scenario: every alert of the project has a fault scenario that drives it live, or a written reason why not.

Found statically, before a live run spends a minute to find it: the live gate fails an alert that has neither.
"""
from __future__ import annotations

from ..problem import Problem, Severity
from .base import Check, Subject, finding

CHECK = "rules/scenario"


def check(ctx) -> list[Problem]:
    if ctx.project is None or ctx.mode != "project":
        return []
    problems = []
    for rule in ctx.project.alerts:
        if rule.scenario is None and not (rule.no_scenario or "").strip():
            subject = Subject(rule.source.path, rule.source.line, rule.name, tuple(rule.suppress))
            problems.append(finding(
                CHECK, subject, Severity.ERROR, f"alert `{rule.name}` has neither a scenario nor a reason for none",
                "give it scenario=Scenario(fault=..., target=..., effects=...) that makes it fire, or "
                "no_scenario=\"why it cannot be driven live\""))
    return problems


CHECKS = (Check(CHECK, "every alert has a live scenario or a written reason for none", check),)
