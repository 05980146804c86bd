"""Prometheus exposition of an Engine's series through prometheus_client (read at scrape time)."""
from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily,
                                    SummaryMetricFamily)
from prometheus_client.utils import floatToGoString

from ..model import MetricType
from .engine import Engine


class EngineCollector:
    """Yields one metric family per catalog metric, from a consistent engine snapshot."""

    def __init__(self, engine: Engine, only: tuple[str, ...] | None = None) -> None:
        self.engine = engine
        self.only = None if only is None else frozenset(only)

    def collect(self):
        for metric, samples in self.engine.snapshot():
            if self.only is not None and metric.name not in self.only:
                continue
            names = list(metric.label_names)
            if metric.type is MetricType.COUNTER:
                fam = CounterMetricFamily(metric.name, metric.help, labels=names)
                for s in samples:
                    fam.add_metric([v for _, v in s.labels], s.value)
            elif metric.type is MetricType.GAUGE:
                fam = GaugeMetricFamily(metric.name, metric.help, labels=names)
                # A `_timestamp_seconds` gauge's baseline (and effect value) is an age: export now - age, so a
                # healthy "last backup" stays fresh however long the simulator runs.
                now = time.time() if metric.unit == "timestamp_seconds" else None
                for s in samples:
                    fam.add_metric([v for _, v in s.labels], s.value if now is None else now - s.value)
            elif metric.type is MetricType.HISTOGRAM:
                fam = HistogramMetricFamily(metric.name, metric.help, labels=names)
                for s in samples:
                    fam.add_metric([v for _, v in s.labels], [(floatToGoString(le), c) for le, c in s.buckets],
                                   sum_value=s.sum)
            else:
                fam = SummaryMetricFamily(metric.name, metric.help, labels=names)
                for s in samples:
                    fam.add_metric([v for _, v in s.labels], count_value=s.count, sum_value=s.sum)
            yield fam


def registry_for(engine: Engine, registry: CollectorRegistry | None = None) -> CollectorRegistry:
    """A registry holding only the catalog metrics (no process/platform collectors)."""
    registry = registry or CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(engine))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
