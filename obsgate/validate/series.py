"""What the checked queries may select: catalog series, recorded series, target labels, scrape intervals.

`labels(ast)` infers which labels an expression's result carries (None = cannot tell), so that
`by (...)` and matchers can be checked against the metric, also through recording rules.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator

import promql_parser as pp

from ..analysis.builtins import BUILTIN_SERIES, TARGET_SERIES
from ..analysis.durations import seconds
from ..model import MetricType
from ..promql import PromQLError, parse, selector_name

# Aggregations that keep every label of their input.
_KEEPING = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
DEFAULT_SCRAPE = 60.0  # Prometheus' own default scrape_interval


def nodes(ast) -> Iterator:
    """Every node of the tree, parents before children."""
    stack = [ast]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def children(node) -> list:
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, pp.AggregateExpr):
        return [node.expr] + ([node.param] if node.param is not None else [])
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        return [node.expr]
    return []


def grouping(node) -> tuple[str, tuple[str, ...]]:
    """("by" | "without" | "", labels) of an aggregation."""
    mod = node.modifier
    if mod is None:
        return "", ()
    return ("without" if "Without" in str(mod.type) else "by"), tuple(mod.labels)


@dataclass
class Online:
    """What a live Prometheus says (validate --prometheus): metric types from /api/v1/metadata, and the
    series of every metric the checked queries select, from /api/v1/series (matchers applied here)."""

    url: str
    types: dict[str, str]  # metric family -> counter | gauge | histogram | summary | unknown | ...
    series: dict[str, list[dict]]  # metric name -> label sets of its series
    truncated: frozenset = frozenset()  # names whose series the server returned only in part

    def kind(self, series: str) -> str:
        """`counter`, `gauge`, `histogram-bucket`, ... as SeriesIndex.metric_kind says it; "" when unknown."""
        if series in self.types:
            return self.types[series]
        for suffix in ("_bucket", "_count", "_sum", "_created"):
            family = series[: -len(suffix)]
            if series.endswith(suffix) and self.types.get(family) in ("histogram", "summary"):
                return f"{self.types[family]}-{suffix[1:]}"
        if series.endswith("_total") and self.types.get(series[:-6]) == "counter":
            return "counter"  # OpenMetrics names the family without `_total`
        return ""


class SeriesIndex:
    """The project's catalog plus what the checked files define, as the PromQL checks need it."""

    def __init__(self, project=None, records=(), prom_configs=(), scrape_seconds: float | None = None) -> None:
        self.project = project
        self.has_catalog = project is not None
        self.online: Online | None = None  # set by validate --prometheus before the checks run
        self.scrape_assumed = False  # external runs without prometheus.yml or --scrape-interval
        self.records: dict[str, list[tuple[str, dict]]] = {}
        if project is not None:
            for name, rules in project.recorded.items():
                self.records.setdefault(name, []).extend((r.expr, dict(r.labels)) for r in rules)
        for name, expr, labels in records:
            self.records.setdefault(name, []).append((expr, dict(labels or {})))
        self.target_labels = {"job", "instance"}
        self.jobs: set[str] = set()
        self.job_intervals: dict[str, float] = {}
        self.scrape_seconds = 0.0
        if project is not None:
            self.scrape_seconds = seconds(project.stack.scrape_interval)
            self.jobs |= {s.job for s in project.stack.scraped}
        if scrape_seconds:
            self.scrape_seconds = scrape_seconds
        for cfg in prom_configs:
            self._read_config(cfg)
        self._labels_cache: dict[str, set | None] = {}
        self._lock = threading.RLock()  # checks run on threads; the cache holds a guard entry while computing

    def _read_config(self, cfg: dict) -> None:
        glob = cfg.get("global") if isinstance(cfg.get("global"), dict) else {}
        try:
            self.scrape_seconds = seconds(str(glob.get("scrape_interval", "1m")))
        except Exception:  # an invalid duration is prom/config's finding
            pass
        for sc in cfg.get("scrape_configs") or []:
            if not isinstance(sc, dict):
                continue
            job = sc.get("job_name")
            if isinstance(job, str):
                self.jobs.add(job)
                if sc.get("scrape_interval"):
                    try:
                        self.job_intervals[job] = seconds(str(sc["scrape_interval"]))
                    except ValueError:
                        pass  # not a duration: `promtool check config` reports it on the file
            for static in sc.get("static_configs") or []:
                if isinstance(static, dict) and isinstance(static.get("labels"), dict):
                    self.target_labels |= set(static["labels"])

    # --- names -------------------------------------------------------------------------------------

    def metric(self, series: str):
        return self.project.metric(series) if self.project is not None else None

    def known(self, series: str) -> bool:
        return series in BUILTIN_SERIES or series in self.records or self.metric(series) is not None

    def scrape_interval(self, series: str) -> float:
        m = self.metric(series)
        if m is not None and m.job in self.job_intervals:
            return self.job_intervals[m.job]
        return self.scrape_seconds or DEFAULT_SCRAPE

    def is_counter(self, series: str) -> bool | None:
        """True/False for catalog series (or a live server's metadata); None when the type is not known."""
        m = self.metric(series)
        if m is None:
            kind = self.online.kind(series) if self.online is not None else ""
            if not kind or kind == "unknown":
                return None
            return kind == "counter" or kind in ("histogram-bucket", "histogram-count", "histogram-sum",
                                                 "summary-count", "summary-sum")
        return self.project.is_counter(series)

    def metric_kind(self, series: str) -> str:
        m = self.metric(series)
        if m is None:
            return self.online.kind(series) if self.online is not None else ""
        if m.type is MetricType.HISTOGRAM:
            return "histogram-" + series[len(m.name) + 1:]  # histogram-bucket / -sum / -count
        if m.type is MetricType.SUMMARY and series != m.name:
            return "summary-" + series[len(m.name) + 1:]
        return m.type.value

    # --- labels ------------------------------------------------------------------------------------

    def series_labels(self, series: str) -> set | None:
        """Labels a stored series carries; None when unknown (foreign or ALERTS-like)."""
        with self._lock:
            return self._series_labels(series)

    def _series_labels(self, series: str) -> set | None:
        if series in self._labels_cache:
            return self._labels_cache[series]
        self._labels_cache[series] = None  # guards recording rules that refer to themselves
        result: set | None
        m = self.metric(series)
        if m is not None:
            result = set(m.label_names) | self.target_labels
            if series.endswith("_bucket") and m.type is MetricType.HISTOGRAM:
                result.add("le")
            if m.type is MetricType.SUMMARY and series == m.name:
                result.add("quantile")
        elif series in TARGET_SERIES:
            result = set(self.target_labels)
        elif series in self.records:
            result = set()
            for expr, static in self.records[series]:
                try:
                    got = self.labels(parse(expr))
                except PromQLError:
                    got = None
                if got is None:
                    result = None
                    break
                result |= got | set(static)
        else:
            result = None
        self._labels_cache[series] = result
        return result

    def label_values(self, series: str, label: str) -> tuple[str, ...] | None:
        """Declared values of `label` on `series` (catalog labels and `job`); None when unbounded/unknown."""
        m = self.metric(series)
        if m is not None:
            decl = m.label(label)
            if decl is not None and decl.values:
                return tuple(decl.values)
            if label == "job" and self.jobs:
                return tuple(sorted(self.jobs))
        elif series in TARGET_SERIES and label == "job" and self.jobs:
            return tuple(sorted(self.jobs))
        return None

    def labels(self, node) -> set | None:
        """The labels an expression's result carries, as far as can be told (None = unknown)."""
        if isinstance(node, pp.VectorSelector):
            name = selector_name(node)
            return self.series_labels(name) if name else None
        if isinstance(node, pp.MatrixSelector):
            return self.labels(node.vector_selector)
        if isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
            return self.labels(node.expr)
        if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
            return set()
        if isinstance(node, pp.AggregateExpr):
            inner = self.labels(node.expr)
            how, names = grouping(node)
            op = str(node.op).lower()
            if op in _KEEPING:
                return inner
            extra = {node.param.val} if op == "count_values" and isinstance(node.param, pp.StringLiteral) else set()
            if how == "by":
                return set(names) | extra
            if how == "without":
                return None if inner is None else (inner - set(names)) | extra
            return extra
        if isinstance(node, pp.Call):
            name = node.func.name
            if name in ("absent", "absent_over_time"):
                return set()
            if name in ("vector", "time", "scalar", "pi") or not node.args:
                return set()
            vectors = [a for a in node.args if not isinstance(a, (pp.NumberLiteral, pp.StringLiteral))]
            inner = self.labels(vectors[0]) if vectors else set()
            if inner is None:
                return None
            if name in ("label_replace", "label_join") and isinstance(node.args[1], pp.StringLiteral):
                return inner | {node.args[1].val}
            if name == "histogram_quantile":
                return inner - {"le"}
            return inner
        if isinstance(node, pp.BinaryExpr):
            lhs, rhs = self.labels(node.lhs), self.labels(node.rhs)
            if isinstance(node.lhs, pp.NumberLiteral):
                return rhs
            if isinstance(node.rhs, pp.NumberLiteral):
                return lhs
            if str(node.op) in ("and", "unless"):
                return lhs
            if lhs is None or rhs is None:
                return None
            return lhs | rhs
        return None
