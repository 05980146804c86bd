"""Evaluation of a parsed query over in-memory streams, with Loki's documented semantics.

A range aggregation at time t reads the entries with t - offset - range < ts <= t - offset. Every
stream's pipeline runs once per query over the span all steps need; each step then bisects the
samples. Vector aggregations, binary operators (on/ignoring, group_left/right, bool) and set
operators follow PromQL, as LogQL's documentation says they do. A metric query whose samples carry
`__error__` fails, as in Loki, naming the error and how to filter it out.
"""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import Iterable, NamedTuple, Sequence

from . import nodes as n
from .errors import QueryError
from .pipeline import DETAILS, ERROR, compile_pipeline, label_filter, unwrapper
from .regex import compile_re2
from .result import Result

Labels = tuple  # tuple[tuple[str, str], ...] sorted by name


class Entry(NamedTuple):
    ts_ns: int
    line: str
    meta: tuple = ()  # structured metadata: ((name, value), ...)


class Stream(NamedTuple):
    labels: tuple  # ((name, value), ...) sorted by name
    entries: Sequence[Entry]


# --- entry points ----------------------------------------------------------------------------------

def instant(query, streams: Iterable[Stream], at_ns: int, *, limit: int = 100, direction: str = "backward") -> Result:
    q = _query(query)
    if q.kind == "log":
        raise QueryError("log queries are not supported as an instant query type, please change your query to a "
                         "range query type")
    ev = _Eval(q, list(streams), [at_ns])
    value = ev.eval(q.root)
    if isinstance(value, float):
        return Result("scalar", scalar=(at_ns, value))
    rows = value[0]
    order = _top_order(q.root)
    items = [(dict(k), v) for k, v in rows.items()]
    if order is None:
        items.sort(key=lambda kv: sorted(kv[0].items()))
    else:
        items.sort(key=lambda kv: (order * kv[1] if not math.isnan(kv[1]) else math.inf, sorted(kv[0].items())))
    return Result("vector", vector=items, at_ns=at_ns)


def range_query(query, streams: Iterable[Stream], start_ns: int, end_ns: int, step_ns: int, *, limit: int = 100,
                direction: str = "backward") -> Result:
    q = _query(query)
    if step_ns <= 0:
        raise QueryError("zero or negative query resolution step widths are not accepted. Try a positive integer")
    if end_ns < start_ns:
        raise QueryError("end timestamp must not be before start time")
    streams = list(streams)
    if q.kind == "log":
        return _log_query(q.root, streams, start_ns, end_ns, limit, direction)
    steps = list(range(start_ns, end_ns + 1, step_ns))
    if len(steps) > 11000:
        raise QueryError("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                         "resolution (?step=XX)")
    ev = _Eval(q, streams, steps)
    value = ev.eval(q.root)
    series: dict = defaultdict(list)
    if isinstance(value, float):
        return Result("matrix", matrix=[({}, [(t, value) for t in steps])])
    for t, rows in zip(steps, value):
        for k, v in rows.items():
            series[k].append((t, v))
    return Result("matrix", matrix=[(dict(k), pts) for k, pts in sorted(series.items())])


def _query(query):
    from .parser import Query, parse
    return query if isinstance(query, Query) else parse(query)


def _top_order(root) -> int | None:
    while isinstance(root, n.Paren):
        root = root.expr
    if isinstance(root, n.VectorAgg) and root.op in ("sort", "sort_desc"):
        return 1 if root.op == "sort" else -1
    return None


# --- log queries -----------------------------------------------------------------------------------

def _log_query(sel: n.LogSelector, streams, start_ns, end_ns, limit, direction) -> Result:
    backward = direction != "forward"
    out: dict = defaultdict(list)
    for stream in streams:
        if not _selected(sel.matchers, stream.labels):
            continue
        for key, _, ts, line in _run_pipeline(sel, stream, start_ns, end_ns, right_closed=False):
            out[key].append((ts, line))
    # the `limit` entries closest to the end (backward) or the start (forward), across streams
    flat = [(ts, labels, line) for labels, rows in out.items() for ts, line in rows]
    flat.sort(key=lambda x: (x[0], x[1]), reverse=backward)
    flat = flat[:limit] if limit > 0 else flat
    kept: dict = defaultdict(list)
    for ts, labels, line in flat:
        kept[labels].append((ts, line))
    streams_out = [(dict(labels), rows) for labels, rows in sorted(kept.items())]
    return Result("streams", streams=streams_out)


def _selected(matchers, labels: tuple) -> bool:
    d = dict(labels)
    return all(m.matches(d.get(m.name, "")) for m in matchers)


def _run_pipeline(sel: n.LogSelector, stream: Stream, lo_ns: int, hi_ns: int, right_closed: bool,
                  cache: dict | None = None):
    """(labels key, labels dict or None, ts, line) of the stream's entries in the bounds that pass the pipeline.

    The dict is None when no stage ran (the stream's own labels); the key is the sorted label tuple.
    """
    entries = stream.entries
    ts_list = _timestamps(stream, cache)
    if right_closed:
        a, b = bisect_right(ts_list, lo_ns), bisect_right(ts_list, hi_ns)
    else:
        a, b = bisect_left(ts_list, lo_ns), bisect_left(ts_list, hi_ns)
    pipe = compile_pipeline(sel.stages)
    base = frozenset(k for k, _ in stream.labels)
    stream_labels = stream.labels
    lf, proc = pipe.line_filter, pipe.process
    for i in range(a, b):
        e = entries[i]
        line = e[1]
        if lf is not None and not lf(line):
            continue
        meta = e[2] if len(e) > 2 else ()
        if proc is None:
            if meta:
                key = _merge(stream_labels, meta)
                yield key, dict(key), e[0], line
            else:
                yield stream_labels, None, e[0], line
            continue
        labels = dict(stream_labels)
        if meta:
            labels.update(meta)
        got = proc(e[0], line, labels, base)
        if got is None:
            continue
        line, labels = got
        yield tuple(sorted(labels.items())), labels, e[0], line


def _merge(labels: tuple, meta: tuple) -> tuple:
    d = dict(labels)
    d.update(meta)
    return tuple(sorted(d.items()))


def _timestamps(stream: Stream, cache: dict | None = None) -> list[int]:
    """The stream's timestamps, computed once per evaluation (`cache` lives as long as one query)."""
    if cache is None:
        return [e[0] for e in stream.entries]
    key = id(stream.entries)
    hit = cache.get(key)
    if hit is None or hit[0] is not stream.entries:
        hit = cache[key] = (stream.entries, [e[0] for e in stream.entries])
    return hit[1]


# --- metric queries --------------------------------------------------------------------------------

class _Eval:
    """Evaluates metric nodes to one {labels: value} dict per step (or a float for scalars)."""

    def __init__(self, q, streams, steps):
        self.q, self.streams, self.steps = q, streams, steps
        self.ts_cache: dict = {}  # id(entries) -> (entries, timestamps), for this evaluation only

    def eval(self, node):
        if isinstance(node, n.Paren):
            return self.eval(node.expr)
        if isinstance(node, n.Number):
            return node.value
        if isinstance(node, n.VectorLit):
            return [{(): node.value} for _ in self.steps]
        if isinstance(node, n.RangeAgg):
            return self.range_agg(node)
        if isinstance(node, n.VectorAgg):
            inner = self.eval(node.expr)
            if isinstance(inner, float):
                raise QueryError(f"{node.op} expects a vector")
            return [_vector_agg(node, rows) for rows in inner]
        if isinstance(node, n.BinOp):
            return self.binop(node)
        if isinstance(node, n.LabelReplace):
            inner = self.eval(node.expr)
            if isinstance(inner, float):
                raise QueryError("label_replace expects a vector")
            return [_label_replace(node, rows) for rows in inner]
        raise QueryError(f"cannot evaluate {type(node).__name__}")

    # range aggregations
    def range_agg(self, node: n.RangeAgg):
        span_lo = self.steps[0] - node.offset_ns - node.range_ns
        span_hi = self.steps[-1] - node.offset_ns
        groups = self._samples(node, span_lo, span_hi)  # labels -> (ts list, value list)
        out = []
        rng_s = node.range_ns / 1e9
        for t in self.steps:
            hi = t - node.offset_ns
            lo = hi - node.range_ns
            rows = {}
            for labels, (ts, vals) in groups.items():
                a, b = bisect_right(ts, lo), bisect_right(ts, hi)
                if a == b:
                    continue
                rows[labels] = _range_fn(node, ts, vals, a, b, rng_s, lo, hi)
            if node.op == "absent_over_time":
                rows = {_absent_labels(node.selector.matchers): 1.0} if not rows else {}
            out.append(rows)
        return out

    def _samples(self, node: n.RangeAgg, lo_ns: int, hi_ns: int) -> dict:
        sel = node.selector
        groups: dict = {}
        op = node.op
        unwrap = unwrapper(node.unwrap) if node.unwrap else None
        post = [label_filter(f.expr) for f in node.post_unwrap]
        grouping = node.grouping
        fast = unwrap is None and op in ("count_over_time", "rate", "absent_over_time")
        for stream in self.streams:
            if not _selected(sel.matchers, stream.labels):
                continue
            pipe = compile_pipeline(sel.stages)
            if fast and pipe.process is None:
                # counting without label stages: per stream, the kept timestamps (no per-line objects),
                # unless an entry carries structured metadata (its labels then split the series)
                ts_list = _timestamps(stream, self.ts_cache)
                a, b = bisect_right(ts_list, lo_ns), bisect_right(ts_list, hi_ns)
                window = stream.entries[a:b]
                if not any(len(e) > 2 and e[2] for e in window):
                    if not sel.stages:
                        kept = ts_list[a:b]
                    elif pipe.needles and len(pipe.needles) == 1:
                        needle = pipe.needles[0]
                        kept = [e[0] for e in window if needle in e[1]]
                    else:
                        lf = pipe.line_filter
                        kept = [e[0] for e in window if lf(e[1])]
                    if kept:
                        _extend(groups, stream.labels, kept, None)
                    continue
            count_bytes = op in ("bytes_over_time", "bytes_rate")
            for key, d, ts, line in _run_pipeline(sel, stream, lo_ns, hi_ns, right_closed=True,
                                                  cache=self.ts_cache):
                if unwrap is None:
                    value = float(len(line.encode("utf-8"))) if count_bytes else 1.0
                    if d is not None and ERROR in d:
                        _pipeline_error(key)
                else:
                    d = dict(d if d is not None else key)
                    value = unwrap(d)
                    if not all(f(d) for f in post):
                        continue
                    if ERROR in d:
                        _pipeline_error(tuple(sorted(d.items())))
                    key = tuple(sorted(d.items()))
                if grouping is not None:
                    key = _group_key(key, grouping)
                hit = groups.get(key)
                if hit is None:
                    groups[key] = ([ts], [value])
                else:
                    hit[0].append(ts)
                    hit[1].append(value)
        for key, (ts, vals) in groups.items():
            if vals is not None and any(ts[i] > ts[i + 1] for i in range(len(ts) - 1)):
                order = sorted(range(len(ts)), key=ts.__getitem__)
                groups[key] = ([ts[i] for i in order], [vals[i] for i in order])
            elif vals is None and any(ts[i] > ts[i + 1] for i in range(len(ts) - 1)):
                groups[key] = (sorted(ts), None)
        return groups

    # binary operators
    def binop(self, node: n.BinOp):
        left, right = self.eval(node.left), self.eval(node.right)
        op = node.op
        if isinstance(left, float) and isinstance(right, float):
            if op in _COMPARE and not node.bool_mod:
                raise QueryError("comparisons between scalars must use BOOL modifier")
            return _arith(op, left, right, node.bool_mod)
        if isinstance(left, float) or isinstance(right, float):
            if op in ("and", "or", "unless"):
                raise QueryError(f"set operator `{op}` not allowed in binary scalar expression")
            scalar_left = isinstance(left, float)
            vec = right if scalar_left else left
            s = left if scalar_left else right
            out = []
            for rows in vec:
                res = {}
                for k, v in rows.items():
                    a, b = (s, v) if scalar_left else (v, s)
                    r = _arith(op, a, b, node.bool_mod)
                    if r is None:
                        continue
                    res[k] = r if op not in _COMPARE or node.bool_mod else v
                out.append(res)
            return out
        return [_vector_binop(node, l, r) for l, r in zip(left, right)]


def _extend(groups: dict, key, ts: list, vals):
    hit = groups.get(key)
    if hit is None:
        groups[key] = (list(ts), list(vals) if vals is not None else None)
        return
    hit[0].extend(ts)
    if vals is not None:
        hit[1].extend(vals)


def _pipeline_error(key) -> None:
    d = dict(key)
    err = d.get(ERROR, "")
    shown = "{" + ", ".join(f'{k}="{v}"' for k, v in key if k not in (ERROR, DETAILS)) + "}"
    raise QueryError(f"pipeline error: '{err}' for series: '{shown}'. Use a label filter to intentionally skip "
                     f"this error. (e.g | __error__!=\"{err}\"). To skip all potential errors you can match empty "
                     "errors.(e.g __error__=\"\"). The label filter can also be specified after unwrap. "
                     "(e.g | unwrap latency | __error__=\"\" )" + (f" Details: {d[DETAILS]}" if d.get(DETAILS) else ""))


def _group_key(key: tuple, g: n.Grouping) -> tuple:
    names = set(g.labels)
    if g.without:
        return tuple((k, v) for k, v in key if k not in names)
    return tuple((k, v) for k, v in key if k in names)


def _absent_labels(matchers) -> tuple:
    seen = {}
    for m in matchers:
        if m.op == "=" and m.name not in seen:
            seen[m.name] = m.value
    return tuple(sorted(seen.items()))


def _range_fn(node: n.RangeAgg, ts, vals, a, b, rng_s, lo, hi) -> float:
    op = node.op
    count = b - a
    if vals is None:  # count-like, no values stored
        if op == "rate":
            return count / rng_s
        return float(count)
    window = vals[a:b]
    if op in ("count_over_time", "absent_over_time"):
        return float(count)
    if op == "bytes_over_time":
        return float(sum(window))
    if op == "bytes_rate":
        return sum(window) / rng_s
    if op == "rate":
        return (sum(window) if node.unwrap else count) / rng_s
    if op == "sum_over_time":
        return math.fsum(window)
    if op == "avg_over_time":
        return math.fsum(window) / count
    if op == "min_over_time":
        return min(window)
    if op == "max_over_time":
        return max(window)
    if op in ("stddev_over_time", "stdvar_over_time"):
        mean = math.fsum(window) / count
        var = math.fsum((x - mean) ** 2 for x in window) / count
        return math.sqrt(var) if op == "stddev_over_time" else var
    if op == "quantile_over_time":
        return _quantile(node.param, window)
    if op == "first_over_time":
        return window[0]
    if op == "last_over_time":
        return window[-1]
    if op == "rate_counter":
        return _counter_rate(ts[a:b], window, lo, hi)
    raise QueryError(f"unknown range aggregation {op}")


def _quantile(q: float, values: list[float]) -> float:
    """Prometheus' quantile: linear interpolation between the closest ranks."""
    if not values:
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    s = sorted(values)
    rank = q * (len(s) - 1)
    lo = max(0, int(math.floor(rank)))
    hi = min(len(s) - 1, lo + 1)
    weight = rank - math.floor(rank)
    return s[lo] * (1 - weight) + s[hi] * weight


def _counter_rate(ts: list[int], vals: list[float], lo: int, hi: int) -> float:
    """Prometheus' extrapolated rate for a counter (resets add the value before the drop)."""
    if len(vals) < 2:
        return math.nan
    result = vals[-1] - vals[0]
    prev = vals[0]
    for v in vals[1:]:
        if v < prev:
            result += prev
        prev = v
    sampled = (ts[-1] - ts[0]) / 1e9
    to_start = (ts[0] - lo) / 1e9
    to_end = (hi - ts[-1]) / 1e9
    avg_interval = sampled / (len(vals) - 1)
    if result > 0 and vals[0] >= 0:
        zero = sampled * (vals[0] / result)
        if zero < to_start:
            to_start = zero
    threshold = avg_interval * 1.1
    extrapolate = sampled
    extrapolate += to_start if to_start < threshold else avg_interval / 2
    extrapolate += to_end if to_end < threshold else avg_interval / 2
    return result * (extrapolate / sampled) / ((hi - lo) / 1e9)


# --- vector aggregations ---------------------------------------------------------------------------

def _vector_agg(node: n.VectorAgg, rows: dict) -> dict:
    op, g = node.op, node.grouping
    if op in ("sort", "sort_desc"):
        return dict(rows)
    groups: dict = defaultdict(list)
    for k, v in rows.items():
        groups[_group_key(k, g) if g is not None else ()].append((k, v))
    out = {}
    for gk, items in groups.items():
        values = [v for _, v in items]
        if op in ("topk", "bottomk"):
            k = int(node.param)
            rev = op == "topk"
            ranked = sorted(items, key=lambda kv: (_nan_last(kv[1], rev), kv[0]))
            for key, v in ranked[:k]:
                out[key] = v
            continue
        if op == "sum":
            out[gk] = math.fsum(values)
        elif op == "avg":
            out[gk] = math.fsum(values) / len(values)
        elif op == "min":
            out[gk] = min(values, key=lambda x: (math.isnan(x), x))
        elif op == "max":
            out[gk] = max(values, key=lambda x: (not math.isnan(x), x))
        elif op == "count":
            out[gk] = float(len(values))
        elif op in ("stddev", "stdvar"):
            mean = math.fsum(values) / len(values)
            var = math.fsum((x - mean) ** 2 for x in values) / len(values)
            out[gk] = math.sqrt(var) if op == "stddev" else var
    return out


def _nan_last(v: float, descending: bool) -> tuple:
    if math.isnan(v):
        return (1, 0.0)
    return (0, -v if descending else v)


# --- binary operators ------------------------------------------------------------------------------

_COMPARE = {"==", "!=", ">", ">=", "<", "<="}


def _arith(op: str, a: float, b: float, bool_mod: bool):
    """The result of `a op b`; for comparisons without bool: the kept value or None (dropped)."""
    if op in _COMPARE:
        hit = {"==": a == b, "!=": a != b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]
        if bool_mod:
            return 1.0 if hit else 0.0
        return a if hit else None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
        return a / b
    if op == "%":
        if b == 0:
            return math.nan
        return math.fmod(a, b)
    if op == "^":
        try:
            return math.pow(a, b)
        except (OverflowError, ValueError):
            return math.inf if a > 0 else math.nan
    raise QueryError(f"unknown operator {op}")


def _signature(key: tuple, m: n.VectorMatching | None) -> tuple:
    if m is None:
        return key
    names = set(m.labels)
    if m.on:
        return tuple((k, v) for k, v in key if k in names)
    return tuple((k, v) for k, v in key if k not in names)


def _vector_binop(node: n.BinOp, left: dict, right: dict) -> dict:
    op, m = node.op, node.matching
    if op in ("and", "or", "unless"):
        rsigs = {_signature(k, m) for k in right}
        if op == "and":
            return {k: v for k, v in left.items() if _signature(k, m) in rsigs}
        if op == "unless":
            return {k: v for k, v in left.items() if _signature(k, m) not in rsigs}
        lsigs = {_signature(k, m) for k in left}
        out = dict(left)
        for k, v in right.items():
            if _signature(k, m) not in lsigs:
                out[k] = v
        return out
    card = m.card if m is not None else ""
    swap = card == "group_right"
    one, many = (left, right) if swap else (right, left)
    by_sig: dict = {}
    for k, v in one.items():
        sig = _signature(k, m)
        if sig in by_sig:
            raise QueryError("found duplicate series for the match group " + _fmt(sig) + " on the "
                             + ("left" if swap else "right") + " hand-side of the operation; many-to-many matching "
                             "not allowed: matching labels must be unique on one side")
        by_sig[sig] = (k, v)
    out: dict = {}
    seen_many: dict = {}
    for k, v in many.items():
        sig = _signature(k, m)
        other = by_sig.get(sig)
        if other is None:
            continue
        if not card:
            if sig in seen_many:
                raise QueryError("multiple matches for labels: many-to-one matching must be explicit "
                                 "(group_left/group_right)")
            seen_many[sig] = True
        ok, ov = other
        a, b = (ov, v) if swap else (v, ov)
        r = _arith(op, a, b, node.bool_mod)
        if r is None:
            continue
        if op in _COMPARE and not node.bool_mod:
            r = a  # a filtering comparison keeps the left-hand value
        key = _result_labels(k, ok, m)
        if key in out:
            raise QueryError("multiple matches for labels: grouping labels must ensure unique matches")
        out[key] = r
    return out


def _result_labels(many_key: tuple, one_key: tuple, m: n.VectorMatching | None) -> tuple:
    if m is None:
        return many_key
    if not m.card:
        return _signature(many_key, m) if m.on else _signature(many_key, m)
    d = dict(many_key)
    one = dict(one_key)
    for name in m.include:
        if name in one:
            d[name] = one[name]
        else:
            d.pop(name, None)
    return tuple(sorted(d.items()))


def _fmt(key: tuple) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in key) + "}"


def _label_replace(node: n.LabelReplace, rows: dict) -> dict:
    rx = compile_re2(node.regex, anchored=True)
    from .templates import _go_expand
    template = _go_expand(node.replacement)
    out = {}
    for k, v in rows.items():
        d = dict(k)
        m = rx.match(d.get(node.src, ""))
        if m:
            try:
                value = m.expand(template)
            except (IndexError, Exception):
                value = ""
            if value:
                d[node.dst] = value
            else:
                d.pop(node.dst, None)
        key = tuple(sorted(d.items()))
        if key in out:
            raise QueryError("vector cannot contain metrics with the same labelset")
        out[key] = v
    return out
