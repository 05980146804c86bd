"""rules/scenario: an alert with neither a live scenario nor a written reason is found statically."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from obsgate import Suppress
from obsgate.load import load
from obsgate.validate import rules_scenario
from obsgate.validate.context import PROJECT

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "project"


@dataclasses.dataclass
class Ctx:
    project: object
    mode: str = PROJECT


@pytest.fixture(scope="module")
def project():
    return load(FIXTURE)


def with_alert(project, **changes):
    group = project.groups[0]
    alert = dataclasses.replace(group.alerts[0], **changes)
    rules = tuple(alert if r is group.alerts[0] else r for r in group.rules)
    return dataclasses.replace(project, groups=(dataclasses.replace(group, rules=rules),) + project.groups[1:])


def test_accepts_alerts_that_each_have_a_scenario_or_a_reason(project):
    assert rules_scenario.check(Ctx(project)) == []


def test_an_alert_with_neither_is_an_error_at_its_definition(project):
    bad = with_alert(project, no_scenario="")
    [p] = rules_scenario.check(Ctx(bad))
    alert = bad.groups[0].alerts[0]
    assert (p.check, p.severity.name, p.path, p.line) == ("rules/scenario", "ERROR", alert.source.path,
                                                          alert.source.line)
    assert f"`{alert.name}` has neither a scenario nor a reason" in p.message


def test_a_blank_reason_is_no_reason(project):
    assert len(rules_scenario.check(Ctx(with_alert(project, no_scenario="   ")))) == 1


def test_a_suppressed_alert_is_info(project):
    bad = with_alert(project, no_scenario="", suppress=(Suppress("rules/scenario", "driven by hand"),))
    [p] = rules_scenario.check(Ctx(bad))
    assert p.severity.name == "INFO" and "driven by hand" in p.message


def test_ignores_runs_without_the_project(project):
    assert rules_scenario.check(Ctx(None)) == []
    assert rules_scenario.check(Ctx(with_alert(project, no_scenario=""), mode="paths")) == []
