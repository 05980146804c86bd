"""The dashboard vocabulary of dashboards_src/*.py: panels built straight from catalog metrics.

Queries, units and descriptions come from the catalog, so a renamed metric or an undeclared label
fails where the panel is defined instead of rendering an empty panel. Panels are grafanalib
objects; generate/grafana.py normalizes the dashboard to the modern JSON model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import attr
import grafanalib.core as G

from .model import LogStream, Metric, MetricType, RecordingRule, Suppress
from .model.board import GRID_WIDTH, LOKI, LOKI_VAR, PROMETHEUS, PROMETHEUS_VAR, Board, flow
from .model.source import DefinitionError, SourceRef, caller_source
from .promql import PromQLError, parse, substitute_grafana

RATE_INTERVAL = "$__rate_interval"

# per= of a rate: the factor from per-second, and the unit of a unitless / request counter.
_PER = {
    "s": (1, "ops", "reqps"),
    "m": (60, "opm", "reqpm"),
    "h": (3600, "suffix:/h", "suffix: req/h"),
}
_UID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _fail(message: str, hint: str = "", source: SourceRef | None = None):
    raise DefinitionError(source or caller_source(), message, hint)


def _check_expr(expr: str, source: SourceRef, lang: str = "promql") -> None:
    if lang != "promql":
        return
    try:
        parse(substitute_grafana(expr))
    except PromQLError as exc:
        _fail(f"panel query `{expr}` does not parse: {exc}", "fix the PromQL", source)


@dataclass(frozen=True)
class Series:
    """One panel query with what it measures: its PromQL, legend, Grafana unit and description."""

    expr: str
    legend: str = ""
    unit: str = ""
    help: str = ""
    lang: str = "promql"  # promql (Prometheus datasource) or logql (Loki datasource)
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.expr, str) or not self.expr.strip():
            _fail("panel query is empty", "pass a PromQL expression", self.source)
        if self.lang not in ("promql", "logql"):
            _fail(f"query language `{self.lang}` is not promql or logql", source=self.source)
        _check_expr(self.expr, self.source, self.lang)

    @property
    def datasource(self) -> dict:
        return dict(LOKI if self.lang == "logql" else PROMETHEUS)


# --- selectors and queries ------------------------------------------------------------------------

def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_labels(metric: Metric, names: Iterable[str], what: str, source: SourceRef) -> None:
    declared = metric.label_names
    for name in names:
        if name not in declared:
            _fail(f"{what}: `{name}` is not a label of metric `{metric.name}`",
                  "declared labels: " + (", ".join(f"`{n}`" for n in declared) or "none"), source)


def selector(metric: Metric, match: Mapping[str, str | Sequence[str]] | None = None, suffix: str = "",
             source: SourceRef | None = None) -> str:
    """`name{label="v", other=~"a|b"}`: labels and values must be declared in the catalog.

    A value that starts with `$` is a dashboard variable and is matched as a regex (multi-value).
    """
    source = source or caller_source()
    match = dict(match or {})
    _check_labels(metric, match, "match", source)
    parts = []
    for name in sorted(match):
        value = match[name]
        label = metric.label(name)
        values = [value] if isinstance(value, str) else list(value)
        if not values:
            _fail(f"match: `{name}` has no values", source=source)
        for v in values:
            if not v.startswith("$") and label.values and v not in label.values:
                _fail(f"match: `{v}` is not a declared value of label `{name}` of `{metric.name}`",
                      "declared values: " + ", ".join(f"`{x}`" for x in label.values), source)
        if len(values) == 1 and not values[0].startswith("$"):
            parts.append(f"{name}={_quote(values[0])}")
        else:
            parts.append(f"{name}=~{_quote('|'.join(values))}")
    return metric.name + suffix + ("{" + ", ".join(parts) + "}" if parts else "")


def _by(metric: Metric, by: Sequence[str] | None, source: SourceRef) -> tuple[str, ...]:
    if by is None:
        return metric.label_names
    if isinstance(by, str):
        by = (by,)
    _check_labels(metric, by, "by", source)
    return tuple(by)


def _sum(by: Sequence[str], inner: str, agg: str = "sum") -> str:
    return f"{agg} by ({', '.join(by)}) ({inner})" if by else f"{agg}({inner})"


def _legend(by: Sequence[str], fallback: str) -> str:
    return " ".join("{{%s}}" % b for b in by) if by else fallback


def rate_unit(metric: Metric, per: str = "s") -> str:
    """The Grafana unit of a counter's rate: seconds/s and bytes/s keep their unit, the rest are ops.

    A histogram's or summary's rate counts observations (its `_count`), whatever the observed unit.
    """
    if per not in _PER:
        raise ValueError(f"per `{per}` is not one of s, m, h")
    if metric.type is not MetricType.COUNTER:
        return _PER[per][1]
    if metric.unit == "seconds" and per == "s":
        return "s"
    if metric.unit == "bytes" and per == "s":
        return "Bps"
    if metric.unit not in ("", "tokens"):
        raise ValueError(f"per `{per}` applies to unitless counters, `{metric.name}` counts {metric.unit}")
    _, ops, reqs = _PER[per]
    return reqs if "request" in metric.name else ops


def rate(metric: Metric, by: Sequence[str] | None = None, match: Mapping | None = None, per: str = "s",
         legend: str | None = None, help: str | None = None) -> Series:
    """A counter as `sum by (<labels>) (rate(<name>[$__rate_interval]))`; histograms count their _count.

    `by` defaults to every declared label; `per="h"` scales to events per hour.
    """
    source = caller_source()
    if metric.type is MetricType.GAUGE:
        _fail(f"rate() of gauge `{metric.name}`", "use value() for a gauge, or deriv() in a Series", source)
    suffix = "" if metric.type is MetricType.COUNTER else "_count"
    by = _by(metric, by, source)
    try:
        unit = rate_unit(metric, per)
    except ValueError as exc:
        _fail(str(exc), "use per=\"s\" or build the Series yourself", source)
    factor = _PER[per][0]
    expr = _sum(by, f"rate({selector(metric, match, suffix, source)}[{RATE_INTERVAL}])")
    if factor != 1:
        expr = f"{expr} * {factor}"
    return Series(expr, legend if legend is not None else _legend(by, metric.name), unit,
                  help or metric.help, source=source)


def _qname(q: float) -> str:
    return "p" + format(round(q * 100, 4), "g")


def quantile(metric: Metric, q: float, by: Sequence[str] = (), match: Mapping | None = None,
             legend: str | None = None) -> Series:
    """A histogram quantile: `histogram_quantile(q, sum by (le, ...) (rate(<name>_bucket[$__rate_interval])))`."""
    source = caller_source()
    if metric.type is not MetricType.HISTOGRAM:
        _fail(f"quantile() of {metric.type.value} `{metric.name}`", "quantiles come from histograms", source)
    if not 0 < q < 1:
        _fail(f"quantile `{q}` is not between 0 and 1", "use e.g. 0.95", source)
    by = _by(metric, by, source)
    inner = _sum(("le",) + by, f"rate({selector(metric, match, '_bucket', source)}[{RATE_INTERVAL}])")
    label = _qname(q)
    return Series(f"histogram_quantile({q:g}, {inner})",
                  legend if legend is not None else (f"{label} " + _legend(by, "")).strip(),
                  metric.grafana_unit, metric.help, source=source)


def quantiles(metric: Metric, qs: Sequence[float] = (0.5, 0.95, 0.99), by: Sequence[str] = (),
              match: Mapping | None = None) -> tuple[Series, ...]:
    """p50/p95/p99 (or the given quantiles) of a histogram, one Series each."""
    return tuple(quantile(metric, q, by, match) for q in qs)


def value(metric: Metric, by: Sequence[str] | None = None, match: Mapping | None = None, agg: str = "max",
          legend: str | None = None) -> Series:
    """A gauge aggregated over instances: `max by (<labels>) (<name>)`."""
    source = caller_source()
    if metric.type is not MetricType.GAUGE:
        _fail(f"value() of {metric.type.value} `{metric.name}`", "use rate() for counters, quantile() for histograms",
              source)
    if agg not in ("max", "min", "sum", "avg"):
        _fail(f"agg `{agg}` is not one of max, min, sum, avg", source=source)
    by = _by(metric, by, source)
    return Series(_sum(by, selector(metric, match, "", source), agg),
                  legend if legend is not None else _legend(by, metric.name), metric.grafana_unit, metric.help,
                  source=source)


def ratio(numerator: Series, denominator: Series, percent: bool = False, legend: str = "", help: str = "",
          unit: str | None = None) -> Series:
    """`numerator / denominator` as a share (percentunit), `100 * ...` with percent=True, or in `unit`."""
    source = caller_source()
    expr = f"({numerator.expr}) / ({denominator.expr})"
    if percent:
        expr = f"100 * {expr}"
    unit = unit or ("percent" if percent else "percentunit")
    return Series(expr, legend or numerator.legend, unit,
                  help or f"{numerator.help} As a share of: {denominator.help}", source=source)


def output_labels(expr: str) -> tuple[str, ...] | None:
    """The labels an expression's result keeps, when its AST says so (`sum by (a, b) ...`); else None."""
    import promql_parser as pp

    node = parse(expr)
    while True:
        if isinstance(node, pp.ParenExpr):
            node = node.expr
        elif isinstance(node, pp.BinaryExpr):
            node = node.lhs  # without on()/group_*, a vector operation keeps the left side's labels
        elif isinstance(node, pp.AggregateExpr):
            if node.modifier is None:
                return ()
            return tuple(node.modifier.labels) if node.modifier.type == pp.AggModifierType.By else None
        else:
            return None


def recorded(rule: RecordingRule, unit: str = "short", legend: str | None = None, help: str = "",
             percent: bool = False, match: Mapping[str, str] | None = None, by: Sequence[str] | None = None,
             agg: str = "max") -> Series:
    """A recording rule's output series (optionally filtered and re-aggregated); its expr is the default help.

    `match` and `by` may only use the labels the rule keeps (`sum by (...)` of its expression).
    """
    source = caller_source()
    if not isinstance(rule, RecordingRule):
        _fail(f"recorded() takes a RecordingRule, not `{rule!r}`", "import it from rules_src/", source)
    kept = output_labels(rule.expr)
    match = dict(match or {})
    for name in list(match) + list(by or ()):
        if kept is not None and name not in kept:
            _fail(f"`{name}` is not a label of recorded series `{rule.record}`",
                  "it keeps: " + (", ".join(f"`{k}`" for k in kept) or "no labels"), source)
    parts = [f"{k}=~{_quote(v)}" if v.startswith("$") else f"{k}={_quote(v)}" for k, v in sorted(match.items())]
    expr = rule.record + ("{" + ", ".join(parts) + "}" if parts else "")
    shown = tuple(kept or ())
    if by is not None:
        expr, shown = _sum(tuple(by), expr, agg), tuple(by)
    if percent:
        expr, unit = f"100 * {expr}", "percent"
    return Series(expr, legend if legend is not None else _legend(shown, rule.record), unit,
                  help or f"Recording rule `{rule.record}` = `{rule.expr}`.", source=source)


def log_query(stream: LogStream, match: Mapping[str, str] | None = None, pipeline: str = "",
              help: str = "") -> Series:
    """A LogQL stream selector over a catalog log stream, with an optional pipeline (`| json | level="error"`)."""
    source = caller_source()
    match = dict(match or {})
    for name in match:
        if name not in stream.label_names:
            _fail(f"match: `{name}` is not a stream label of log stream `{stream.name}`",
                  "stream labels: " + ", ".join(f"`{n}`" for n in stream.label_names), source)
    expr = stream.selector(**match) + (f" {pipeline.strip()}" if pipeline.strip() else "")
    return Series(expr, "", "", help or stream.help or f"Log stream `{stream.name}`.", lang="logql", source=source)


# --- thresholds -----------------------------------------------------------------------------------

def thresholds(*steps: tuple[float, str], base: str = "green") -> list[dict]:
    """Threshold steps: `thresholds((1, "yellow"), (2, "red"))` is green below 1, yellow from 1, red from 2."""
    source = caller_source()
    out = [{"color": base, "value": None}]
    last = None
    for step in steps:
        if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], (int, float))
                and not isinstance(step[0], bool) and isinstance(step[1], str)):
            _fail(f"threshold step `{step!r}` is not (value, color)", 'write (1, "yellow")', source)
        if last is not None and step[0] <= last:
            _fail(f"threshold values must increase: `{step[0]}` follows `{last}`", source=source)
        last = step[0]
        out.append({"color": step[1], "value": step[0]})
    return out


# --- panels ---------------------------------------------------------------------------------------

def _targets(series: Sequence[Series]) -> list:
    return [G.Target(expr=s.expr, legendFormat=s.legend, refId=chr(ord("A") + i), datasource=s.datasource)
            for i, s in enumerate(series)]


def _panel_common(title: str, series: Sequence[Series], description: str | None, unit: str | None,
                  source: SourceRef) -> tuple[str, str]:
    if not title or not isinstance(title, str):
        _fail("panel title is empty", "every panel needs a title (checks and suppressions name it)", source)
    if not series:
        _fail(f"panel `{title}` has no queries", source=source)
    for s in series:
        if not isinstance(s, Series):
            _fail(f"panel `{title}`: `{s!r}` is not a Series", "build it with rate(), quantile(), value() ...", source)
    if len(series) > 26:
        _fail(f"panel `{title}` has {len(series)} queries; at most 26", source=source)
    if unit is None:
        units = sorted({s.unit for s in series if s.unit})
        if len(units) > 1:
            _fail(f"panel `{title}` mixes units {', '.join(units)}", "pass unit= or split the panel", source)
        unit = units[0] if units else "short"
    description = description if description is not None else series[0].help
    if not description:
        _fail(f"panel `{title}` has no description", "pass description= (what the panel shows, how to read it)",
              source)
    return description, unit


def _size(w: int, h: int, title: str, source: SourceRef) -> G.GridPos:
    if not (isinstance(w, int) and 0 < w <= GRID_WIDTH and isinstance(h, int) and h > 0):
        _fail(f"panel `{title}` size {w}x{h} does not fit the {GRID_WIDTH}-column grid", source=source)
    return G.GridPos(h=h, w=w, x=0, y=0)


def _field_extra(min: float | None, max: float | None) -> dict:
    defaults = {k: v for k, v in (("min", min), ("max", max)) if v is not None}
    return {"fieldConfig": {"defaults": defaults}} if defaults else {}


def timeseries(title: str, *series: Series, description: str | None = None, unit: str | None = None,
               min: float | None = None, max: float | None = None, steps: list | None = None,
               stacked: bool = False, legend_calcs: Sequence[str] = (), w: int = 12, h: int = 8) -> G.TimeSeries:
    """A time series panel; thresholds (if any) are drawn as dashed lines."""
    source = caller_source()
    series = tuple(series[0]) if len(series) == 1 and isinstance(series[0], (tuple, list)) else series
    description, unit = _panel_common(title, series, description, unit, source)
    return G.TimeSeries(
        title=title, description=description, dataSource=series[0].datasource, targets=_targets(series),
        unit=unit, gridPos=_size(w, h, title, source), maxDataPoints=None,
        thresholds=steps or thresholds(), thresholdsStyleMode="dashed" if steps else "off",
        stacking={"mode": "normal", "group": "A"} if stacked else {"mode": "none", "group": "A"},
        fillOpacity=20 if stacked else 10, legendCalcs=list(legend_calcs),
        legendDisplayMode="table" if legend_calcs else "list", tooltipMode="multi", tooltipSort="desc",
        extraJson=_field_extra(min, max) or None,
    )


def stat(title: str, series: Series, description: str | None = None, unit: str | None = None,
         steps: list | None = None, reduce: str = "lastNotNull", min: float | None = None, max: float | None = None,
         graph: bool = True, w: int = 6, h: int = 6) -> G.Stat:
    """A single-value stat colored by its thresholds."""
    source = caller_source()
    description, unit = _panel_common(title, (series,), description, unit, source)
    return G.Stat(
        title=title, description=description, dataSource=series.datasource, targets=_targets((series,)),
        format=unit, gridPos=_size(w, h, title, source), maxDataPoints=None, reduceCalc=reduce,
        thresholds=steps or thresholds(), color={"mode": "thresholds"}, colorMode="background",
        graphMode="area" if graph else "none", noValue="No data", extraJson=_field_extra(min, max) or None,
    )


def gauge(title: str, series: Series, min: float = 0, max: float | None = None, steps: list | None = None,
          description: str | None = None, unit: str | None = None, reduce: str = "lastNotNull",
          w: int = 6, h: int = 6) -> G.GaugePanel:
    """A gauge dial from min to max, colored by its thresholds."""
    source = caller_source()
    description, unit = _panel_common(title, (series,), description, unit, source)
    if max is None or max <= min:
        _fail(f"gauge `{title}` needs max > min (min={min}, max={max})", "pass max=", source)
    return G.GaugePanel(
        title=title, description=description, dataSource=series.datasource, targets=_targets((series,)),
        format=unit, gridPos=_size(w, h, title, source), maxDataPoints=None, calc=reduce, min=min, max=max,
        thresholds=steps or thresholds(), thresholdMarkers=True,
    )


def logs(title: str, query: Series, description: str | None = None, w: int = 24, h: int = 10) -> G.Logs:
    """A log panel over a Loki query (the `${loki}` datasource variable)."""
    source = caller_source()
    if query.lang != "logql":
        _fail(f"logs panel `{title}` needs a LogQL query", "build it with log_query()", source)
    description, _ = _panel_common(title, (query,), description, "", source)
    return G.Logs(
        title=title, description=description, dataSource=query.datasource, targets=_targets((query,)),
        gridPos=_size(w, h, title, source), maxDataPoints=None, showTime=True, wrapLogMessages=True,
        enableLogDetails=True,
    )


def row(title: str) -> G.RowPanel:
    """A full-width row header that starts a new line of panels."""
    return G.RowPanel(title=title, gridPos=G.GridPos(h=1, w=GRID_WIDTH, x=0, y=0))


# One-call panels for the common cases: the metric decides query, unit and description.

def counter_panel(metric: Metric, title: str | None = None, by: Sequence[str] | None = None,
                  match: Mapping | None = None, per: str = "s", **panel) -> G.TimeSeries:
    return timeseries(title or _title(metric), rate(metric, by, match, per), **panel)


def histogram_panel(metric: Metric, title: str | None = None, qs: Sequence[float] = (0.5, 0.95, 0.99),
                    by: Sequence[str] = (), match: Mapping | None = None, **panel) -> G.TimeSeries:
    return timeseries(title or _title(metric) + " " + "/".join(_qname(q) for q in qs),
                      *quantiles(metric, qs, by, match), **panel)


def gauge_panel(metric: Metric, title: str | None = None, by: Sequence[str] | None = None,
                match: Mapping | None = None, agg: str = "max", **panel) -> G.TimeSeries:
    return timeseries(title or _title(metric), value(metric, by, match, agg), **panel)


def _title(metric: Metric) -> str:
    words = metric.name.removesuffix("_total").replace("_", " ")
    return words[:1].upper() + words[1:]


# --- variables and the dashboard ------------------------------------------------------------------

def variable(metric: Metric, label: str, title: str | None = None, multi: bool = True) -> G.Template:
    """A dashboard filter over a declared label: `label_values(<metric>, <label>)`; match with {label: "$label"}."""
    source = caller_source()
    _check_labels(metric, (label,), "variable", source)
    series = metric.series_names[0]
    query = f"label_values({series}, {label})"
    return G.Template(name=label, label=title or label.replace("_", " "), query=query, dataSource=dict(PROMETHEUS),
                      type="query", multi=multi, includeAll=multi, allValue=".*" if multi else None, refresh=2,
                      sort=1)


def _place(panels: list) -> list:
    """Left-to-right, top-to-bottom on the 24-column grid; a row header starts a new line."""
    sizes = [(p.gridPos.w, p.gridPos.h, isinstance(p, G.RowPanel)) if p.gridPos else (12, 8, False) for p in panels]
    return [attr.evolve(p, gridPos=G.GridPos(h=h, w=w, x=x, y=y))
            for p, (x, y, w, h) in zip(panels, flow(sizes))]


def dashboard(uid: str, title: str, panels: Sequence, description: str = "", tags: Sequence[str] = (),
              suppress: Mapping[str, Sequence[Suppress]] | None = None, variables: Sequence[G.Template] = (),
              refresh: str = "1m", time_from: str = "now-6h") -> Board:
    """A Board the loader collects when assigned at module level; path:line are this call's."""
    source = caller_source()
    if not isinstance(uid, str) or not 0 < len(uid) <= 40 or not set(uid) <= _UID_CHARS:
        _fail(f"dashboard uid `{uid}` is not 1-40 characters of [a-zA-Z0-9-_]", "e.g. `llm-guard-scanner-health`",
              source)
    if not title:
        _fail(f"dashboard `{uid}` has no title", source=source)
    panels = list(panels)
    if not panels:
        _fail(f"dashboard `{uid}` has no panels", "an empty dashboard is almost always a mistake", source)
    titles: dict[str, int] = {}
    for p in panels:
        if not isinstance(p, G.Panel):
            _fail(f"dashboard `{uid}`: `{p!r}` is not a panel", "build panels with timeseries(), stat(), gauge() ...",
                  source)
        if isinstance(p, G.RowPanel):
            continue
        if p.title in titles:
            _fail(f"dashboard `{uid}` has two panels titled `{p.title}`",
                  "titles name panels in checks and suppressions; make them unique", source)
        titles[p.title] = 1
    checked: dict[str, tuple] = {}
    for name, items in (suppress or {}).items():
        if name not in titles:
            _fail(f"dashboard `{uid}` suppresses checks on panel `{name}`, which does not exist",
                  "panels: " + ", ".join(f"`{t}`" for t in titles), source)
        items = tuple(items) if isinstance(items, (tuple, list)) else (items,)
        if not items or not all(isinstance(s, Suppress) for s in items):
            _fail(f"dashboard `{uid}` suppress[`{name}`] must be Suppress(...) objects", source=source)
        checked[name] = items
    names = [v.name for v in variables]
    if len(set(names)) != len(names) or {PROMETHEUS_VAR, LOKI_VAR} & set(names):
        _fail(f"dashboard `{uid}` variables {names} repeat a name or reuse `{PROMETHEUS_VAR}`/`{LOKI_VAR}`",
              source=source)
    board = G.Dashboard(
        title=title, uid=uid, description=description, tags=sorted(tags), panels=_place(panels),
        templating=G.Templating(list=list(variables)), refresh=refresh, timezone="browser",
        time=G.Time(time_from, "now"), graphTooltip=1, editable=False,
    )
    return Board(uid=uid, dashboard=board, path=source.path, line=source.line, suppress=checked)
