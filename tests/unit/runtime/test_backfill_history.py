"""Baseline history for long windows: which alerts get it, what promtool is fed, how it shortens the fire budget."""
from __future__ import annotations

from pathlib import Path

import pytest

from obsgate.generate.target import Target
from obsgate.load import load
from obsgate.runtime import backfill
from obsgate.smoke.scenarios import fire_within

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def project():
    return load(ROOT)


@pytest.fixture(scope="module")
def ci(project):
    return Target(profile=project.stack.profile("ci"), runtime="native")


def test_alerts_with_raw_windows_longer_than_the_gate_fills_get_history(project, ci):
    got = {h.alert: h for h in backfill.histories(project, ci)}
    # the SLO page alerts driven live (the p95 latency page has a written no_scenario instead)
    assert set(got) == {"HostDiskFullForecast", "AgentAvailabilitySLOBurnRatePage", "AgentLatencyP99SLOBurnRatePage"}
    assert got["HostDiskFullForecast"].span == 360.0  # 6h under 60x compression
    assert "host_filesystem_avail_bytes" in got["HostDiskFullForecast"].metrics
    assert {"http_requests_total", "http_request_errors_total"} <= set(got["AgentAvailabilitySLOBurnRatePage"].metrics)


def test_under_the_local_profile_windows_are_real_length(project):
    local = Target(profile=project.stack.profile("local"), runtime="native")
    spans = {h.alert: h.span for h in backfill.histories(project, local)}
    assert spans["HostDiskFullForecast"] == 6 * 3600.0


def test_baseline_lines_are_scrapes_of_the_simulator_ending_at_start_up(project, ci):
    hist = backfill.History("X", "agent-sim", ("http_requests_total", "http_request_duration_seconds"), 5.0)
    lines = backfill.baseline_lines(project, (hist,), ci, end=1000, step=1.0)
    assert set(lines) >= {"http_requests_total", "http_request_duration_seconds_bucket",
                          "http_request_duration_seconds_count"}
    first = lines["http_requests_total"][0]
    assert 'instance="127.0.0.1:9104"' in first and 'job="agent"' in first and 'service="agent-sim"' in first
    series = [l for l in lines["http_requests_total"] if l.startswith(first.rsplit(" ", 2)[0] + " ")]
    stamps = [float(l.rsplit(" ", 1)[1]) for l in series]
    values = [float(l.rsplit(" ", 2)[1]) for l in series]
    assert stamps == [994.0 + i for i in range(7)] and stamps[-1] == 1000.0
    assert values == sorted(values) and values[-1] > values[0]  # a counter that grows
    buckets = lines["http_request_duration_seconds_bucket"]
    assert any('le="2.0"' in l for l in buckets) and any('le="+Inf"' in l for l in buckets)


def test_history_shortens_the_fire_budget_to_the_windows_filled_live(project, ci):
    rule = next(a for a in project.alerts if a.name == "HostDiskFullForecast")
    without, with_history = fire_within(project, rule, ci), fire_within(project, rule, ci, history=360.0)
    assert without > 360 > with_history
    assert fire_within(project, rule, ci, history=100.0) == without  # too short a history fills nothing
