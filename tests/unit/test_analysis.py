"""obsgate.analysis: durations, the ci profile's rewriting, the recording-rule walk and the built-in series,
pure and shared by generate, validate, runtime and smoke."""
from __future__ import annotations

import pytest

from obsgate.analysis import builtins, recorded
from obsgate.analysis.durations import scale_duration, seconds
from obsgate.analysis.rewrite import expr_for
from obsgate.model import AlertRule, Profile, RecordingRule, RuleGroup, Runbook

RB = Runbook(impact="i", causes=(), quick_fix="q", long_term_fix="l", prevention="p")
LOCAL = Profile("local")
CI = Profile("ci", scrape_interval="1s", evaluation_interval="1s", time_scale=60)
# Two SLOs record the same name, told apart by their `slo` label: each reads its own raw series.
A = RecordingRule("slo:errors:ratio_rate1h", "sum(rate(a_errors_total[1h])) / sum(rate(a_total[1h]))",
                  labels={"slo": "a"})
B = RecordingRule("slo:errors:ratio_rate1h", "sum(rate(b_errors_total[6h])) / sum(rate(b_total[6h]))",
                  labels={"slo": "b"})
BURN = RecordingRule("slo:burn:rate1h", 'slo:errors:ratio_rate1h / 0.001')
GROUP = RuleGroup("slos", rules=(A, B, BURN))


def render(profile):
    return lambda rule: expr_for(rule, profile)


@pytest.mark.parametrize("value, expected", [("5m", 300.0), ("1h30m", 5400.0), ("0s", 0.0), ("", 0.0)],
                         ids=["minutes", "compound", "zero", "empty"])
def test_seconds_reads_prometheus_durations(value, expected):
    assert seconds(value) == expected


def test_scale_duration_compresses_for_ci_never_below_the_floor():
    assert scale_duration("1h", 60) == "60s"
    assert scale_duration("30s", 60) == "1s"
    assert scale_duration("30s", 60, floor=4) == "4s"
    assert scale_duration("5m", 1) == "5m"  # the local profile keeps real windows


def test_expr_for_keeps_the_expression_locally_and_compresses_it_for_ci():
    assert expr_for(A, LOCAL) == A.expr
    assert "[1m]" in expr_for(A, CI) and "[1h]" not in expr_for(A, CI)


def test_recorders_keep_every_rule_that_records_a_name():
    recs = recorded.recorders([GROUP])
    assert recs["slo:errors:ratio_rate1h"] == (A, B)
    assert recs["slo:burn:rate1h"] == (BURN,)


def test_the_walk_follows_every_recorder_of_a_name_once():
    trees = list(recorded.walk(BURN.expr, recorded.recorders([GROUP]), render(LOCAL)))
    assert len(trees) == 3  # the burn expression, then both SLOs' error ratios


def test_windows_split_raw_and_recorded_series_and_see_both_slos():
    raw, rec = recorded.windows(BURN.expr, recorded.recorders([GROUP]), render(LOCAL))
    assert raw == {"a_errors_total": 3600.0, "a_total": 3600.0, "b_errors_total": 21600.0, "b_total": 21600.0}
    assert rec == {"slo:errors:ratio_rate1h": 0.0}
    assert recorded.longest_window(BURN.expr, recorded.recorders([GROUP]), render(LOCAL)) == 21600.0


def test_windows_follow_the_profile():
    raw, _ = recorded.windows(BURN.expr, recorded.recorders([GROUP]), render(CI))
    assert raw["b_total"] == 360.0  # 6h under 60x compression


def test_rule_windows_of_a_prometheus_alert_and_ignores_logql():
    alert = AlertRule(name="Burn", expr="slo:burn:rate1h > 14", severity="critical", for_="2m", summary="s",
                      description="d", runbook=RB, no_scenario="a test")
    raw, rec = recorded.rule_windows(alert, recorded.recorders([GROUP]), LOCAL)
    assert set(raw) == {"a_errors_total", "a_total", "b_errors_total", "b_total"} and set(rec) == {
        "slo:burn:rate1h", "slo:errors:ratio_rate1h"}


def test_history_needed_adds_the_offsets_on_the_way():
    week = RecordingRule("job:req:rate5m_lastweek", "sum(rate(req_total[5m] offset 1h))")
    recs = recorded.recorders([RuleGroup("w", rules=(week,))])
    assert recorded.history_needed("job:req:rate5m_lastweek offset 30m", recs, render(LOCAL)) == 5400.0
    assert recorded.history_needed("sum(rate(req_total[5m]))", recs, render(LOCAL)) == 0.0
    assert recorded.history_needed("sum(rate(", recs, render(LOCAL)) == 0.0  # unparsable: promql/syntax's finding


def test_one_builtin_series_list():
    assert {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added",
            "scrape_samples_post_metric_relabeling", "ALERTS", "ALERTS_FOR_STATE"} == builtins.BUILTIN_SERIES
    assert builtins.TARGET_SERIES | builtins.RULE_SERIES == builtins.BUILTIN_SERIES


def test_the_repo_project_keeps_every_slo_rule_of_a_shared_name(repo_root):
    from obsgate.load import load

    project = load(repo_root)
    rules = project.recorded["slo:sli_error:ratio_rate5m"]
    assert {r.labels["slo"] for r in rules} == {s.name for s in project.slos} and len(project.slos) >= 2
