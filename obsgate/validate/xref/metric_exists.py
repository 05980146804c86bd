"""xref/metric-exists: every selected metric is declared in the catalog or recorded by a rule (its one home:
the loader leaves it to this check, which can be suppressed and names the closest name)."""
from __future__ import annotations

import promql_parser as pp

from ...analysis.builtins import BUILTIN_SERIES
from ...problem import Problem, Severity
from ...promql import selector_name
from ..base import Check, finding
from ..files import DASHBOARD, PROM_RULES
from ..items import is_grafana_var
from ..series import nodes
from . import HINT_CATALOG, no_catalog, parsed, suggest

CHECK = "xref/metric-exists"


def _known_names(ctx) -> set[str]:
    names = set(BUILTIN_SERIES) | set(ctx.series.records)
    if ctx.project is not None:
        names |= {s for m in ctx.project.metrics for s in m.series_names}
    return names


def check(ctx) -> list[Problem]:
    if not ctx.series.has_catalog:
        return no_catalog(ctx, CHECK) + _recorded_typos(ctx)
    out: list[Problem] = []
    known = None
    for q in parsed(ctx):
        seen = set()
        for node in nodes(q.ast):
            if not isinstance(node, pp.VectorSelector):
                continue
            name = selector_name(node)
            if not name or name in seen or is_grafana_var(name) or ctx.series.known(name):
                continue
            seen.add(name)
            known = known if known is not None else _known_names(ctx)
            out.append(finding(CHECK, q.subject, Severity.ERROR,
                               f"{q.where} selects `{name}`, which is neither in the catalog nor recorded by a rule",
                               suggest(name, known) + HINT_CATALOG, line=q.line_at))
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
                out.append(finding(CHECK, q.subject, Severity.ERROR,
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


CHECKS = (Check(CHECK, "every selected metric is in the catalog or recorded", check, (PROM_RULES, DASHBOARD)),)
