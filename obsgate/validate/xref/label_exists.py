"""xref/label-exists: matchers and `by`/`without` name labels the selected metric (or the aggregated series) has."""
from __future__ import annotations

import promql_parser as pp

from ...problem import Problem, Severity
from ...promql import selector_name
from ..base import Check, finding
from ..files import DASHBOARD, PROM_RULES
from ..series import grouping, nodes
from . import listing, no_catalog, parsed, suggest

CHECK = "xref/label-exists"


def check(ctx) -> list[Problem]:
    if not ctx.series.has_catalog:
        return no_catalog(ctx, CHECK)
    out: list[Problem] = []
    for q in parsed(ctx):
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
                    out.append(finding(CHECK, q.subject, Severity.ERROR,
                                       f"{q.where}: `{name}` has no label `{m.name}` (its labels: {listing(labels)})",
                                       suggest(m.name, labels) + "use a declared label, or declare it on the metric "
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
                    out.append(finding(CHECK, q.subject, Severity.ERROR,
                                       f"{q.where}: `{node.op} {how} ({', '.join(names)})` names `{label}`, which the "
                                       f"aggregated series do not carry (their labels: {listing(labels)})",
                                       suggest(label, labels) + "group by labels the metric declares",
                                       line=q.line_at))
    return out


CHECKS = (Check(CHECK, "matchers and by/without name labels the metric has", check, (PROM_RULES, DASHBOARD)),)
