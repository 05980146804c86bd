"""The ruler on the engine and the store, in process: evaluation, listings, alert payloads, reloads."""
from __future__ import annotations

import os

from obsgate.logql import Entry
from obsgate.sim.logstore.notifier import Notifier
from obsgate.sim.logstore.ruler import Ruler
from obsgate.sim.logstore.storage import Store

S = 10**9
T = 1_700_000_000.0
RULE = """groups:
- name: errors
  interval: 5s
  rules:
  - alert: ApiErrors
    expr: sum by (service) (count_over_time({service="api", level="error"}[1m])) > 2
    for: 10s
    labels: {severity: warning}
    annotations: {summary: '{{ $labels.service }}: {{ $value }} errors'}
"""


class Captured(Notifier):
    def __init__(self) -> None:
        super().__init__(["http://127.0.0.1:9"])
        self.batches: list[list[dict]] = []

    def send(self, alerts: list[dict]) -> None:
        self.batches.append(alerts)


def setup(tmp_path):
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "errors.yml").write_text(RULE)
    store = Store(None, 3600, 1 << 20, clock=lambda: int(T * 1e9), log=lambda m: None)
    notifier = Captured()
    ruler = Ruler(store, tmp_path, 60.0, notifier, "http://127.0.0.1:3100", clock=lambda: T, log=lambda m: None)
    return store, ruler, notifier


def errors(store, n, at=T):
    store.push("fake", [((("level", "error"), ("service", "api")),
                         [Entry(int((at - 1) * 1e9) - i, f"boom {i}") for i in range(n)])])


def test_the_ruler_fires_after_for_lists_the_alert_and_sends_it_once(tmp_path):
    store, ruler, notes = setup(tmp_path)
    (group,) = ruler.groups
    assert group.interval_s == 5.0
    errors(store, 3)
    ruler.evaluate(group, T)
    assert [a["state"] for a in ruler.alerts("fake")] == ["pending"] and notes.batches == [[]]
    ruler.evaluate(group, T + 10)
    (alert,) = ruler.alerts("fake")
    assert alert["state"] == "firing" and alert["value"] == "3e+00"
    assert alert["annotations"] == {"summary": "api: 3 errors"}
    (sent,) = notes.batches[-1]
    assert sent["labels"] == {"alertname": "ApiErrors", "service": "api", "severity": "warning"}
    ruler.evaluate(group, T + 15)
    assert notes.batches[-1] == []  # not again before the resend delay
    (doc,) = ruler.rule_groups("fake")
    rule = doc["rules"][0]
    assert (doc["name"], doc["file"], rule["state"], rule["health"], rule["duration"], rule["type"]) == (
        "errors", "errors.yml", "firing", "ok", 10.0, "alerting")
    assert ruler.alerts("team-b") == [] and ruler.rule_groups("team-b") == []


def test_an_evaluation_error_is_the_rules_health_not_the_rulers_end(tmp_path):
    store, ruler, _ = setup(tmp_path)
    # two services collapse into one label set once the rule sets `service`: Prometheus' evaluation error
    (tmp_path / "fake" / "errors.yml").write_text(RULE.replace('{service="api", level="error"}', '{level="error"}')
                                                  .replace("labels: {severity: warning}", "labels: {service: fixed}"))
    ruler.reload()
    for service in ("api", "web"):
        store.push("fake", [((("level", "error"), ("service", service)),
                             [Entry(int((T - 1) * 1e9) - i, "boom") for i in range(3)])])
    ruler.evaluate(ruler.groups[0], T)
    rule = ruler.rule_groups("fake")[0]["rules"][0]
    assert rule["health"] == "err" and "same labelset" in rule["lastError"] and ruler.failures == 1
    assert rule["lastEvaluation"].startswith("2023-11-14T22:13:20")


def test_a_reload_keeps_the_state_of_unchanged_rules(tmp_path):
    store, ruler, _ = setup(tmp_path)
    errors(store, 3)
    ruler.evaluate(ruler.groups[0], T)
    ruler.evaluate(ruler.groups[0], T + 10)
    (tmp_path / "fake" / "other.yml").write_text(RULE.replace("name: errors", "name: more"))
    stat = (tmp_path / "fake" / "errors.yml").stat()
    os.utime(tmp_path / "fake" / "errors.yml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert ruler.reload()
    assert [g.name for g in ruler.groups] == ["errors", "more"]
    assert [a["state"] for a in ruler.alerts("fake")] == ["firing"]
    assert not ruler.reload()  # nothing changed since
