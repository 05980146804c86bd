"""The loaded project: every definition, indexed, and nothing else (pure, no I/O)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .model import LogStream, LokiRuleGroup, Metric, MetricType, RuleGroup, Stack
from .analysis.recorded import owners, recorders
from .model.board import Board


@dataclass(frozen=True)
class Project:
    root: Path
    metrics: tuple[Metric, ...]
    log_streams: tuple[LogStream, ...]
    groups: tuple[RuleGroup, ...]
    loki_groups: tuple[LokiRuleGroup, ...]
    boards: tuple[Board, ...]
    stack: Stack
    slos: tuple = ()

    def metric(self, name: str) -> Metric | None:
        return self._by_series().get(name)

    def _by_series(self) -> dict[str, Metric]:
        return self._cached("_series_index", lambda: {s: m for m in self.metrics for s in m.series_names})

    @property
    def recorded(self) -> dict[str, tuple]:
        """{recorded name: every recording rule that records it} (two SLOs record the same names)."""
        return self._cached("_recorded_index", lambda: recorders(self.groups))

    @property
    def recording_groups(self) -> dict[str, tuple]:
        """{recorded name: every rule group that records it}, built once per project."""
        return self._cached("_owner_index", lambda: owners(self.groups))

    @property
    def alerts(self) -> tuple:
        return self._cached("_alerts", lambda: tuple(a for g in self.groups for a in g.alerts)
                            + tuple(a for g in self.loki_groups for a in g.alerts))

    def _cached(self, key: str, build):
        """An index of this frozen project, built on first use (the project never changes)."""
        value = self.__dict__.get(key)
        if value is None:
            value = build()
            object.__setattr__(self, key, value)
        return value

    def is_counter(self, series: str) -> bool:
        m = self.metric(series)
        if m is None:
            return False
        if m.type is MetricType.COUNTER:
            return True
        # _count, _sum and _bucket of histograms and summaries are counters too
        return series != m.name or m.type is MetricType.HISTOGRAM
