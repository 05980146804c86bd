"""The log store's rules: alert states as the Prometheus/Loki ruler keeps them, what is sent when, rule files."""
from __future__ import annotations

import pytest

from obsgate.sim.logstore import rules
from obsgate.sim.logstore.notifier import generator_url, payload
from obsgate.sim.logstore.rules import FIRING, INACTIVE, PENDING, Rule, go_float

SVC = {"service": "api"}


def alert_rule(for_s=0.0, keep=0.0, **kw):
    return Rule(name="Burst", expr='sum by (service) (count_over_time({service="api"}[1m])) > 1', kind="alerting",
                for_s=for_s, keep_firing_for_s=keep, labels=kw.get("labels", {"severity": "warning"}),
                annotations=kw.get("annotations", {"summary": "{{ $labels.service }} at {{ $value }}"}))


def only(rule):
    (alert,) = rule.active.values()
    return alert


@pytest.mark.parametrize("value, text", [(21.0, "2.1e+01"), (1.0, "1e+00"), (0.5, "5e-01"), (0.0, "0e+00"),
                                         (1234.5678, "1.2345678e+03"), (-3.0, "-3e+00"), (1e-7, "1e-07")])
def test_go_float_writes_values_as_prometheus_alerts_api_does(value, text):
    assert go_float(value) == text


def test_an_alert_is_pending_until_for_has_passed_then_firing():
    rule = alert_rule(for_s=60)
    rule.evaluate([(SVC, 5.0)], 1000.0)
    assert only(rule).state == PENDING and rule.state == PENDING
    rule.evaluate([(SVC, 6.0)], 1059.0)
    assert only(rule).state == PENDING
    rule.evaluate([(SVC, 7.0)], 1060.0)
    a = only(rule)
    assert (a.state, a.fired_at, a.active_at, a.value) == (FIRING, 1060.0, 1000.0, 7.0)
    assert a.labels == {"alertname": "Burst", "service": "api", "severity": "warning"}
    assert a.annotations == {"summary": "api at 7"}


def test_without_for_an_alert_fires_at_its_first_evaluation():
    rule = alert_rule()
    rule.evaluate([(SVC, 2.0)], 10.0)
    assert only(rule).state == FIRING


def test_a_pending_alert_whose_condition_stops_is_forgotten():
    rule = alert_rule(for_s=60)
    rule.evaluate([(SVC, 2.0)], 10.0)
    rule.evaluate([], 20.0)
    assert rule.active == {} and rule.state == INACTIVE


def test_a_firing_alert_resolves_when_its_condition_stops_and_is_kept_15_minutes():
    rule = alert_rule()
    rule.evaluate([(SVC, 2.0)], 10.0)
    rule.evaluate([], 20.0)
    a = only(rule)
    assert (a.state, a.resolved_at) == (INACTIVE, 20.0)
    rule.evaluate([], 20.0 + 15 * 60)
    assert rule.active
    rule.evaluate([], 21.0 + 15 * 60)
    assert rule.active == {}


def test_keep_firing_for_holds_a_firing_alert_after_its_condition_stops():
    rule = alert_rule(keep=30)
    rule.evaluate([(SVC, 2.0)], 10.0)
    rule.evaluate([], 20.0)
    rule.evaluate([], 49.0)
    assert only(rule).state == FIRING and only(rule).keep_firing_since == 20.0
    rule.evaluate([], 50.0)
    assert only(rule).state == INACTIVE


def test_an_alert_that_fires_again_after_resolving_starts_over():
    rule = alert_rule(for_s=10)
    rule.evaluate([(SVC, 2.0)], 0.0)
    rule.evaluate([(SVC, 2.0)], 10.0)
    rule.evaluate([], 20.0)
    rule.evaluate([(SVC, 2.0)], 30.0)
    a = only(rule)
    assert (a.state, a.active_at, a.resolved_at) == (PENDING, 30.0, 0.0)


def test_two_samples_with_one_labelset_after_the_rule_labels_is_an_error():
    rule = alert_rule(labels={"service": "fixed"})
    with pytest.raises(ValueError, match="same labelset"):
        rule.evaluate([({"service": "a"}, 1.0), ({"service": "b"}, 1.0)], 0.0)


def test_firing_alerts_are_resent_after_the_resend_delay_and_a_resolution_at_once():
    rule = alert_rule()
    rule.evaluate([(SVC, 2.0)], 100.0)
    sent = rule.to_send(100.0, 60.0, 10.0)
    assert len(sent) == 1 and sent[0].valid_until == 100.0 + 4 * 60.0
    rule.evaluate([(SVC, 2.0)], 110.0)
    assert rule.to_send(110.0, 60.0, 10.0) == []
    rule.evaluate([(SVC, 2.0)], 160.0)
    assert rule.to_send(160.0, 60.0, 10.0) == []  # resent once last send + delay is before now, not at it
    rule.evaluate([(SVC, 2.0)], 170.0)
    (again,) = rule.to_send(170.0, 60.0, 10.0)
    assert again.state == FIRING and again.valid_until == 170.0 + 240.0
    rule.evaluate([], 180.0)
    (resolved,) = rule.to_send(180.0, 60.0, 10.0)
    assert resolved.state == INACTIVE and resolved.resolved_at == 180.0
    assert rule.to_send(190.0, 60.0, 10.0) == []


def test_a_pending_alert_is_never_sent():
    rule = alert_rule(for_s=60)
    rule.evaluate([(SVC, 2.0)], 0.0)
    assert rule.to_send(0.0, 60.0, 10.0) == []


def test_the_alertmanager_payload_has_starts_ends_and_generator_url():
    rule = alert_rule()
    rule.evaluate([(SVC, 2.0)], 1_700_000_000.0)
    (firing,) = payload(rule.to_send(1_700_000_000.0, 60.0, 10.0), rule.expr, "http://127.0.0.1:3100")
    assert firing["startsAt"] == "2023-11-14T22:13:20.000Z" and firing["endsAt"] == "2023-11-14T22:17:20.000Z"
    assert firing["generatorURL"] == generator_url("http://127.0.0.1:3100", rule.expr)
    assert firing["generatorURL"].startswith("http://127.0.0.1:3100/graph?g0.expr=sum%20by%20%28service%29")
    assert firing["labels"]["alertname"] == "Burst" and firing["annotations"] == {"summary": "api at 2"}
    rule.evaluate([], 1_700_000_010.0)
    (resolved,) = payload(rule.to_send(1_700_000_010.0, 60.0, 10.0), rule.expr, "http://x")
    assert resolved["endsAt"] == "2023-11-14T22:13:30.000Z"


def test_rule_files_load_per_tenant_with_group_interval_and_parse_errors_as_rule_health(tmp_path):
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "a.yml").write_text(
        "groups:\n- name: g1\n  interval: 30s\n  rules:\n"
        "  - alert: Good\n    expr: sum(count_over_time({service=\"api\"}[5m])) > 1\n    for: 1m\n"
        "    keep_firing_for: 2m\n    labels: {severity: warning}\n"
        "  - alert: Bad\n    expr: sum(count_over_time({service=\"api\"[5m])) > 1\n"
        "- name: g2\n  rules:\n  - alert: LogQuery\n    expr: '{service=\"api\"}'\n")
    (tmp_path / "team-b").mkdir()
    (tmp_path / "team-b" / "broken.yaml").write_text("groups: {not: a list}\n")
    groups, errors = rules.load_dir(tmp_path, 60.0)
    assert [(g.tenant, g.name, g.interval_s) for g in groups] == [("fake", "g1", 30.0), ("fake", "g2", 60.0)]
    good, bad = groups[0].rules
    assert (good.for_s, good.keep_firing_for_s, good.health, good.error) == (60.0, 120.0, "unknown", "")
    assert bad.health == "err" and bad.last_error.startswith("parse error:")
    assert "metric query" in groups[1].rules[0].error
    assert len(errors) == 1 and "broken.yaml" in errors[0] and "groups:" in errors[0]
