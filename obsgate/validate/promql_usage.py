"""promql/*: expressions that parse but mean the wrong thing (rate of a gauge, quantile without `le`,
a window with too few scrapes), in rule expressions and panel queries alike."""
from __future__ import annotations

import promql_parser as pp

from ..problem import Problem, Severity
from ..promql import PromQLError, parse, selector_name
from .base import Check, finding
from .files import DASHBOARD, PROM_RULES
from .items import INTERVAL_SECONDS, RATE_INTERVAL_SECONDS, VARIABLE_SECONDS
from .series import children, grouping, nodes

COUNTER_FUNCS = frozenset({"rate", "irate", "increase"})
GAUGE_FUNCS = frozenset({"deriv", "delta", "idelta", "predict_linear", "holt_winters", "double_exponential_smoothing"})
_KEEPING = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})


def _fmt(seconds: float) -> str:
    s = int(seconds)
    if s and s % 3600 == 0:
        return f"{s // 3600}h"
    if s and s % 60 == 0:
        return f"{s // 60}m"
    return f"{s}s"


def _shown(expr: str, limit: int = 160) -> str:
    """An expression as a message quotes it: a 20 MB one must not make a 20 MB report."""
    return expr if len(expr) <= limit else f"{expr[:limit]}... ({len(expr):,} characters)"


def syntax(ctx) -> list[Problem]:
    return [finding("promql/syntax", q.subject, Severity.ERROR,
                    f"{q.where}: `{_shown(q.raw)}` does not parse: {q.error}",
                    "fix the PromQL; `promtool promql format '<expr>'` shows where it breaks", line=q.line_at)
            for q in ctx.queries if q.error]


def _range_arg(call):
    """The metric name of a call's range-vector argument, if it is a plain selector."""
    for arg in call.args:
        if isinstance(arg, pp.MatrixSelector):
            return selector_name(arg.vector_selector)
    return ""


def rate_on_counter(ctx) -> list[Problem]:
    out: list[Problem] = []
    for q in ctx.queries:
        if q.ast is None:
            continue
        for node in nodes(q.ast):
            if not isinstance(node, pp.Call):
                continue
            fn = node.func.name
            if fn not in COUNTER_FUNCS and fn not in GAUGE_FUNCS:
                continue
            name = _range_arg(node)
            counter = ctx.series.is_counter(name) if name else None
            if counter is None:
                continue
            if fn in COUNTER_FUNCS and not counter:
                kind = ctx.series.metric_kind(name)
                out.append(finding("promql/rate-on-counter", q.subject, Severity.ERROR,
                                   f"{q.where}: `{fn}()` over `{name}`, a {kind}: {fn}() only means something on "
                                   "counters", "use deriv() or delta() for a gauge, or the gauge itself",
                                   line=q.line_at))
            elif fn in GAUGE_FUNCS and counter:
                out.append(finding("promql/rate-on-counter", q.subject, Severity.WARNING,
                                   f"{q.where}: `{fn}()` over the counter `{name}` sees its resets as drops",
                                   "use rate() or increase() on counters", line=q.line_at))
    return out


def histogram_quantile(ctx) -> list[Problem]:
    out: list[Problem] = []
    for q in ctx.queries:
        if q.ast is None:
            continue
        for node in nodes(q.ast):
            if not isinstance(node, pp.Call) or node.func.name != "histogram_quantile" or len(node.args) != 2:
                continue
            phi = node.args[0]
            if isinstance(phi, pp.NumberLiteral) and not 0 <= phi.val <= 1:
                out.append(finding("promql/histogram-quantile", q.subject, Severity.ERROR,
                                   f"{q.where}: histogram_quantile({phi.val:g}, ...) asks for a quantile outside 0..1",
                                   "write p95 as 0.95", line=q.line_at))
            for message, hint in _quantile_input(ctx, node.args[1], depth=0):
                out.append(finding("promql/histogram-quantile", q.subject, Severity.ERROR, f"{q.where}: {message}",
                                   hint, line=q.line_at))
    return out


def _quantile_input(ctx, node, depth: int) -> list[tuple[str, str]]:
    """What is wrong with the second argument of histogram_quantile: `le` dropped, or no `_bucket` series."""
    if depth > 8:
        return []
    if isinstance(node, pp.AggregateExpr):
        how, names = grouping(node)
        op = str(node.op).lower()
        drops = op not in _KEEPING and ((how == "by" and "le" not in names) or (how == "without" and "le" in names)
                                        or not how)
        found = []
        if drops:
            shown = f"{op} {how} ({', '.join(names)})" if how else op
            found.append((f"`{shown}` drops the `le` label that histogram_quantile needs",
                          "keep `le` in the grouping, e.g. `sum by (le) (rate(x_bucket[5m]))`"))
        return found + _quantile_input(ctx, node.expr, depth + 1)
    if isinstance(node, pp.MatrixSelector):
        return _quantile_input(ctx, node.vector_selector, depth + 1)
    if isinstance(node, pp.VectorSelector):
        return _quantile_series(ctx, selector_name(node), depth)
    if isinstance(node, pp.Call):
        vectors = [a for a in node.args if not isinstance(a, (pp.NumberLiteral, pp.StringLiteral))]
        return _quantile_input(ctx, vectors[0], depth + 1) if vectors else []
    if isinstance(node, pp.BinaryExpr):
        return [x for side in _label_sides(node) for x in _quantile_input(ctx, side, depth + 1)]
    found = []
    for child in children(node):
        if not isinstance(child, (pp.NumberLiteral, pp.StringLiteral)):
            found += _quantile_input(ctx, child, depth + 1)
    return found


def _label_sides(node) -> list:
    """The operands whose labels a binary expression's result carries.

    The left side (the "many" side of `group_left`, e.g. an info-metric join that adds a version label),
    the right side for `group_right`, both for `or`; a number on one side hands over the other.
    """
    if isinstance(node.lhs, pp.NumberLiteral):
        return [node.rhs]
    if isinstance(node.rhs, pp.NumberLiteral):
        return [node.lhs]
    op = str(node.op).lower()
    if op == "or":
        return [node.lhs, node.rhs]
    card = str(getattr(node.modifier, "card", "")) if node.modifier is not None else ""
    return [node.rhs] if card.endswith("OneToMany") else [node.lhs]


def _quantile_series(ctx, name: str, depth: int) -> list[tuple[str, str]]:
    if not name:
        return []
    kind = ctx.series.metric_kind(name)
    if kind == "histogram-bucket":
        return []
    if kind:
        return [(f"histogram_quantile over `{name}` (a {kind}): it needs the `_bucket` series of a histogram",
                 "select `<histogram>_bucket`; summaries carry quantiles in their `quantile` label instead")]
    project = ctx.series.project
    if project is not None:
        for m in project.metrics:
            if m.name == name and m.type.value == "histogram":
                return [(f"histogram_quantile over `{name}`: the histogram is stored as `{name}_bucket`",
                         f"select `{name}_bucket`")]
    found = []
    for expr, _ in ctx.series.records.get(name, ()):
        try:
            found += _quantile_input(ctx, parse(expr), depth + 1)
        except PromQLError:  # an unparsable recording rule is promql/syntax's finding
            continue
    return found


# Functions that need two samples in the window: with fewer, they return nothing at all.
TWO_SAMPLES = COUNTER_FUNCS | GAUGE_FUNCS | frozenset({"resets", "changes"})


def range_vs_scrape(ctx) -> list[Problem]:
    """Windows under 4 scrapes: an ERROR with the project, a WARNING in external mode, where the scrape
    interval may be assumed (--scrape-interval); under 2 scrapes a rate() is empty: ERROR unless assumed."""
    out: list[Problem] = []
    assumed = getattr(ctx.series, "scrape_assumed", False)
    external = ctx.mode == "external"
    for q in ctx.queries:
        if q.ast is None:
            continue
        for call in nodes(q.ast):
            if not isinstance(call, pp.Call):
                continue
            for node in call.args:
                if not isinstance(node, pp.MatrixSelector):
                    continue
                seconds = node.range.total_seconds()
                if seconds in (RATE_INTERVAL_SECONDS, INTERVAL_SECONDS, VARIABLE_SECONDS):
                    continue  # Grafana's $__rate_interval, $__interval, a variable: grafana/rate-interval judges
                name = selector_name(node.vector_selector)
                scrape = ctx.series.scrape_interval(name)
                if seconds >= 4 * scrape:
                    continue
                empty = seconds < 2 * scrape and call.func.name in TWO_SAMPLES
                severity = Severity.ERROR if (empty and not assumed) or not external else Severity.WARNING
                why = f"`{call.func.name}()` needs two samples, so it is often empty" if empty else \
                    "so it is often empty or jumpy"
                source = " (assumed; pass --scrape-interval or the prometheus.yml)" if assumed else ""
                out.append(finding("promql/range-vs-scrape", q.subject, severity,
                                   f"{q.where}: `{name}[{_fmt(seconds)}]` spans fewer than {2 if empty else 4} "
                                   f"scrapes (scrape interval {_fmt(scrape)}{source}), {why}",
                                   f"use a range of at least [{_fmt(4 * scrape)}]", line=q.line_at))
    return out


CHECKS = (
    Check("promql/syntax", "every rule expression and panel query parses", syntax, (PROM_RULES, DASHBOARD)),
    Check("promql/rate-on-counter", "rate/irate/increase only over counters", rate_on_counter,
          (PROM_RULES, DASHBOARD)),
    Check("promql/histogram-quantile", "histogram_quantile over _bucket series with `le` kept", histogram_quantile,
          (PROM_RULES, DASHBOARD)),
    Check("promql/range-vs-scrape", "range windows span at least 4 scrape intervals", range_vs_scrape,
          (PROM_RULES, DASHBOARD)),
)
