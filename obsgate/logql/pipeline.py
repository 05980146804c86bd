"""A log pipeline compiled to Python closures: line filters, parsers, label filters, formatting.

`compile_pipeline(stages, base)` returns a Pipeline: `line_filter` (a predicate on the raw line, or
None) for the leading line filters, and `process(ts, line, labels)` for the rest, which returns
(line, labels) or None when the entry is filtered out. Label semantics follow Loki's documentation:
extracted labels that collide with a stream label get `_extracted`; a parser that fails sets
`__error__`/`__error_details__` and keeps the line; numeric label filters let errored lines through
(only string matchers can filter them out).
"""
from __future__ import annotations

import re
from typing import Callable, NamedTuple

from . import nodes as n
from .errors import QueryError
from .gotemplate import TemplateError, execute
from .labelparsers import (ParseFailure, json_all, json_paths, logfmt, logfmt_params, pattern_filter,
                           pattern_parser, regexp_parser, unpack)
from .regex import compile_re2
from .units import bytes_value, go_duration_s, parse_float

ERROR = "__error__"
DETAILS = "__error_details__"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


class Pipeline(NamedTuple):
    line_filter: Callable[[str], bool] | None  # leading line filters, on the raw line
    process: Callable | None  # (ts_ns, line, labels dict) -> (line, labels) | None; None: no stage
    needles: tuple[str, ...]  # when the line filters are only `|= "..."`: the substrings (fast path)


def line_predicate(f: n.LineFilter) -> Callable[[str], bool]:
    op, values = f.op, f.values
    if op in ("|=", "!="):
        if len(values) == 1:
            v = values[0]
            return (lambda line: v in line) if op == "|=" else (lambda line: v not in line)
        return (lambda line: any(v in line for v in values)) if op == "|=" else \
            (lambda line: not any(v in line for v in values))
    if op in ("|~", "!~"):
        rxs = [compile_re2(v).search for v in values]
        if len(rxs) == 1:
            s = rxs[0]
            return (lambda line: s(line) is not None) if op == "|~" else (lambda line: s(line) is None)
        return (lambda line: any(s(line) for s in rxs)) if op == "|~" else \
            (lambda line: not any(s(line) for s in rxs))
    pats = [pattern_filter(v).match for v in values]
    return (lambda line: any(p(line) for p in pats)) if op == "|>" else (lambda line: not any(p(line) for p in pats))


def _and(preds):
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda line: a(line) and b(line)
    return lambda line: all(p(line) for p in preds)


def compile_pipeline(stages: tuple, base_labels: frozenset | None = None) -> Pipeline:
    """`base_labels`: the stream's label names (for the `_extracted` rule); None means per-call."""
    lead = []
    i = 0
    while i < len(stages) and isinstance(stages[i], n.LineFilter):
        lead.append(stages[i])
        i += 1
    needles = tuple(f.values[0] for f in lead) if lead and all(f.op == "|=" and len(f.values) == 1 for f in lead) \
        else ()
    line_filter = _and([line_predicate(f) for f in lead]) if lead else None
    rest = stages[i:]
    if not rest:
        return Pipeline(line_filter, None, needles)
    steps = [_stage(s) for s in rest]

    def process(ts, line, labels, base=None):
        ctx = _Ctx(ts, line, labels, base if base is not None else frozenset())
        for step in steps:
            if not step(ctx):
                return None
        return ctx.line, ctx.labels
    return Pipeline(line_filter, process, needles)


class _Ctx:
    __slots__ = ("ts", "line", "labels", "base")

    def __init__(self, ts, line, labels, base):
        self.ts, self.line, self.labels, self.base = ts, line, labels, base

    def extract(self, found: dict[str, str]) -> None:
        labels, base = self.labels, self.base
        for k, v in found.items():
            if k in base:
                k = k + "_extracted"
            labels[k] = v

    def fail(self, kind: str, details: str) -> None:
        if ERROR not in self.labels:
            self.labels[ERROR] = kind
            self.labels[DETAILS] = details


def _stage(s) -> Callable[[_Ctx], bool]:
    if isinstance(s, n.LineFilter):
        pred = line_predicate(s)
        return lambda ctx: pred(ctx.line)
    if isinstance(s, n.Parser):
        return _parser(s)
    if isinstance(s, n.LabelFilter):
        f = label_filter(s.expr)
        return lambda ctx: f(ctx.labels)
    if isinstance(s, n.LineFormat):
        return _line_format(s.template)
    if isinstance(s, n.LabelFormat):
        return _label_format(s.items)
    if isinstance(s, n.DropKeep):
        return _drop_keep(s)
    if isinstance(s, n.Decolorize):
        def decolorize(ctx):
            ctx.line = _ANSI.sub("", ctx.line)
            return True
        return decolorize
    raise QueryError(f"unexpected pipeline stage {s!r}")


def _parser(p: n.Parser):
    kind = p.kind
    if kind == "json":
        if p.params:
            params = p.params

            def run(ctx):
                try:
                    ctx.extract(json_paths(ctx.line, params))
                except ParseFailure as exc:
                    ctx.fail(exc.kind, exc.details)
                return True
            return run

        def run_all(ctx):
            try:
                ctx.extract(json_all(ctx.line))
            except ParseFailure as exc:
                ctx.fail(exc.kind, exc.details)
            return True
        return run_all
    if kind == "logfmt":
        strict, keep, params = p.strict, p.keep_empty, p.params

        def run_logfmt(ctx):
            try:
                found = logfmt_params(ctx.line, params, strict, keep) if params else logfmt(ctx.line, strict, keep)
                ctx.extract(found)
            except ParseFailure as exc:
                ctx.fail(exc.kind, exc.details)
            return True
        return run_logfmt
    if kind == "regexp":
        rx = regexp_parser(p.arg)

        def run_regexp(ctx):
            ctx.extract(rx(ctx.line))
            return True
        return run_regexp
    if kind == "pattern":
        pat = pattern_parser(p.arg)

        def run_pattern(ctx):
            ctx.extract(pat(ctx.line))
            return True
        return run_pattern

    def run_unpack(ctx):
        try:
            found, entry = unpack(ctx.line)
        except ParseFailure as exc:
            ctx.fail(exc.kind, exc.details)
            return True
        ctx.extract(found)
        if entry is not None:
            ctx.line = entry
        return True
    return run_unpack


# --- label filters -------------------------------------------------------------------------------

_CMP = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}
_CONVERT = {"number": parse_float, "duration": go_duration_s, "bytes": bytes_value}


def label_filter(expr) -> Callable[[dict], bool]:
    """A label-filter expression -> predicate on the labels dict (which it may mark with an error)."""
    if isinstance(expr, n.FilterAnd):
        a, b = label_filter(expr.left), label_filter(expr.right)
        return lambda labels: a(labels) and b(labels)
    if isinstance(expr, n.FilterOr):
        a, b = label_filter(expr.left), label_filter(expr.right)
        return lambda labels: a(labels) or b(labels)
    c: n.Compare = expr
    name = c.name
    if c.kind == "string":
        m = n.Matcher(name, c.op, c.value)
        if c.op == "=":
            v = c.value
            return lambda labels: labels.get(name, "") == v
        if c.op == "!=":
            v = c.value
            return lambda labels: labels.get(name, "") != v
        return lambda labels: m.matches(labels.get(name, ""))
    convert, cmp, want = _CONVERT[c.kind], _CMP[c.op], c.value

    def numeric(labels):
        if ERROR in labels:
            return True  # only string matchers can filter out a line that has an error
        raw = labels.get(name)
        if raw is None:
            return False
        value = convert(raw)
        if value is None:
            labels[ERROR] = "LabelFilterErr"
            labels[DETAILS] = f"{c.kind} conversion of `{raw}` failed"
            return True
        return cmp(value, want)
    return numeric


# --- formatting ----------------------------------------------------------------------------------

def _line_format(template: str):
    from .templates import loki_funcs

    def run(ctx):
        try:
            ctx.line = execute(template, dict(ctx.labels), loki_funcs(ctx.line, ctx.ts))
        except TemplateError as exc:
            ctx.fail("TemplateFormatErr", str(exc))
        return True
    return run


def _label_format(items):
    from .templates import loki_funcs

    def run(ctx):
        labels = ctx.labels
        before = dict(labels)
        funcs = None
        for dst, kind, src in items:
            if kind == "rename":
                if src in before:
                    labels[dst] = before[src]
                    if src != dst:
                        labels.pop(src, None)
                else:
                    labels.pop(dst, None)
                continue
            funcs = funcs or loki_funcs(ctx.line, ctx.ts)
            try:
                labels[dst] = execute(src, before, funcs)
            except TemplateError as exc:
                ctx.fail("TemplateFormatErr", str(exc))
        return True
    return run


def _drop_keep(s: n.DropKeep):
    names = {x for x in s.items if isinstance(x, str)}
    matchers = [x for x in s.items if isinstance(x, n.Matcher)]
    if s.kind == "drop":
        def drop(ctx):
            labels = ctx.labels
            for k in names:
                labels.pop(k, None)
            for m in matchers:
                if m.name in labels and m.matches(labels[m.name]):
                    del labels[m.name]
            return True
        return drop

    def keep(ctx):
        labels = ctx.labels
        for k in list(labels):
            if k in names:
                continue
            ms = [m for m in matchers if m.name == k]
            if ms and all(m.matches(labels[k]) for m in ms):
                continue
            del labels[k]
        return True
    return keep


# --- unwrap --------------------------------------------------------------------------------------

_UNWRAP = {"": parse_float, "duration": go_duration_s, "duration_seconds": go_duration_s, "bytes": bytes_value}


def unwrapper(u: n.Unwrap) -> Callable[[dict], float | None]:
    """labels -> the unwrapped value (the label is removed), or None after marking SampleExtractionErr."""
    convert, name = _UNWRAP[u.conv], u.label

    def run(labels):
        raw = labels.pop(name, None)
        value = convert(raw) if raw is not None else None
        if value is None:
            if ERROR not in labels:
                labels[ERROR] = "SampleExtractionErr"
                labels[DETAILS] = f"label `{name}` " + ("is missing" if raw is None else f"value `{raw}` is not a "
                                                        + ("duration" if u.conv.startswith("duration") else
                                                           "byte size" if u.conv == "bytes" else "number"))
            return None
        return value
    return run
