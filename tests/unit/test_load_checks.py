"""Checks the loader makes early, with `path:line`: an alert in no group, a metric job or a scenario target
the stack does not have (each used to be dropped silently or found only live)."""
from __future__ import annotations

import pytest

from obsgate.load import LoadError, load

ALERT = '''from obsgate import AlertRule, RuleGroup{extra_import}
from rules_src.shop import RB

A = AlertRule(name="LostAlert", expr="shop_queue_depth > 1", runbook=RB, severity="warning", summary="s",
              description="d", no_scenario="a test"{scenario})
{group}'''


def issues(root) -> list:
    with pytest.raises(LoadError) as err:
        load(root)
    return err.value.issues


def test_accepts_the_fixture_project(fixture_project):
    assert load(fixture_project).alerts


def test_an_alert_in_no_rule_group_is_an_error_at_its_definition(fixture_project):
    (fixture_project / "rules_src" / "lost.py").write_text(ALERT.format(extra_import="", scenario="", group=""))
    [issue] = issues(fixture_project)
    assert (issue.path, issue.line) == ("rules_src/lost.py", 4)
    assert "`LostAlert` is in no rule group" in issue.message and "RuleGroup" in issue.hint


def test_ignores_an_alert_that_a_group_holds(fixture_project):
    (fixture_project / "rules_src" / "held.py").write_text(
        ALERT.format(extra_import="", scenario="", group='G = RuleGroup("held", component="shop", rules=(A,))\n'))
    assert "LostAlert" in {a.name for a in load(fixture_project).alerts}


def test_a_metric_job_the_stack_does_not_scrape_is_an_error(fixture_project):
    (fixture_project / "catalog" / "orphan.py").write_text(
        'from obsgate import Metric\n\nM = Metric("orphan_total", "counter", help="h", job="nowhere")\n')
    [issue] = issues(fixture_project)
    assert (issue.path, issue.line) == ("catalog/orphan.py", 3)
    assert "job `nowhere` is no job of the stack's services" in issue.message and "`shop`" in issue.hint


def test_a_scenario_target_that_is_no_service_is_an_error(fixture_project):
    scenario = ",\n              scenario=Scenario(fault=\"stall\", target=\"no-such-sim\", metrics_down=True)"
    (fixture_project / "rules_src" / "aimed.py").write_text(ALERT.format(
        extra_import=", Scenario", scenario=scenario,
        group='G = RuleGroup("aimed", component="shop", rules=(A,))\n').replace(', no_scenario="a test"', ""))
    [issue] = issues(fixture_project)
    assert issue.path == "rules_src/aimed.py" and "target `no-such-sim` is no service of the stack" in issue.message
