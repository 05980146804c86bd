"""Active scenario effects applied to the natively recorded metrics, as extra synthetic traffic."""
from __future__ import annotations

from ...model import MetricType
from ..engine import Engine, combinations, matches
from .metrics import NATIVE, GatewayMetrics


class Overlay:
    """Applies active scenario effects to the natively recorded metrics, as extra synthetic traffic."""

    def __init__(self, engine: Engine, metrics: GatewayMetrics) -> None:
        self.engine = engine
        self.metrics = metrics
        self.by_name = {m.name: role for role, m in metrics.decl.items()}
        self._pending: dict[tuple, float] = {}

    def step(self, dt: float) -> None:
        for fault in (self.engine.faults[n] for n in self.engine.active):
            for e in fault.effects:
                role = self.by_name.get(e.metric)
                if role is None or e.rate is None and e.observe is None:
                    continue
                m = self.metrics.decl[role]
                wanted = dict(e.labels)
                wanted.setdefault("provider", self.metrics.provider)
                hit = [labels for labels, _ in combinations(m) if matches(labels, wanted)]
                rate = (e.rate if e.rate is not None else 1.0) / max(len(hit), 1)
                for labels in hit:
                    values = dict(labels)
                    child = self.metrics.obj[role].labels(*(values[k] for k in NATIVE[role][1]))
                    if m.type is MetricType.HISTOGRAM:
                        key = (fault.name, m.name, labels)
                        due = self._pending.get(key, 0.0) + rate * dt
                        for _ in range(int(due)):
                            child.observe(e.observe if e.observe is not None else m.baseline)
                        self._pending[key] = due - int(due)
                    else:
                        child.inc(rate * dt)
