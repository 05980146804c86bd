"""PromQL understood through promql-parser's AST, never through regular expressions over queries."""
from __future__ import annotations

import re
from dataclasses import dataclass

import promql_parser as pp

from .model.limits import parse_promql

# Grafana's template variables are not PromQL; each is replaced by a value of the same kind
# before parsing, so that `[$__rate_interval]` stays a range and `$job` stays a string.
_GRAFANA_RANGES = {"$__rate_interval": "1m", "${__rate_interval}": "1m", "$__interval": "1m",
                   "${__interval}": "1m", "$__range": "1h", "${__range}": "1h"}
_GRAFANA_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}?")


class PromQLError(ValueError):
    pass


@dataclass(frozen=True)
class Selector:
    name: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, op, value); op one of = != =~ !~
    range_seconds: float | None
    functions: tuple[str, ...]  # enclosing function calls, innermost first


_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def substitute_grafana(expr: str) -> str:
    for var, value in _GRAFANA_RANGES.items():
        expr = expr.replace(var, value)
    return _GRAFANA_VAR.sub(lambda m: "grafana_var_" + m.group(1), expr)


def parse(expr: str):
    """The AST of `expr`; the size and nesting limits (model/limits.py) are checked first."""
    try:
        return parse_promql(expr)
    except Exception as exc:  # LimitError, or promql-parser's ValueError/RuntimeError with the position
        raise PromQLError(str(exc).strip()) from None


def selector_name(node) -> str:
    if node.name:
        return node.name
    for m in node.matchers.matchers:
        if m.name == "__name__" and _OPS[str(m.op)] == "=":
            return m.value
    return ""


def selectors(ast) -> list[Selector]:
    """Every vector selector with its matchers, its range if any, and the functions around it."""
    found: list[Selector] = []

    def visit(node, funcs: tuple[str, ...], rng: float | None) -> None:
        if isinstance(node, pp.VectorSelector):
            matchers = tuple((m.name, _OPS[str(m.op)], m.value) for m in node.matchers.matchers if m.name != "__name__")
            found.append(Selector(selector_name(node), matchers, rng, funcs))
        elif isinstance(node, pp.MatrixSelector):
            visit(node.vector_selector, funcs, node.range.total_seconds())
        elif isinstance(node, pp.SubqueryExpr):
            visit(node.expr, funcs, None)
        elif isinstance(node, pp.Call):
            for arg in node.args:
                visit(arg, (node.func.name,) + funcs, None)
        elif isinstance(node, pp.AggregateExpr):
            visit(node.expr, funcs, None)
            if node.param is not None:
                visit(node.param, funcs, None)
        elif isinstance(node, pp.BinaryExpr):
            visit(node.lhs, funcs, None)
            visit(node.rhs, funcs, None)
        elif isinstance(node, (pp.ParenExpr, pp.UnaryExpr)):
            visit(node.expr, funcs, None)

    visit(ast, (), None)
    return found


def metric_names(expr: str) -> list[str]:
    return sorted({s.name for s in selectors(parse(expr)) if s.name})


def walk(ast, visit) -> None:
    """Depth-first visit of every node (promql-parser's walk, without early stop)."""
    pp.walk(ast, lambda n: visit(n) and None)


def calls(ast, names: set[str]) -> list:
    out = []
    walk(ast, lambda n: out.append(n) if isinstance(n, pp.Call) and n.func.name in names else None)
    return out


def uses_absent(expr: str) -> bool:
    try:
        return bool(calls(parse(expr), {"absent", "absent_over_time"}))
    except PromQLError:
        return False


def scale_ranges(expr: str, factor: float, floor_seconds: float) -> str:
    """Compress every range and subquery window by `factor` (the ci profile's time compression).

    Windows never go below `floor_seconds` (4x the scrape interval), so rate() keeps enough samples.
    The rewrite happens on the AST, and the result is printed back from it.
    """
    import datetime

    if factor == 1:
        return expr
    ast = parse(expr)

    def shrink(delta: datetime.timedelta) -> datetime.timedelta:
        return datetime.timedelta(seconds=max(floor_seconds, round(delta.total_seconds() / factor)))

    def visit(node):
        # Children reached by attribute are the tree's own nodes (promql-parser's walk hands out copies).
        if isinstance(node, pp.VectorSelector) and node.offset:
            node.offset = datetime.timedelta(seconds=max(1, round(node.offset.total_seconds() / factor)))
        if isinstance(node, pp.MatrixSelector):
            visit(node.vector_selector)
        if isinstance(node, (pp.MatrixSelector, pp.SubqueryExpr)):
            node.range = shrink(node.range)
        if isinstance(node, pp.SubqueryExpr) and node.step:
            node.step = shrink(node.step)
        if isinstance(node, pp.BinaryExpr):
            visit(node.lhs)
            visit(node.rhs)
        elif isinstance(node, (pp.AggregateExpr, pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
            visit(node.expr)
        elif isinstance(node, pp.Call):
            for arg in node.args:
                visit(arg)

    visit(ast)
    return str(ast)
