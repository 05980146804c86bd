"""xref/label-values: matchers use the label values the catalog declares (an `=~` must match one of them)."""
from __future__ import annotations

import re

import promql_parser as pp

from ...problem import Problem, Severity
from ...promql import _OPS, selector_name
from ..base import Check, finding
from ..files import DASHBOARD, PROM_RULES
from ..items import GRAFANA_VAR_PREFIX
from ..series import nodes
from . import listing, no_catalog, parsed, suggest

CHECK = "xref/label-values"


def check(ctx) -> list[Problem]:
    if not ctx.series.has_catalog:
        return no_catalog(ctx, CHECK)
    out: list[Problem] = []
    for q in parsed(ctx):
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
                    out.append(finding(CHECK, q.subject, Severity.ERROR,
                                       f'{q.where}: `{m.name}{op}"{m.value}"` on `{name}`: `{m.value}` is not a '
                                       f"declared value (declared: {listing(values)})",
                                       suggest(m.value, values) + "match a declared value, or declare the new value "
                                       "in the catalog", line=q.line_at))
                elif op == "=~" and not _regex_matches_any(m.value, values):
                    out.append(finding(CHECK, q.subject, Severity.ERROR,
                                       f'{q.where}: `{m.name}{op}"{m.value}"` on `{name}` matches none of the '
                                       f"declared values ({listing(values)})",
                                       "fix the regular expression or declare the value in the catalog",
                                       line=q.line_at))
    return out


def _regex_matches_any(pattern: str, values) -> bool:
    try:
        rx = re.compile(pattern)
    except re.error:  # RE2 syntax Python does not know: give it the benefit of the doubt
        return True
    return any(rx.fullmatch(v) for v in values)


CHECKS = (Check(CHECK, "matchers use declared label values", check, (PROM_RULES, DASHBOARD)),)
