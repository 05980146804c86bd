"""Simulator faults: the `Scenario`s attached to alerts, gathered per simulator service (pure).

A fault is named by its scenario; several alerts may share one fault (the scanner failing drives
both the ratio alert and the streak alert), so faults are collected by name and must agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ..model import Effect, LogEffect, Metric, MetricType


class FaultError(ValueError):
    """A scenario the simulator cannot drive; the message names the alert's `path:line`."""


@dataclass(frozen=True)
class Fault:
    name: str
    effects: tuple[Effect, ...] = ()
    logs: tuple[LogEffect, ...] = ()
    metrics_down: bool = False
    alerts: tuple[str, ...] = ()
    source: str = ""  # path:line of the first alert that defines the scenario

    def describe(self) -> dict:
        """The JSON shape served by `GET /faults`."""
        return {
            "name": self.name,
            "alerts": list(self.alerts),
            "metrics_down": self.metrics_down,
            "effects": [{"metric": e.metric, "labels": dict(e.labels), "rate": e.rate, "value": e.value,
                         "observe": e.observe} for e in self.effects],
            "logs": [{"stream": dict(l.stream), "line": l.line, "per_second": l.per_second} for l in self.logs],
            "source": self.source,
        }


def faults_for(alerts: Iterable, target: str) -> dict[str, Fault]:
    """Faults of the alerts whose scenario targets `target`, by fault name, in name order."""
    found: dict[str, Fault] = {}
    for alert in alerts:
        sc = getattr(alert, "scenario", None)
        if sc is None or sc.target != target:
            continue
        where = str(getattr(alert, "source", ""))
        known = found.get(sc.fault)
        if known is None:
            found[sc.fault] = Fault(sc.fault, sc.effects, sc.logs, sc.metrics_down, (alert.name,), where)
            continue
        if (known.effects, known.logs, known.metrics_down) != (sc.effects, sc.logs, sc.metrics_down):
            raise FaultError(f"{where}: fault `{sc.fault}` on `{target}` differs from its definition at "
                             f"{known.source}; define the Scenario once and reuse it")
        found[sc.fault] = Fault(known.name, known.effects, known.logs, known.metrics_down,
                                known.alerts + (alert.name,), known.source)
    return dict(sorted(found.items()))


def check_fault(fault: Fault, metrics: Mapping[str, Metric], job: str) -> list[str]:
    """Why the fault's effects cannot be applied to the metrics `job` exports (empty when they can)."""
    out: list[str] = []
    where = f"{fault.source}: fault `{fault.name}`"
    for e in fault.effects:
        m = metrics.get(e.metric)
        if m is None:
            out.append(f"{where}: metric `{e.metric}` is not exported by job `{job}`")
            continue
        for key, val in e.labels.items():
            label = m.label(key)
            if label is None:
                out.append(f"{where}: `{m.name}` has no label `{key}` (labels: {', '.join(m.label_names) or 'none'})")
            elif label.values and str(val) not in label.values:
                out.append(f"{where}: `{m.name}` label `{key}` value `{val}` is not declared "
                           f"({', '.join(label.values)})")
        if m.type is MetricType.COUNTER and (e.value is not None or e.observe is not None):
            out.append(f"{where}: `{m.name}` is a counter; an effect on it sets `rate` only")
        elif m.type is MetricType.GAUGE and e.observe is not None:
            out.append(f"{where}: `{m.name}` is a gauge; an effect on it sets `value` (or `rate`, a drift per second)")
        elif m.type in (MetricType.HISTOGRAM, MetricType.SUMMARY) and e.value is not None:
            out.append(f"{where}: `{m.name}` is a {m.type.value}; an effect on it sets `observe` and/or `rate`")
        if e.rate is not None and e.rate < 0 and m.type is not MetricType.GAUGE:
            out.append(f"{where}: `{m.name}` effect rate {e.rate} is negative")
    for l in fault.logs:
        if l.per_second < 0:
            out.append(f"{where}: log effect per_second {l.per_second} is negative")
    return out
