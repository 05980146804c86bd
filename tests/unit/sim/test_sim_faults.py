"""Gathering simulator faults from alert scenarios, and refusing effects a simulator cannot apply."""
from __future__ import annotations

import pytest

from obsgate.model import AlertRule, Effect, Scenario
from obsgate.sim.faults import FaultError, check_fault, faults_for


def test_faults_are_collected_per_target_with_every_alert_they_drive(demo_project):
    faults = faults_for(demo_project.alerts, "demo-sim")
    assert list(faults) == sorted(faults)
    assert faults["checkout_errors"].alerts == ("DemoCheckoutErrors", "DemoFailureStreak")
    assert "elsewhere" not in faults
    assert faults["error_burst"].logs[0].per_second == 20.0
    assert faults["metrics_down"].metrics_down
    assert faults["checkout_errors"].source.startswith("rules_src/demo.py:")


def test_ignores_alerts_without_a_scenario(demo_project):
    plain = AlertRule(name="NoScenario", expr="vector(1)", severity="info", summary="s", description="d")
    assert faults_for([plain], "demo-sim") == {}


def test_one_fault_name_with_two_definitions_is_refused(demo_project):
    q = demo_project.metric("demo_queue_depth")
    a = AlertRule(name="A", expr="vector(1)", severity="info", summary="s", description="d",
                  scenario=Scenario("f", "demo-sim", effects=(Effect(q, value=1),)))
    b = AlertRule(name="B", expr="vector(1)", severity="info", summary="s", description="d",
                  scenario=Scenario("f", "demo-sim", effects=(Effect(q, value=2),)))
    with pytest.raises(FaultError, match="fault `f` on `demo-sim` differs from its definition at .*test_sim_faults.py"):
        faults_for([a, b], "demo-sim")


@pytest.mark.parametrize("effect, message", [
    (Effect("missing_total", rate=1), "metric `missing_total` is not exported by job `demo`"),
    (Effect("demo_requests_total", {"colour": "red"}, rate=1), "has no label `colour`"),
    (Effect("demo_requests_total", {"route": "cart"}, rate=1), "value `cart` is not declared"),
    (Effect("demo_requests_total", value=3), "is a counter; an effect on it sets `rate` only"),
    (Effect("demo_queue_depth", observe=3), "is a gauge"),
    (Effect("demo_latency_seconds", value=3), "is a histogram"),
    (Effect("demo_requests_total", rate=-1), "is negative"),
], ids=["unknown metric", "unknown label", "undeclared value", "value on a counter", "observe on a gauge",
        "value on a histogram", "negative counter rate"])
def test_check_fault_names_what_cannot_be_applied(demo_project, effect, message):
    from obsgate.sim.faults import Fault
    metrics = {m.name: m for m in demo_project.metrics if m.job == "demo"}
    problems = check_fault(Fault("f", (effect,), source="x.py:1"), metrics, "demo")
    assert len(problems) == 1 and message in problems[0] and problems[0].startswith("x.py:1: fault `f`")


def test_check_fault_accepts_valid_effects_and_any_value_of_a_bound_label(demo_project):
    metrics = {m.name: m for m in demo_project.metrics if m.job == "demo"}
    for fault in faults_for(demo_project.alerts, "demo-sim").values():
        assert check_fault(fault, metrics, "demo") == []


def test_every_scenario_of_the_repository_fits_its_simulator(repo_project):
    """Each scenario's effects apply to the metrics of the job its target service exports."""
    from obsgate.sim.telemetry import build_engine

    jobs = {svc.name: svc.job for svc in repo_project.stack.services if svc.job}
    targets = {a.scenario.target for a in repo_project.alerts if a.scenario is not None}
    assert targets, "the repository defines scenarios"
    for target in sorted(targets):
        job = jobs.get(target) or target.removesuffix("-sim").replace("-", "_")
        engine = build_engine(repo_project, job, target, seed=1)  # raises FaultError naming path:line
        assert engine.faults
