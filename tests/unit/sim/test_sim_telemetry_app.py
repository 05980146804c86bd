"""The telemetry simulator's HTTP routes, over the demo project, without sockets."""
from __future__ import annotations

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from obsgate.sim.httpd import Request
from obsgate.sim.telemetry import TelemetryApp, build_engine, default_seed, service_for
from obsgate.sim.faults import FaultError


@pytest.fixture
def app(demo_project):
    engine = build_engine(demo_project, "demo", "demo-sim", seed=1)
    engine.advance(1.0)
    return TelemetryApp(engine, "demo", "demo-sim")


def scrape(app) -> dict:
    resp = app.handle(Request("GET", "/metrics", {}))
    assert resp.status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(resp.body.decode()) for s in fam.samples}


def test_metrics_expose_every_demo_metric_and_no_other(app):
    names = {name for name, _ in scrape(app)}
    assert {"demo_requests_total", "demo_queue_depth", "demo_failure_streak", "demo_latency_seconds_bucket",
            "demo_latency_seconds_sum", "demo_latency_seconds_count", "demo_user_logins_total"} == names


def test_fault_routes_switch_effects_and_metrics_down(app):
    assert json.loads(app.handle(Request("PUT", "/faults/checkout_errors", {})).body) == {"active": ["checkout_errors"]}
    app.engine.advance(1.0)
    assert scrape(app)[("demo_failure_streak", ())] == 9
    app.handle(Request("PUT", "/faults/metrics_down", {}))
    assert app.handle(Request("GET", "/metrics", {})).status == 503
    assert json.loads(app.handle(Request("DELETE", "/faults/metrics_down", {})).body) == {"active": ["checkout_errors"]}
    assert json.loads(app.handle(Request("DELETE", "/faults", {})).body) == {"active": []}
    listed = json.loads(app.handle(Request("GET", "/faults", {})).body)
    assert "checkout_errors" in {f["name"] for f in listed["available"]} and listed["active"] == []


def test_unknown_faults_and_routes_are_404_with_guidance(app):
    resp = app.handle(Request("PUT", "/faults/nope", {}))
    assert resp.status == 404 and "checkout_errors" in json.loads(resp.body)["available"]
    assert app.handle(Request("GET", "/nope", {})).status == 404
    assert app.handle(Request("POST", "/faults", {})).status == 405


def test_service_name_comes_from_the_stack_and_the_seed_from_the_job(demo_project):
    assert service_for(demo_project, "demo") == "demo-sim"
    assert service_for(demo_project, "other") == "other-sim"
    assert default_seed("demo") == default_seed("demo") != default_seed("other")


def test_a_job_without_metrics_is_refused_naming_the_known_jobs(demo_project):
    with pytest.raises(FaultError, match="jobs in the catalog: demo, other"):
        build_engine(demo_project, "nope", "nope-sim", seed=1)
