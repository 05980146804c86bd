"""The recording-rule graph: follow a query through every recording rule it reads.

`recorders` maps a recorded name to EVERY rule that records it: two SLOs record the same names,
told apart by their labels, and a walk that kept one of them would miss the other's windows.
"""
from __future__ import annotations

from typing import Callable, Iterator, Mapping, Sequence

from .. import promql
from ..model import LokiAlertRule
from .rewrite import expr_for

Recorders = Mapping[str, Sequence]  # recorded name -> the RecordingRules that record it
Render = Callable[[object], str]  # a rule -> its expression as the profile runs it (analysis.rewrite.expr_for)


def recorders(groups) -> dict[str, tuple]:
    """{recorded name: every recording rule of `groups` that records it}, in definition order."""
    out: dict[str, list] = {}
    for g in groups:
        for r in g.recordings:
            out.setdefault(r.record, []).append(r)
    return {name: tuple(rules) for name, rules in out.items()}


def owners(groups) -> dict[str, tuple]:
    """{recorded name: every group of `groups` that records it}, in definition order."""
    out: dict[str, list] = {}
    for g in groups:
        for r in g.recordings:
            found = out.setdefault(r.record, [])
            if not found or found[-1] is not g:  # groups come in order: g can only be the last one
                found.append(g)
    return {name: tuple(gs) for name, gs in out.items()}


def walk(expr: str, recs: Recorders, render: Render) -> Iterator:
    """The AST of `expr`, then of every recording rule it reads, transitively, each recorded name once.
    An expression that does not parse is left out (its own check reports it)."""
    todo, seen = [expr], set()
    while todo:
        try:
            tree = promql.parse(todo.pop())
        except promql.PromQLError:
            continue
        yield tree
        for sel in promql.selectors(tree):
            if sel.name in recs and sel.name not in seen:
                seen.add(sel.name)
                todo.extend(render(r) for r in recs[sel.name])


def windows(expr: str, recs: Recorders, render: Render) -> tuple[dict[str, float], dict[str, float]]:
    """({raw series: longest window}, {recorded series: longest window}) read by `expr` and its recording rules."""
    raw: dict[str, float] = {}
    rec: dict[str, float] = {}
    for tree in walk(expr, recs, render):
        for sel in promql.selectors(tree):
            into = rec if sel.name in recs else raw
            into[sel.name] = max(into.get(sel.name, 0.0), sel.range_seconds or 0.0)
    return raw, rec


def longest_window(expr: str, recs: Recorders, render: Render) -> float:
    """The longest range window `expr` reads, through the recording rules it uses too."""
    raw, rec = windows(expr, recs, render)
    return max(list(raw.values()) + list(rec.values()), default=0.0)


def history_needed(expr: str, recs: Recorders, render: Render) -> float:
    """Seconds of history `expr` needs before it returns anything: the longest offset of each expression
    on the way, added up (`offset 40m` shows nothing in a stack up for a minute; a range returns data
    from its first samples)."""
    need = 0.0
    for tree in walk(expr, recs, render):
        spans: list[float] = []

        def visit(node) -> None:
            off = getattr(getattr(node, "vector_selector", node), "offset", None)
            if off:
                spans.append(off.total_seconds())

        promql.walk(tree, visit)
        need += max(spans, default=0.0)
    return need


def rule_windows(rule, recs: Recorders, profile) -> tuple[dict[str, float], dict[str, float]]:
    """`windows` of a PromQL rule as `profile` runs it; a LogQL rule reads no Prometheus series."""
    if isinstance(rule, LokiAlertRule):
        return {}, {}
    render = lambda r: expr_for(r, profile)  # noqa: E731
    return windows(render(rule), recs, render)
