"""xref/*: every rule expression and panel query against the catalog, through the PromQL AST.

A renamed metric, a misspelt label or a label value no exporter emits all give empty results at
run time and no error anywhere else; here they fail the gate naming the query and the catalog entry.
"""
from __future__ import annotations

import difflib
import re

import promql_parser as pp

from ..problem import Problem, Severity
from ..promql import _OPS, selector_name
from .base import Check, finding
from .files import DASHBOARD, PROM_RULES
from .items import GRAFANA_VAR_PREFIX, is_grafana_var
from ..analysis.builtins import BUILTIN_SERIES
from .series import grouping, nodes

HINT_CATALOG = "declare it in catalog/, record it with a RecordingRule, or fix the name"


def _no_catalog(ctx, check_id: str) -> list[Problem]:
    if not ctx.queries:
        return []
    return [Problem(check_id, Severity.INFO, "skipped: no project catalog to check against (run inside a project "
                    "or pass --root)")]


def _suggest(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`? " if close else ""


def _known_names(ctx) -> set[str]:
    names = set(BUILTIN_SERIES) | set(ctx.series.records)
    if ctx.project is not None:
        names |= {s for m in ctx.project.metrics for s in m.series_names}
    return names


def metric_exists(ctx) -> list[Problem]:
    if not ctx.series.has_catalog:
        return _no_catalog(ctx, "xref/metric-exists") + _recorded_typos(ctx)
    out: list[Problem] = []
    known = None
    for q in ctx.queries:
        if q.ast is None:
            continue
        seen = set()
        for node in nodes(q.ast):
            if not isinstance(node, pp.VectorSelector):
                continue
            name = selector_name(node)
            if not name or name in seen or is_grafana_var(name) or ctx.series.known(name):
                continue
            seen.add(name)
            known = known if known is not None else _known_names(ctx)
            out.append(finding("xref/metric-exists", q.subject, Severity.ERROR,
                               f"{q.where} selects `{name}`, which is neither in the catalog nor recorded by a rule",
                               _suggest(name, known) + HINT_CATALOG, line=q.line_at))
    return out


def _recorded_typos(ctx) -> list[Problem]:
    """Without a catalog: a `level:metric:operation` name that no checked rule records, but one nearly does."""
    records = set(ctx.series.records)
    out: list[Problem] = []
    for q in ctx.queries if records else ():
        if q.ast is None:
            continue
        for node in nodes(q.ast):
            name = selector_name(node) if isinstance(node, pp.VectorSelector) else ""
            if ":" not in name or name in records or is_grafana_var(name):
                continue
            close = [r for r in records if _within_two_edits(name, r)]
            if close:
                out.append(finding("xref/metric-exists", q.subject, Severity.ERROR,
                                   f"{q.where} selects `{name}`, which no checked rule records; did you mean "
                                   f"`{close[0]}`?", "fix the name, or check the file that records it alongside",
                                   line=q.line_at))
    return out


def _within_two_edits(a: str, b: str) -> bool:
    """Levenshtein distance of at most 2: a typo, where two long names merely alike are not."""
    if abs(len(a) - len(b)) > 2:
        return False
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > 2:
            return False
    return row[-1] <= 2


def _listing(names) -> str:
    names = sorted(names)
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")


def label_exists(ctx) -> list[Problem]:
    if not ctx.series.has_catalog:
        return _no_catalog(ctx, "xref/label-exists")
    out: list[Problem] = []
    for q in ctx.queries:
        if q.ast is None:
            continue
        seen = set()
        for node in nodes(q.ast):
            if isinstance(node, pp.VectorSelector):
                name = selector_name(node)
                labels = ctx.series.series_labels(name) if name else None
                if labels is None:
                    continue
                for m in node.matchers.matchers:
                    if m.name == "__name__" or m.name in labels or (name, m.name) in seen:
                        continue
                    seen.add((name, m.name))
                    out.append(finding("xref/label-exists", q.subject, Severity.ERROR,
                                       f"{q.where}: `{name}` has no label `{m.name}` (its labels: {_listing(labels)})",
                                       _suggest(m.name, labels) + "use a declared label, or declare it on the metric "
                                       "in catalog/", line=q.line_at))
            elif isinstance(node, pp.AggregateExpr):
                how, names = grouping(node)
                if not names:
                    continue
                labels = ctx.series.labels(node.expr)
                if labels is None:
                    continue
                for label in names:
                    if label in labels or ("agg", label) in seen:
                        continue
                    seen.add(("agg", label))
                    out.append(finding("xref/label-exists", q.subject, Severity.ERROR,
                                       f"{q.where}: `{node.op} {how} ({', '.join(names)})` names `{label}`, which the "
                                       f"aggregated series do not carry (their labels: {_listing(labels)})",
                                       _suggest(label, labels) + "group by labels the metric declares",
                                       line=q.line_at))
    return out


def label_values(ctx) -> list[Problem]:
    if not ctx.series.has_catalog:
        return _no_catalog(ctx, "xref/label-values")
    out: list[Problem] = []
    for q in ctx.queries:
        if q.ast is None:
            continue
        for node in nodes(q.ast):
            if not isinstance(node, pp.VectorSelector):
                continue
            name = selector_name(node)
            if not name:
                continue
            for m in node.matchers.matchers:
                op = _OPS[str(m.op)]
                if m.name == "__name__" or m.value == "" or GRAFANA_VAR_PREFIX in m.value:
                    continue
                values = ctx.series.label_values(name, m.name)
                if not values:
                    continue
                if op in ("=", "!=") and m.value not in values:
                    out.append(finding("xref/label-values", q.subject, Severity.ERROR,
                                       f'{q.where}: `{m.name}{op}"{m.value}"` on `{name}`: `{m.value}` is not a '
                                       f"declared value (declared: {_listing(values)})",
                                       _suggest(m.value, values) + "match a declared value, or declare the new value "
                                       "in the catalog", line=q.line_at))
                elif op == "=~" and not _regex_matches_any(m.value, values):
                    out.append(finding("xref/label-values", q.subject, Severity.ERROR,
                                       f'{q.where}: `{m.name}{op}"{m.value}"` on `{name}` matches none of the '
                                       f"declared values ({_listing(values)})",
                                       "fix the regular expression or declare the value in the catalog",
                                       line=q.line_at))
    return out


def _regex_matches_any(pattern: str, values) -> bool:
    try:
        rx = re.compile(pattern)
    except re.error:  # RE2 syntax Python does not know: give it the benefit of the doubt
        return True
    return any(rx.fullmatch(v) for v in values)


CHECKS = (
    Check("xref/metric-exists", "every selected metric is in the catalog or recorded", metric_exists,
          (PROM_RULES, DASHBOARD)),
    Check("xref/label-exists", "matchers and by/without name labels the metric has", label_exists,
          (PROM_RULES, DASHBOARD)),
    Check("xref/label-values", "matchers use declared label values", label_values, (PROM_RULES, DASHBOARD)),
)
