"""The metric and log-stream catalog: each signal declared once, checked when declared."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Mapping

from .source import SourceRef, caller_source, fail

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

# Label names that grow without limit unless the definition says how far (a bound).
UNBOUNDED_LABELS = frozenset(
    {"user_id", "task_hash", "timestamp", "error_message", "request_id", "trace_id", "client_id", "session_id"}
)

# Base units (Prometheus naming) and how Grafana shows them.
UNITS = {
    "": "short",
    "seconds": "s",
    "bytes": "bytes",
    "ratio": "percentunit",
    "timestamp_seconds": "dateTimeAsIso",
    "celsius": "celsius",
    "tokens": "short",
}
# Suffixes that are not base units, with the base unit to use instead.
NON_BASE_SUFFIXES = {
    "milliseconds": "seconds", "ms": "seconds", "microseconds": "seconds", "minutes": "seconds",
    "hours": "seconds", "days": "seconds", "kilobytes": "bytes", "megabytes": "bytes",
    "gigabytes": "bytes", "kb": "bytes", "mb": "bytes", "gb": "bytes", "percent": "ratio",
}


class MetricType(str, enum.Enum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    SUMMARY = "summary"


@dataclass(frozen=True)
class Label:
    """A label with its declared values, or a declared bound on how many values it may take."""

    name: str
    values: tuple[str, ...] = ()
    bound: int | None = None

    @property
    def cardinality(self) -> int:
        return len(self.values) if self.values else (self.bound or 0)


def _labels(kind: str, owner: str, src: SourceRef, raw) -> tuple[Label, ...]:
    items: list[Label] = []
    pairs = raw.items() if isinstance(raw, Mapping) else ((l.name, l) for l in raw)
    for name, spec in pairs:
        if isinstance(spec, Label):
            label = spec
        elif isinstance(spec, int) and not isinstance(spec, bool):
            label = Label(name, bound=spec)
        elif isinstance(spec, (list, tuple)):
            label = Label(name, values=tuple(str(v) for v in spec))
        else:
            fail(src, kind, owner, f"labels.{name}", spec, "is neither a list of values nor a bound",
                 'write `{"result": ["valid", "injection"]}` or `{"user_id": Label("user_id", bound=100)}`')
        if not LABEL_NAME.match(label.name) or label.name.startswith("__"):
            fail(src, kind, owner, "labels", label.name, "is not a valid label name", "use snake_case")
        if label.name in UNBOUNDED_LABELS and label.bound is None:
            fail(src, kind, owner, f"labels.{label.name}", label.name, "is an unbounded label",
                 f'declare a bound, Label("{label.name}", bound=100), or aggregate it away')
        if not label.values and not label.bound:
            fail(src, kind, owner, f"labels.{label.name}", label.name, "has neither declared values nor a bound",
                 "list its values or declare bound=N so cardinality stays known")
        if label.name in {l.name for l in items}:
            fail(src, kind, owner, "labels", label.name, "is declared twice")
        items.append(label)
    return tuple(items)


@dataclass(frozen=True)
class Metric:
    """One exported metric. `job` is the scrape job (service) that exports it."""

    name: str
    type: MetricType | str
    help: str
    job: str
    unit: str = ""
    labels: Mapping | tuple = ()
    buckets: tuple[float, ...] = ()
    # what a simulator exports when healthy: a value, or (for counters) a rate per second
    baseline: float = 1.0
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        src, n = self.source, self.name
        if not isinstance(n, str) or not SNAKE.match(n):
            fail(src, "metric", str(n), "name", n, "is not snake_case", "use lower_snake_case, e.g. `llm_requests_total`")
        try:
            mtype = MetricType(self.type)
        except ValueError:
            fail(src, "metric", n, "type", self.type, "is not a metric type",
                 "use one of counter, gauge, histogram, summary")
        object.__setattr__(self, "type", mtype)
        if mtype is MetricType.COUNTER and not n.endswith("_total"):
            fail(src, "metric", n, "name", n, "is a counter without the `_total` suffix", f"rename it `{n}_total`")
        if mtype is not MetricType.COUNTER and n.endswith("_total"):
            fail(src, "metric", n, "name", n, f"ends in `_total` but is a {mtype.value}",
                 "only counters end in `_total`")
        stem = n[: -len("_total")] if n.endswith("_total") else n
        for suffix, base in NON_BASE_SUFFIXES.items():
            if stem.endswith("_" + suffix):
                fail(src, "metric", n, "name", n, f"uses the non-base unit `{suffix}`",
                     f"use the base unit `_{base}` and convert the value")
        if self.unit not in UNITS:
            fail(src, "metric", n, "unit", self.unit, "is not a base unit", "use one of: " + ", ".join(u for u in UNITS if u))
        if self.unit and not stem.endswith("_" + self.unit):
            fail(src, "metric", n, "name", n, f"does not end in its unit `_{self.unit}`",
                 f"rename it `{stem}_{self.unit}" + ("_total`" if n.endswith("_total") else "`"))
        if not self.help or not isinstance(self.help, str):
            fail(src, "metric", n, "help", self.help, "is empty", "say what the metric measures")
        if not self.job or not SNAKE.match(self.job.replace("-", "_")):
            fail(src, "metric", n, "job", self.job, "is not a job name", "name the scrape job that exports it")
        object.__setattr__(self, "labels", _labels("metric", n, src, self.labels))
        if any(l.name == "le" for l in self.labels) or any(l.name == "quantile" for l in self.labels):
            fail(src, "metric", n, "labels", "le/quantile", "are reserved", "Prometheus adds them to histograms and summaries")
        if mtype is MetricType.HISTOGRAM:
            buckets = tuple(float(b) for b in (self.buckets or (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)))
            if list(buckets) != sorted(set(buckets)):
                fail(src, "metric", n, "buckets", self.buckets, "are not strictly increasing")
            object.__setattr__(self, "buckets", buckets)
        elif self.buckets:
            fail(src, "metric", n, "buckets", self.buckets, f"are set on a {mtype.value}", "only histograms have buckets")

    def __str__(self) -> str:
        return self.name

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(l.name for l in self.labels)

    def label(self, name: str) -> Label | None:
        return next((l for l in self.labels if l.name == name), None)

    @property
    def series_names(self) -> tuple[str, ...]:
        """The series names Prometheus stores for this metric."""
        if self.type is MetricType.HISTOGRAM:
            return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")
        if self.type is MetricType.SUMMARY:
            return (self.name, f"{self.name}_sum", f"{self.name}_count")
        return (self.name,)

    @property
    def grafana_unit(self) -> str:
        return UNITS[self.unit]

    @property
    def cardinality(self) -> int:
        total = 1
        for label in self.labels:
            total *= max(label.cardinality, 1)
        return total * (len(self.buckets) + 1 if self.type is MetricType.HISTOGRAM else 1)


@dataclass(frozen=True)
class LogStream:
    """A Loki stream: its bounded stream labels and the structured fields rules may parse."""

    name: str
    labels: Mapping | tuple
    fields: tuple[str, ...] = ()
    format: str = "json"
    help: str = ""
    job: str = ""  # the simulator job that pushes this stream in the live gate
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        src = self.source
        if not SNAKE.match(self.name):
            fail(src, "log stream", self.name, "name", self.name, "is not snake_case")
        if self.format not in ("json", "logfmt"):
            fail(src, "log stream", self.name, "format", self.format, "is not a log format", "use json or logfmt")
        object.__setattr__(self, "labels", _labels("log stream", self.name, src, self.labels))
        object.__setattr__(self, "fields", tuple(self.fields))
        for f in self.fields:
            if not LABEL_NAME.match(f):
                fail(src, "log stream", self.name, "fields", f, "is not a valid field name", "use snake_case")

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(l.name for l in self.labels)

    def selector(self, **match: str) -> str:
        base = {l.name: l.values[0] for l in self.labels if len(l.values) == 1}
        base.update(match)
        return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(base.items())) + "}"
