"""The simulator state machine: catalog metrics advanced tick by tick, faults overriding series (pure).

No clock and no I/O: the caller says how much time passed (`advance(dt)`), so tests drive it
deterministically and the HTTP server is a thin shell around it.

Baselines (`Metric.baseline`):
- counter: the metric's total increments per second, shared out over its label combinations;
- gauge: the value held by every series (with 1% jitter; 0 stays 0);
- histogram/summary: the typical observed value; each series observes `HISTOGRAM_RATE` values per
  second, log-normally spread around it.
Declared label order is popularity order (value i weighs 1/(i+1)), and values that name a failure
(`fail`, `error`, `injection`, ...) weigh 20 times less, so a healthy baseline never looks like an
incident; log levels weigh by LEVEL_WEIGHTS (mostly info, errors rare). Labels declared only by a bound get `BOUND_SAMPLE` synthetic values.

Effects of active faults replace the baseline of the series they match (a subset of labels matches
every series that has them; a rate is shared out over the matches): counter `rate`; gauge `value`,
or gauge `rate` as a drift per second from its current value; histogram `observe` and/or `rate`.
Faults activated later win where two touch the same series.
"""
from __future__ import annotations

import itertools
import math
import random
import threading
from dataclasses import dataclass, field
from typing import Iterable, Mapping, NamedTuple

from ..model import Effect, LogEffect, Metric, MetricType
from .faults import Fault, FaultError, check_fault

BOUND_SAMPLE = 3
HISTOGRAM_RATE = 1.0  # observations per second per series at baseline
COUNTER_JITTER = 0.2  # +-20% on each tick's increment
GAUGE_JITTER = 0.01  # +-1% around the baseline
OBSERVE_SIGMA = 0.35  # log-normal spread of baseline observations (p95 ~ 1.8 x baseline)
FAILURE_WORDS = ("fail", "error", "injection", "timeout", "denied", "reject", "fatal", "critical",
                 "unreachable", "5xx", "exceeded")
# Log levels have a natural mix whatever order they are declared in: mostly info, errors rare.
LEVEL_WEIGHTS = {"trace": 0.05, "debug": 0.2, "info": 1.0, "notice": 0.3, "warn": 0.1, "warning": 0.1,
                 "error": 0.01, "err": 0.01, "critical": 0.002, "crit": 0.002, "fatal": 0.001, "panic": 0.001}

Labels = tuple[tuple[str, str], ...]


def looks_like_failure(value: str) -> bool:
    low = value.lower()
    return any(word in low for word in FAILURE_WORDS)


def label_values(label) -> tuple[str, ...]:
    """The values a simulator uses for a label: the declared ones, or a few synthetic ones for a bound."""
    if label.values:
        return tuple(label.values)
    return tuple(f"{label.name}_{i}" for i in range(min(label.bound or 0, BOUND_SAMPLE)))


def value_weight(index: int, value: str) -> float:
    if value.lower() in LEVEL_WEIGHTS:
        return LEVEL_WEIGHTS[value.lower()]
    weight = 1.0 / (index + 1)
    return weight / 20 if looks_like_failure(value) else weight


def combinations(metric: Metric) -> list[tuple[Labels, float]]:
    """Every label combination of the metric with its share of the baseline (shares sum to 1)."""
    axes = [[((l.name, v), value_weight(i, v)) for i, v in enumerate(label_values(l))] for l in metric.labels]
    combos = []
    for picks in itertools.product(*axes):
        combos.append((tuple(p[0] for p in picks), math.prod(p[1] for p in picks)))
    total = sum(w for _, w in combos) or 1.0
    return [(labels, w / total) for labels, w in combos]


def matches(labels: Labels, wanted: Mapping[str, str]) -> bool:
    have = dict(labels)
    return all(have.get(k) == str(v) for k, v in wanted.items())


@dataclass
class Series:
    metric: Metric
    labels: Labels
    weight: float
    value: float = 0.0  # counter total or gauge value
    buckets: list[float] = field(default_factory=list)  # histogram counts per bucket, +Inf last (not cumulative)
    total: float = 0.0  # histogram/summary sum
    count: int = 0
    pending: float = 0.0  # fractional observations carried to the next tick

    def observe(self, v: float) -> None:
        self.total += v
        self.count += 1
        if self.metric.type is MetricType.HISTOGRAM:
            for i, le in enumerate(self.metric.buckets):
                if v <= le:
                    self.buckets[i] += 1
                    return
            self.buckets[-1] += 1


class Sample(NamedTuple):
    """One exported series: counters/gauges use `value`; histograms cumulative `buckets`, `sum`, `count`."""

    labels: Labels
    value: float = 0.0
    buckets: tuple[tuple[float, float], ...] = ()  # (upper bound, cumulative count), +Inf last
    sum: float = 0.0
    count: float = 0.0


class Engine:
    """Series of one job's metrics, advanced by `advance(dt)`; faults switched by name."""

    def __init__(self, metrics: Iterable[Metric], faults: Mapping[str, Fault] | None = None, seed: int = 0,
                 job: str = "") -> None:
        self.metrics = tuple(sorted(metrics, key=lambda m: m.name))
        self.faults = dict(faults or {})
        by_name = {m.name: m for m in self.metrics}
        problems = [p for f in self.faults.values() for p in check_fault(f, by_name, job)]
        if problems:
            raise FaultError("\n".join(problems))
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._active: list[str] = []
        self._series: dict[str, list[Series]] = {}
        for m in self.metrics:
            self._series[m.name] = [self._new(m, labels, w) for labels, w in combinations(m)]
        for f in self.faults.values():  # a bound label may name a value the sample did not pick
            for e in f.effects:
                if not any(matches(s.labels, e.labels) for s in self._series[e.metric]):
                    m = by_name[e.metric]
                    labels = tuple((l.name, str(e.labels.get(l.name, label_values(l)[0]))) for l in m.labels)
                    self._series[m.name].append(self._new(m, labels, 0.0))
        self.elapsed = 0.0

    @staticmethod
    def _new(metric: Metric, labels: Labels, weight: float) -> Series:
        s = Series(metric, labels, weight)
        if metric.type is MetricType.GAUGE:
            s.value = metric.baseline
        if metric.type is MetricType.HISTOGRAM:
            s.buckets = [0.0] * (len(metric.buckets) + 1)
        return s

    # faults -------------------------------------------------------------------------------------------

    def activate(self, name: str) -> tuple[str, ...]:
        with self._lock:
            if name not in self.faults:
                raise KeyError(name)
            if name in self._active:
                self._active.remove(name)
            self._active.append(name)
            return self.active

    def clear(self, name: str) -> tuple[str, ...]:
        with self._lock:
            if name not in self.faults:
                raise KeyError(name)
            if name in self._active:
                self._active.remove(name)
            return self.active

    def clear_all(self) -> tuple[str, ...]:
        with self._lock:
            self._active.clear()
            return self.active

    @property
    def active(self) -> tuple[str, ...]:
        return tuple(self._active)

    @property
    def metrics_down(self) -> bool:
        return any(self.faults[n].metrics_down for n in self._active)

    @property
    def log_effects(self) -> tuple[LogEffect, ...]:
        return tuple(l for n in self._active for l in self.faults[n].logs)

    def describe(self) -> dict:
        with self._lock:
            return {"available": [f.describe() for f in self.faults.values()], "active": list(self._active)}

    def _overrides(self) -> dict[int, tuple[Effect, int]]:
        """Series id -> (the effect replacing its baseline, how many series share the effect)."""
        out: dict[int, tuple[Effect, int]] = {}
        for name in self._active:
            for e in self.faults[name].effects:
                hit = [s for s in self._series[e.metric] if matches(s.labels, e.labels)]
                for s in hit:
                    out[id(s)] = (e, len(hit))
        return out

    # time ---------------------------------------------------------------------------------------------

    def advance(self, dt: float) -> None:
        if dt <= 0:
            return
        with self._lock:
            overrides = self._overrides()
            rng = self._rng
            for m in self.metrics:
                for s in self._series[m.name]:
                    effect, share = overrides.get(id(s), (None, 1))
                    if m.type is MetricType.COUNTER:
                        self._counter(s, effect, share, dt, rng)
                    elif m.type is MetricType.GAUGE:
                        self._gauge(s, effect, dt, rng)
                    else:
                        self._observations(s, effect, share, dt, rng)
            self.elapsed += dt

    @staticmethod
    def _counter(s: Series, effect: Effect | None, share: int, dt: float, rng: random.Random) -> None:
        jitter = rng.uniform(-COUNTER_JITTER, COUNTER_JITTER)
        if effect is not None and effect.rate is not None:
            s.value += max(effect.rate, 0.0) * dt / share
        else:
            s.value += max(s.metric.baseline * s.weight * dt * (1 + jitter), 0.0)

    @staticmethod
    def _gauge(s: Series, effect: Effect | None, dt: float, rng: random.Random) -> None:
        jitter = rng.uniform(-GAUGE_JITTER, GAUGE_JITTER)
        if effect is not None and effect.value is not None:
            s.value = float(effect.value)
        elif effect is not None and effect.rate is not None:
            s.value += effect.rate * dt
        else:
            s.value = s.metric.baseline * (1 + jitter)

    @staticmethod
    def _observations(s: Series, effect: Effect | None, share: int, dt: float, rng: random.Random) -> None:
        rate = HISTOGRAM_RATE
        fixed = None
        if effect is not None:
            rate = effect.rate / share if effect.rate is not None else rate
            fixed = effect.observe
        s.pending += max(rate, 0.0) * dt
        n = int(s.pending)
        s.pending -= n
        for _ in range(n):
            jitter = math.exp(rng.gauss(0.0, OBSERVE_SIGMA))
            s.observe(float(fixed) if fixed is not None else s.metric.baseline * jitter)

    # reading ------------------------------------------------------------------------------------------

    def samples(self, metric: str) -> list[Sample]:
        with self._lock:
            return [self._sample(s) for s in self._series[metric]]

    def snapshot(self) -> list[tuple[Metric, list[Sample]]]:
        with self._lock:
            return [(m, [self._sample(s) for s in self._series[m.name]]) for m in self.metrics]

    @staticmethod
    def _sample(s: Series) -> Sample:
        m = s.metric
        if m.type in (MetricType.COUNTER, MetricType.GAUGE):
            return Sample(s.labels, s.value)
        buckets: tuple[tuple[float, float], ...] = ()  # (upper bound, cumulative count), +Inf last
        if m.type is MetricType.HISTOGRAM:
            cum = list(itertools.accumulate(s.buckets))
            buckets = tuple(zip((*m.buckets, math.inf), cum))
        return Sample(s.labels, 0.0, buckets, s.total, float(s.count))

    def value(self, metric: str, **labels: str) -> float:
        """Sum of the matching series' values (counters, gauges) or observation counts (histograms)."""
        with self._lock:
            hit = [s for s in self._series[metric] if matches(s.labels, labels)]
            if not hit:
                raise KeyError(f"{metric}{labels}")
            if hit[0].metric.type in (MetricType.COUNTER, MetricType.GAUGE):
                return sum(s.value for s in hit)
            return float(sum(s.count for s in hit))
