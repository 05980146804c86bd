"""Components, families, the routing tree and the receivers it generates (model and generate.alertmanager)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from obsgate import AlertRule, Receiver, Route, RuleGroup, Routing
from obsgate.generate import alertmanager
from obsgate.generate.prometheus import alert_labels
from obsgate.generate.target import Target
from obsgate.load import load
from obsgate.model import DefinitionError
from obsgate.validate.am_tools import inhibit_pairs

ROOT = Path(__file__).resolve().parents[2]
REPO = load(ROOT)


def alert(**kw) -> AlertRule:
    return AlertRule(**{"name": "A", "expr": "up == 0", "severity": "warning", "summary": "s", "description": "d",
                        **kw})


def test_a_rule_groups_component_fills_alerts_that_name_none():
    group = RuleGroup("g", component="api", rules=(alert(name="A"), alert(name="B", component="ollama")))
    assert [a.component for a in group.alerts] == ["api", "ollama"]
    assert alert_labels(group.alerts[0]) == {"severity": "warning", "component": "api"}
    assert alert_labels(alert(family="x-disk", component="db")) == {"severity": "warning", "component": "db",
                                                                    "family": "x-disk"}


@pytest.mark.parametrize("kw, text", [
    ({"labels": {"component": "api"}}, "labels.component"),
    ({"labels": {"family": "f"}}, "labels.family"),
    ({"family": "Disk Space"}, "is not a lower-case label value"),
    ({"deviation": "short"}, "is too short to be a reason"),
], ids=["component as a label", "family as a label", "a family that is no label value", "a one-word deviation"])
def test_alert_fields_that_set_labels_are_validated(kw, text):
    with pytest.raises(DefinitionError, match=text):
        alert(**kw)


def test_routing_refuses_unknown_receivers_anywhere_in_the_tree_and_unreadable_matchers():
    recv = (Receiver("a", "webhook"),)
    with pytest.raises(DefinitionError, match="`b` is not a declared receiver"):
        Routing(receivers=recv, routes=(Route(matchers=('x="1"',), routes=(Route("b"),)),))
    with pytest.raises(DefinitionError, match="is not a matcher"):
        Routing(receivers=recv, routes=(Route("a", matchers=("x=~(",)),))
    with pytest.raises(DefinitionError, match="is not a receiver kind"):
        Receiver("p", "opsgenie")
    with pytest.raises(DefinitionError, match="needs its recipients"):
        Receiver("m", "email")


def _config(sinks: bool) -> dict:
    return alertmanager.config(REPO, Target(REPO.stack.profile("default"), sinks=sinks))


def test_pagerduty_and_smtp_point_at_the_sinks_only_in_a_live_run():
    prod, live = _config(False), _config(True)
    pd = {r["name"]: r for r in prod["receivers"]}["pagerduty-critical"]["pagerduty_configs"][0]
    assert "url" not in pd and pd["routing_key_file"] == "/etc/alertmanager/secrets/pagerduty_routing_key"
    pd_live = {r["name"]: r for r in live["receivers"]}["pagerduty-critical"]["pagerduty_configs"][0]
    assert pd_live["url"] == "http://alert-sink:9099/pagerduty/pagerduty-critical"
    assert prod["global"]["smtp_smarthost"] == "smtp.example.org:587" and prod["global"]["smtp_require_tls"] is True
    assert live["global"]["smtp_smarthost"] == "smtp-sink:2525" and live["global"]["smtp_require_tls"] is False
    assert "smtp_auth_password_file" not in live["global"]


def test_every_repo_alert_carries_a_component():
    missing = [a.name for a in REPO.alerts if not a.component]
    assert missing == []
    assert Counter(a.component for a in REPO.alerts)["llm_guard_scanner"] >= 3


def test_every_family_pairs_one_critical_with_its_warnings_in_one_component():
    families: dict[str, list] = {}
    for a in REPO.alerts:
        if a.family:
            families.setdefault(a.family, []).append(a)
    assert sorted(families) == ["error-budget-agent-availability", "lancedb-backup", "lancedb-disk",
                                "llm-guard-scanner", "rag-quality", "slo-agent-availability", "slo-agent-latency",
                                "slo-agent-latency-p99"]
    for family, alerts in families.items():
        assert [a.severity for a in alerts].count("critical") == 1, family
        assert "warning" in [a.severity for a in alerts], family
        assert len({a.component for a in alerts}) == 1, family


def test_the_generated_inhibit_rule_pairs_each_family_and_nothing_else():
    [rule] = _config(False)["inhibit_rules"]
    alerts = [{**alert_labels(a), "alertname": a.name} for a in REPO.alerts]
    pairs = inhibit_pairs(rule, alerts)
    by_name = {a.name: a for a in REPO.alerts}
    assert pairs and all(by_name[c].family == by_name[w].family for c, w in pairs)
    assert ("LanceDBDiskSpaceCritical", "LanceDBDiskSpaceWarning") in pairs
    assert ("RAGQualityCritical", "RAGQualityDegradation") in pairs
    assert not any(w == "HighLatencyP95" for _, w in pairs)  # no family: never muted by HighErrorRate
