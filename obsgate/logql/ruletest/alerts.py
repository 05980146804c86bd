"""The alert state of one rule, as the Loki ruler (Prometheus' rule manager) derives it.

Evaluations run on the group's interval grid; a series is pending until `for` has passed, then
firing; after it disappears it keeps firing for `keep_firing_for`. Labels and annotations are
rendered with Prometheus' template functions on each firing series' labels and last value.
"""
from __future__ import annotations

import math

from ..templates import render_alert_template
from .model import Alert, AlertTest, Rule


def eval_grid(eval_s: float, step_s: float, lookback_s: float) -> list[float]:
    """Evaluation instants (relative to the test start) that decide the alert state at `eval_s`."""
    last = math.floor(eval_s / step_s + 1e-9) * step_s
    first = max(0.0, math.floor((last - lookback_s) / step_s + 1e-9) * step_s)
    n = int(round((last - first) / step_s))
    return [first + i * step_s for i in range(n + 1)]


def lookback(rule: Rule) -> float:
    """How far back from eval_time evaluations can still change the state (for, keep_firing_for)."""
    keep = rule.keep_firing_for_s + rule.interval_s if rule.keep_firing_for_s else 0.0
    return rule.for_s + keep


def alerts_at(rule: Rule, results: list[tuple[float, list[tuple[dict, float]]]]) -> list[Alert]:
    """Firing alerts after evaluating `rule` at each (t, series) in order."""
    state: dict[tuple, dict] = {}  # series key -> active_at, fired, labels, value, keep_since
    for t, series in results:
        present = set()
        for labels, value in series:
            key = tuple(sorted(labels.items()))
            present.add(key)
            s = state.setdefault(key, {"active_at": t, "fired": None})
            s.update(labels=labels, value=value, keep_since=None)
            if s["fired"] is None and t - s["active_at"] >= rule.for_s:
                s["fired"] = t
        for key in list(state):
            if key in present:
                continue
            s = state[key]
            if s["fired"] is not None and rule.keep_firing_for_s > 0:
                s["keep_since"] = s["keep_since"] if s["keep_since"] is not None else t
                if t - s["keep_since"] < rule.keep_firing_for_s:
                    continue
            del state[key]
    alerts = []
    for s in state.values():
        if s["fired"] is None:
            continue
        labels = {k: v for k, v in s["labels"].items() if k != "__name__"}
        for k, v in rule.labels.items():
            labels[k] = render_alert_template(v, s["labels"], s["value"])
        labels["alertname"] = rule.name
        annotations = {k: render_alert_template(v, s["labels"], s["value"]) for k, v in rule.annotations.items()}
        alerts.append(Alert(labels, annotations))
    return sorted(alerts, key=Alert.key)


def expected(test: AlertTest) -> list[Alert]:
    return sorted((Alert({**e.labels, "alertname": test.alertname}, dict(e.annotations)) for e in test.exp_alerts),
                  key=Alert.key)
