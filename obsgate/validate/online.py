"""online/*: the checked queries against a live Prometheus (validate --prometheus), as pint's online checks.

A selected metric with no series, a selector whose matchers exclude every series, and a matcher on
a label no series of the metric has. The server's answers (series.Online) are fetched by the
command before the checks run; here they are only read. Without --prometheus these checks say nothing.
"""
from __future__ import annotations

import re

import promql_parser as pp

from ..problem import Problem, Severity
from ..promql import _OPS, selector_name
from .base import Check, finding
from .files import DASHBOARD, PROM_RULES
from .items import GRAFANA_VAR_PREFIX, is_grafana_var
from ..analysis.builtins import BUILTIN_SERIES
from .series import children, nodes

CHECK_FAMILY = "online"
ABSENT = frozenset({"absent", "absent_over_time"})


def metric_names(ctx) -> list[str]:
    """Every metric name the parsed queries select (what the command asks the server about)."""
    names = set()
    for q in ctx.queries:
        if q.ast is not None:
            for node in nodes(q.ast):
                if isinstance(node, pp.VectorSelector):
                    name = selector_name(node)
                    if name and not is_grafana_var(name):
                        names.add(name)
    return sorted(names)


def _selectors(q):
    """(selector node, inside absent()) for every vector selector of a query."""
    stack = [(q.ast, False)]
    while stack:
        node, quiet = stack.pop()
        if isinstance(node, pp.VectorSelector):
            yield node, quiet
            continue
        inside = quiet or (isinstance(node, pp.Call) and node.func.name in ABSENT)
        stack.extend((c, inside) for c in children(node))


def _matches(matcher, labels: dict) -> bool | None:
    """Does one label set satisfy the matcher? None when its regex is one Python cannot read (RE2 only)."""
    op, value = _OPS[str(matcher.op)], labels.get(matcher.name, "")
    if op == "=":
        return value == matcher.value
    if op == "!=":
        return value != matcher.value
    try:
        hit = re.fullmatch(matcher.value, value, re.S) is not None
    except re.error:
        return None
    return hit if op == "=~" else not hit


def _skip(ctx, name: str) -> bool:
    """Names the server may rightly lack: Prometheus' own (ALERTS while nothing fires) and series the checked
    rules record (not loaded on that server) are judged only where the server has them."""
    if not name or is_grafana_var(name):
        return True
    return (name in BUILTIN_SERIES or name in ctx.series.records) and not ctx.series.online.series.get(name)


def _judged(ctx):
    """(query, selector, metric name, the server's series of it, inside absent()) for every selector the server
    can judge: none without --prometheus, none for names it may rightly lack."""
    live = getattr(ctx.series, "online", None)
    if live is None:
        return
    for q in ctx.queries:
        if q.ast is None:
            continue
        for node, quiet in _selectors(q):
            name = selector_name(node)
            if not (_skip(ctx, name) or name in live.truncated):
                yield q, node, name, live.series.get(name, []), quiet


def series_exists(ctx) -> list[Problem]:
    out: list[Problem] = []
    seen: set = set()
    for q, node, name, found, quiet in _judged(ctx):
        if quiet:
            continue
        url = ctx.series.online.url
        matchers = [m for m in node.matchers.matchers if m.name != "__name__" and GRAFANA_VAR_PREFIX not in m.value]
        key = (id(q), name, tuple((m.name, str(m.op), m.value) for m in matchers))
        if key in seen:
            continue
        seen.add(key)
        if not found:
            out.append(finding("online/series-exists", q.subject, Severity.ERROR,
                               f"{q.where} selects `{name}`, which has no series on {url}",
                               "check the metric name (a typo, or a rename upstream) and that its exporter is "
                               "scraped", line=q.line_at))
            continue
        labels = set().union(*(set(s) for s in found))
        if any(m.name not in labels and _OPS[str(m.op)] in ("=", "=~") and m.value for m in matchers):
            continue  # a label no series has: online/label-exists says so
        verdicts = [[_matches(m, s) for m in matchers] for s in found]
        if matchers and not any(all(v is not False for v in row) for row in verdicts):
            shown = ", ".join(f'{m.name}{_OPS[str(m.op)]}"{m.value}"' for m in matchers)
            out.append(finding("online/series-exists", q.subject, Severity.ERROR,
                               f"{q.where}: `{name}{{{shown}}}` matches none of the {len(found)} series of "
                               f"`{name}` on {url}",
                               "fix the matcher values; the server's series show which exist", line=q.line_at))
    return out


def label_exists(ctx) -> list[Problem]:
    out: list[Problem] = []
    seen: set = set()
    for q, node, name, found, _ in _judged(ctx):
        if not found:
            continue
        labels = set().union(*(set(s) for s in found))
        for m in node.matchers.matchers:
            if m.name in labels or m.name == "__name__" or (id(q), name, m.name) in seen:
                continue
            seen.add((id(q), name, m.name))
            if _OPS[str(m.op)] in ("!=", "!~") or (m.value == "" and _OPS[str(m.op)] == "="):
                continue  # matches every series that lacks the label: harmless
            shown = ", ".join(sorted(labels - {"__name__"})[:12])
            out.append(finding("online/label-exists", q.subject, Severity.ERROR,
                               f"{q.where}: no series of `{name}` on {ctx.series.online.url} has the label "
                               f"`{m.name}` (they have: {shown})", "use a label the series carry", line=q.line_at))
    return out

CHECKS = (
    Check("online/series-exists", "with --prometheus: every selector matches series on the server", series_exists,
          (PROM_RULES, DASHBOARD)),
    Check("online/label-exists", "with --prometheus: matchers name labels the server's series have", label_exists,
          (PROM_RULES, DASHBOARD)),
)
