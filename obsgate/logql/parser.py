"""Text -> LogQL syntax tree, with Loki's semantic checks, and errors that point at line and column.

lark parses (LALR, contextual lexer); a non-recursive transformer builds the frozen nodes of nodes.py,
so a deeply nested query cannot overflow Python's stack. Input size and nesting are bounded first.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from lark import Lark, Token, Transformer_NonRecursive
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import nodes as n
from .errors import LogQLError, LogQLSyntaxError, Unsupported
from .regex import compile_re2
from .strings import BadEscape, unquote
from .units import bytes_value, go_duration_s, prom_duration_ns

MAX_BYTES = 64 * 1024
MAX_DEPTH = 200

UNWRAP_OPS = {"sum_over_time", "avg_over_time", "min_over_time", "max_over_time", "stddev_over_time",
              "stdvar_over_time", "quantile_over_time", "first_over_time", "last_over_time", "rate_counter"}
LOG_OPS = {"count_over_time", "bytes_over_time", "bytes_rate", "absent_over_time"}  # never with unwrap
EITHER_OPS = {"rate"}  # entries per second, or the unwrapped values' sum per second
PARAM_VEC = {"topk", "bottomk"}
NO_GROUP_VEC = {"sort", "sort_desc"}

# Functions Loki knows but this engine does not evaluate: named, never silently wrong.
KNOWN_UNSUPPORTED = {"approx_topk": "approx_topk", "absent": "absent() (use absent_over_time)",
                     "label_join": "label_join", "histogram_quantile": "histogram_quantile",
                     "count_values": "count_values", "quantile": "quantile (vector aggregation)",
                     "group": "group", "limitk": "limitk", "limit_ratio": "limit_ratio"}

# Pipeline stages Loki has (some experimental) that this engine does not evaluate.
KNOWN_UNSUPPORTED_STAGES = {"distinct": "the `distinct` stage"}

_DISPLAY = {
    "NAME": "a label name", "STRING": "a string", "NUMLIKE": "a number or duration", "LBRACE": "`{`",
    "RBRACE": "`}`", "LPAR": "`(`", "RPAR": "`)`", "LBRACKET": "`[`", "RBRACKET": "`]`", "COMMA": "`,`",
    "COLON": "`:`", "EQ": "`=`", "EQEQ": "`==`", "NEQ": "`!=`", "RE": "`=~`", "NRE": "`!~`", "GT": "`>`",
    "GTE": "`>=`", "LT": "`<`", "LTE": "`<=`", "PIPE": "`|`", "PIPE_EQ": "`|=`", "PIPE_RE": "`|~`",
    "PIPE_PAT": "`|>`", "NPAT": "`!>`", "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`", "SLASH": "`/`",
    "PERCENT": "`%`", "POW": "`^`", "$END": "end of query",
}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    from .tables import load
    return load()


class Query:
    """A parsed query: the tree plus what stores and checks ask of it (see LOGQL_API)."""

    __slots__ = ("text", "root")

    def __init__(self, text: str, root):
        self.text, self.root = text, root

    @property
    def kind(self) -> str:
        return "log" if isinstance(self.root, n.LogSelector) else "metric"

    def selectors(self) -> list[list[n.Matcher]]:
        return [list(s.matchers) for s in self.log_selectors()]

    def log_selectors(self) -> list[n.LogSelector]:
        if isinstance(self.root, n.LogSelector):
            return [self.root]
        return [node.selector for node in n.walk(self.root) if isinstance(node, n.RangeAgg)]

    def range_aggs(self) -> list[n.RangeAgg]:
        return [node for node in n.walk(self.root) if isinstance(node, n.RangeAgg)]

    def range_ns(self) -> int:
        return max((r.range_ns + r.offset_ns for r in self.range_aggs()), default=0)

    def __repr__(self) -> str:
        return f"Query({self.text!r})"


def parse(text: str) -> Query:
    """Parse one LogQL query; raises LogQLSyntaxError (or its subclass Unsupported) on bad input."""
    if not isinstance(text, str):
        raise LogQLSyntaxError(f"a query is a string, not {type(text).__name__}")
    return _parse_cached(text)


@lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Query:
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise LogQLSyntaxError(f"query is {len(text.encode('utf-8', 'replace'))} bytes; the limit is {MAX_BYTES}",
                               hint="split the query; no rule or panel needs 64 KiB of LogQL")
    _check_nesting(text)
    if not text.strip():
        raise LogQLSyntaxError("empty query", expected=("a stream selector", "a metric expression"),
                               hint='a query starts with a stream selector, e.g. `{service="api"}`')
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    try:
        root = _Build(text).transform(tree)
    except VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, LogQLError):
            raise inner from None
        raise
    _check_depth(root)
    return Query(text, root)


# --- guards --------------------------------------------------------------------------------------

_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`')


def _check_nesting(text: str) -> None:
    depth = deepest = 0
    line, col, where = 1, 0, (1, 1)
    for ch in _STRINGS.sub(lambda m: "_" * len(m.group(0)) if "\n" not in m.group(0) else
                           "\n".join("_" * len(p) for p in m.group(0).split("\n")), text):
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
        elif ch in "([{":
            depth += 1
            if depth > deepest:
                deepest, where = depth, (line, col)
                if deepest > MAX_DEPTH:
                    raise LogQLSyntaxError(f"query nests deeper than {MAX_DEPTH} levels", *where,
                                           hint="flatten the expression")
        elif ch in ")]}":
            depth -= 1


def _check_depth(root) -> None:
    stack = [(root, 1)]
    while stack:
        node, d = stack.pop()
        if d > MAX_DEPTH:
            raise LogQLSyntaxError(f"expression is deeper than {MAX_DEPTH} operators",
                                   hint="split a long chain of binary operators into recording rules")
        stack.extend((c, d + 1) for c in n.children(node))


# --- syntax errors -------------------------------------------------------------------------------

def _syntax_error(text: str, exc: UnexpectedInput) -> LogQLSyntaxError:
    line, col = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        hint = "LogQL strings are written in double quotes or backticks" if ch == "'" else \
            "remove or quote the character"
        return LogQLSyntaxError(f"unexpected character `{ch}`", line, col, _expected(exc.allowed or ()), hint)
    token = getattr(exc, "token", None)
    expected = _expected(getattr(exc, "expected", None) or getattr(exc, "accepts", None) or ())
    if isinstance(exc, UnexpectedEOF) or (token is not None and token.type == "$END"):
        line, col = _end(text)
        return LogQLSyntaxError("unexpected end of query", line, col, expected, _hint(text, None, exc))
    assert isinstance(exc, UnexpectedToken)
    value = str(token)
    stage = re.search(r"\|\s*([a-z_]+)\s*$", text[:token.start_pos])
    if stage and stage.group(1) in KNOWN_UNSUPPORTED_STAGES:
        return Unsupported(KNOWN_UNSUPPORTED_STAGES[stage.group(1)], line, col)
    if token.type == "NAME" and text[token.end_pos:].lstrip().startswith("("):
        if value in KNOWN_UNSUPPORTED:
            return Unsupported(KNOWN_UNSUPPORTED[value], line, col)
        return LogQLSyntaxError(f"unknown function `{value}`", line, col, (),
                                "LogQL's functions are the range aggregations (count_over_time, rate, ...), "
                                "the vector aggregations (sum, topk, ...), vector() and label_replace()")
    return LogQLSyntaxError(f"unexpected `{value}`", line, col, expected, _hint(text, token, exc))


def _end(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def _expected(names) -> tuple[str, ...]:
    names = set(names)
    out = []
    ops = {x for x in names if x.endswith("_OVER_TIME") or x in ("RATE", "RATE_COUNTER", "BYTES_RATE", "SUM")}
    if ops:
        out.append("an expression")
        names -= {x for x in names if x.isupper() and x not in _DISPLAY}
        names -= {"LPAR", "MINUS", "PLUS", "NUMLIKE"}  # the atoms an expression starts with
    for name in sorted(names):
        if name.startswith("__") or name in ("WS", "COMMENT"):
            continue
        out.append(_DISPLAY.get(name, f"`{name.lower()}`"))
    return tuple(out)


def _hint(text: str, token: Token | None, exc) -> str:
    expected = set(getattr(exc, "expected", None) or ())
    if "LBRACKET" in expected and "PIPE" in expected:
        return "a range aggregation needs a range after the selector or the pipeline, e.g. `[5m]`"
    if "STRING" in expected and expected <= {"STRING", "IP"}:
        return 'values are quoted: `name="value"` (double quotes or backticks)'
    if "RBRACE" in expected:
        return 'a stream selector is `{name="value", ...}`'
    if "LBRACE" in expected:
        return 'a log query starts with a stream selector, e.g. `{service="api"}`'
    if "RPAR" in expected:
        return "close the parenthesis"
    if token is not None and token.type == "PIPE_EQ":
        return "line filters follow a stream selector"
    return "see https://grafana.com/docs/loki/latest/query/ for the LogQL syntax"


# --- tree -> nodes -------------------------------------------------------------------------------

def _pos(tok) -> tuple[int, int]:
    return (getattr(tok, "line", 1) or 1, getattr(tok, "column", 1) or 1)


def _err(tok, message: str, hint: str = "") -> LogQLSyntaxError:
    return LogQLSyntaxError(message, *_pos(tok), hint=hint)


def _string(tok: Token) -> str:
    try:
        return unquote(str(tok))
    except BadEscape as exc:
        raise _err(tok, str(exc), "escape a backslash as `\\\\`, or use a `raw` backtick string") from None


def _tokens(children, kind: str) -> list:
    return [c for c in children if isinstance(c, Token) and c.type == kind]


class _Build(Transformer_NonRecursive):
    """lark tree -> nodes.py; semantic rules of Loki's parser are enforced here."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    # start / log queries
    def start(self, c):
        root = c[0]
        if isinstance(root, n.LogSelector):
            _no_unwrap(root.stages)
        return root

    def log_expr(self, c):
        sel, stages = c[0], tuple(c[1:])
        return n.LogSelector(sel[0], stages, sel[1])

    def selector(self, c):
        brace = c[0]
        matchers = tuple(x for x in c if isinstance(x, n.Matcher))
        if not any(not m.matches("") for m in matchers):
            raise _err(brace, "queries require at least one regexp or equality matcher that does not have an "
                              "empty-compatible value",
                       'for instance, app=~".*" does not meet this requirement, but app=~".+" will')
        return (matchers, _pos(brace))

    def matcher(self, c):
        name, op, value = c
        text = _string(value)
        if op in ("=~", "!~"):
            _regex(value, text, anchored=True)
        return n.Matcher(str(name), str(op), text)

    def match_op(self, c):
        return c[0]  # the Token (a str): operators keep their position for semantic errors

    line_op = match_op
    cmp_op = match_op
    cmp_bin = match_op
    and_op = match_op
    add_op = match_op
    mul_op = match_op
    on_kw = match_op
    group_kw = match_op
    group_by = match_op
    range_op = match_op
    vec_op = match_op
    conv_fn = match_op
    logfmt_flag = match_op

    def stage(self, c):
        return c[1]

    def line_filter(self, c):
        op = c[0]
        values = tuple(x for x in c[1:] if not isinstance(x, Token))
        for v, tok in values:
            if op in ("|~", "!~"):
                _regex(tok, v)
            elif op in ("|>", "!>"):
                _pattern(tok, v, filter_only=True)
        return n.LineFilter(str(op), tuple(v for v, _ in values))

    def filter_value(self, c):
        return (_string(c[0]), c[0])

    def ip_value(self, c):
        raise Unsupported("ip() line filters", *_pos(c[0]))

    # parsers
    def json_stage(self, c):
        params = c[1] or ()
        for label, expr, tok in params:
            if expr:
                from .labelparsers import parse_json_path
                try:
                    parse_json_path(expr)
                except ValueError as exc:
                    raise _err(tok, f"invalid json path `{expr}`: {exc}",
                               'write a path like `a.b[0]` or `["key with spaces"]`') from None
        return n.Parser("json", tuple((label, expr or label) for label, expr, _ in params))

    def logfmt_stage(self, c):
        flags = [x for x in c[1:] if isinstance(x, str) and not isinstance(x, tuple)]
        params = next((x for x in c[1:] if isinstance(x, list)), None) or ()
        return n.Parser("logfmt", tuple((label, expr or label) for label, expr, _ in params),
                        strict="--strict" in flags, keep_empty="--keep-empty" in flags)

    def params(self, c):
        return [x for x in c if isinstance(x, tuple)]

    def param(self, c):
        name, _eq, value = c
        return (str(name), _string(value) if value is not None else "", name)

    def regexp_stage(self, c):
        text = _string(c[1])
        rx = _regex(c[1], text)
        if not rx.groupindex:
            raise _err(c[1], "at least one named capture must be supplied", "write `(?P<name>...)`")
        for name in rx.groupindex:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise _err(c[1], f"invalid extracted label name `{name}`")
        return n.Parser("regexp", arg=text)

    def pattern_stage(self, c):
        text = _string(c[1])
        _pattern(c[1], text)
        return n.Parser("pattern", arg=text)

    def unpack_stage(self, c):
        return n.Parser("unpack")

    # formatting
    def line_format(self, c):
        text = _string(c[1])
        _template(c[1], text)
        return n.LineFormat(text)

    def label_format(self, c):
        items, seen = [], set()
        for dst, kind, src, tok, dst_tok in (x for x in c[1:] if isinstance(x, tuple)):
            if dst in seen:
                raise _err(dst_tok, f"multiple label name '{dst}' not allowed in a single format operation",
                           "format each label once per label_format stage")
            seen.add(dst)
            if kind == "template":
                _template(tok, src)
            items.append((dst, kind, src))
        return n.LabelFormat(tuple(items))

    def label_fmt(self, c):
        dst, _eq, src = c
        if src.type == "STRING":
            return (str(dst), "template", _string(src), src, dst)
        return (str(dst), "rename", str(src), src, dst)

    def drop_stage(self, c):
        return n.DropKeep("drop", tuple(x for x in c[1:] if not isinstance(x, Token)))

    def keep_stage(self, c):
        return n.DropKeep("keep", tuple(x for x in c[1:] if not isinstance(x, Token)))

    def drop_item(self, c):
        name, op, value = c
        if op is None:
            return str(name)
        return self.matcher([name, op, value])

    def decolorize(self, c):
        return n.Decolorize()

    def unwrap(self, c):
        return c[1]

    def unwrap_arg(self, c):
        if len(c) == 1:
            return n.Unwrap(str(c[0]))
        return n.Unwrap(str(c[2]), str(c[0]))

    # label filters
    def label_filter(self, c):
        return n.LabelFilter(c[0])

    def lf_or_node(self, c):
        return n.FilterOr(c[0], c[-1])

    def lf_and_node(self, c):
        return n.FilterAnd(c[0], c[-1])

    def lf_atom(self, c):
        return c[1]

    def comparison(self, c):
        name, op, (kind, value, tok) = c
        op = str(op)
        if kind == "ip":
            raise Unsupported("ip() label filters", *_pos(tok))
        if kind == "string":
            if op in (">", ">=", "<", "<="):
                raise _err(tok, f"`{op}` compares numbers, durations or bytes, not the string {str(tok)}",
                           "drop the quotes to compare numerically")
            if op == "==":
                op = "="
            if op in ("=~", "!~"):
                _regex(tok, value, anchored=True)
            return n.Compare(str(name), op, "string", value, str(tok))
        if op in ("=~", "!~"):
            raise _err(tok, f"`{op}` needs a regex string, not `{tok}`")
        if op == "=":
            op = "=="
        return n.Compare(str(name), op, kind, value, str(tok))

    def lf_value(self, c):
        if c[0].type == "STRING":
            return ("string", _string(c[0]), c[0])
        if c[0].type == "IP":
            return ("ip", None, c[0])
        neg = c[0].type == "MINUS"
        tok = c[-1]
        kind, value = _numlike(tok)
        return (kind, -value if neg else value, tok)

    # metric queries
    def number(self, c):
        kind, value = _numlike(c[0])
        if kind != "number":
            raise _err(c[0], f"unexpected {kind} `{c[0]}` where a number or an expression goes")
        return n.Number(value)

    def signed(self, c):
        tok = c[-1]
        kind, value = _numlike(tok)
        if kind != "number":
            raise _err(tok, f"expected a number, found `{tok}`")
        return -value if c[0] == "-" else value

    def paren(self, c):
        return n.Paren(c[1])

    def unary(self, c):
        op, expr = c
        if op == "+":
            return expr
        if isinstance(expr, n.Number):
            return n.Number(-expr.value)
        return n.BinOp("*", n.Number(-1.0), expr)

    def vector_fn(self, c):
        return n.VectorLit(c[2])

    def label_replace(self, c):
        strings = _tokens(c, "STRING")
        dst, repl, src, rx = (_string(s) for s in strings)
        _regex(strings[3], rx, anchored=True)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", dst):
            raise _err(strings[0], f"invalid destination label name in label_replace(): {dst}")
        return n.LabelReplace(c[2], dst, repl, src, rx)

    def bin_mod(self, c):
        return (c[0] is not None, c[1])

    def matching(self, c):
        on_kw, labels, card, include = c
        return n.VectorMatching(on_kw == "on", labels, str(card or ""), include or ())

    def binop(self, c):
        left, tok, (bool_mod, matching), right = c
        op = str(tok)
        if bool_mod and op not in ("==", "!=", ">", ">=", "<", "<="):
            raise _err(tok, f"bool modifier can only be used on comparison operators, not `{op}`",
                       "drop `bool`, or compare with ==, !=, >, >=, <, <=")
        if op in ("and", "or", "unless"):
            if isinstance(left, (n.Number,)) or isinstance(right, (n.Number,)):
                raise _err(tok, f"set operator `{op}` not allowed in binary scalar expression",
                           "and/or/unless combine two vectors; compare with a number instead, e.g. `> 1`")
            if matching is not None and matching.card:
                raise _err(tok, f"no grouping allowed for `{op}` operation", "drop group_left/group_right")
        return n.BinOp(op, left, right, bool_mod, matching)

    def range_sel(self, c):
        ns = prom_duration_ns(str(c[1]))
        if ns is None or ns == 0:
            raise _err(c[1], f"invalid range `{c[1]}`", "write a duration like `5m`, `1h` or `30s`")
        return ("range", ns)

    def subquery(self, c):
        raise Unsupported("subqueries (`[range:step]`)", *_pos(c[0]))

    def offset(self, c):
        ns = prom_duration_ns(str(c[1]))
        if ns is None:
            raise _err(c[1], f"invalid offset `{c[1]}`", "write a duration like `1h`")
        return ("offset", ns)

    def log_range(self, c):
        sel = c[0]
        stages, range_ns, offset_ns = [], 0, 0
        for x in c[1:]:
            if isinstance(x, tuple) and x and x[0] == "range":
                range_ns = x[1]
            elif isinstance(x, tuple) and x and x[0] == "offset":
                offset_ns = x[1]
            elif x is not None:
                stages.append(x)
        return (n.LogSelector(sel[0], (), sel[1]), tuple(stages), range_ns, offset_ns)

    def range_agg(self, c):
        tok = c[0]
        op = str(tok)
        param = c[2]
        selector, stages, range_ns, offset_ns = c[4]
        grouping = c[6]
        unwrap, post = None, ()
        idx = next((i for i, s in enumerate(stages) if isinstance(s, n.Unwrap)), None)
        if idx is not None:
            unwrap, post, stages = stages[idx], stages[idx + 1:], stages[:idx]
            if any(not isinstance(s, n.LabelFilter) for s in post):
                raise _err(tok, "only label filters may follow `| unwrap`",
                           "move the other stages before the unwrap")
        _no_unwrap(stages)
        selector = n.LogSelector(selector.matchers, tuple(stages), selector.pos)
        if op in UNWRAP_OPS and unwrap is None:
            raise _err(tok, f"invalid aggregation {op} without unwrap",
                       f"{op} aggregates label values: add `| unwrap <label>` before the range")
        if op in LOG_OPS and unwrap is not None:
            raise _err(tok, f"invalid aggregation {op} with unwrap", f"{op} counts log lines or bytes; drop `| unwrap`")
        if op == "quantile_over_time":
            if param is None:
                raise _err(tok, "quantile_over_time needs a quantile", "write quantile_over_time(0.99, ...)")
        elif param is not None:
            raise _err(tok, f"{op} takes no parameter", f"drop the first argument of {op}")
        if grouping is not None and unwrap is None:
            raise _err(tok, f"grouping not allowed for {op} aggregation",
                       "group in a vector aggregation instead: sum by (label) (...)")
        return n.RangeAgg(op, selector, range_ns, offset_ns, unwrap, tuple(post), grouping, param)

    def vector_agg(self, c):
        tok, g1, _lp, first, _comma, second, _rp, g2 = c
        op = str(tok)
        if g1 is not None and g2 is not None:
            raise _err(tok, f"{op}: grouping given twice", "write the grouping once, before or after the arguments")
        grouping = g1 or g2
        param = None
        if op in PARAM_VEC:
            if second is None:
                raise _err(tok, f"{op} needs a parameter", f"write {op}(5, ...)")
            if not isinstance(first, n.Number):
                raise Unsupported(f"{op} with a non-literal parameter", *_pos(tok))
            param = first.value
            if param != math.floor(param) or param < 1:
                raise _err(tok, f"invalid parameter for {op}: {param:g}", "the parameter is a positive integer")
            expr = second
        else:
            if second is not None:
                raise _err(tok, f"{op} takes no parameter", f"drop the first argument of {op}")
            expr = first
        if op in NO_GROUP_VEC and grouping is not None:
            raise _err(tok, f"{op} does not take a grouping", f"drop the by/without clause of {op}")
        if isinstance(expr, n.Number):
            raise _err(tok, f"{op} aggregates a vector, not the number {expr.value:g}",
                       f"aggregate a metric query, e.g. {op}(count_over_time({{...}}[5m]))")
        return n.VectorAgg(op, expr, grouping, param)

    def grouping(self, c):
        return n.Grouping(c[0] == "without", c[1])

    def label_list(self, c):
        return tuple(str(x) for x in c if isinstance(x, Token) and x.type == "NAME")


def _no_unwrap(stages) -> None:
    if any(isinstance(s, n.Unwrap) for s in stages):
        raise LogQLSyntaxError("`| unwrap` is only allowed inside a range aggregation of a metric query",
                               hint="e.g. sum_over_time({...} | logfmt | unwrap bytes [5m])")


def _numlike(tok: Token) -> tuple[str, float]:
    text = str(tok)
    if re.fullmatch(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", text):
        return ("number", float(text))
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        return ("number", float(int(text, 16)))
    d = go_duration_s(text)
    if d is not None:
        return ("duration", d)
    b = bytes_value(text)
    if b is not None:
        return ("bytes", b)
    raise _err(tok, f"`{text}` is neither a number, a duration nor a byte size",
               "write `5`, `1.5`, `250ms`, `5m` or `20KB`")


def _regex(tok, text: str, anchored: bool = False):
    try:
        return compile_re2(text, anchored)
    except LogQLSyntaxError as exc:
        raise LogQLSyntaxError(exc.message, *_pos(tok), hint=exc.hint) from None


def _pattern(tok, text: str, filter_only: bool = False) -> None:
    from .labelparsers import compile_pattern
    try:
        compile_pattern(text, filter_only)
    except ValueError as exc:
        raise _err(tok, f"invalid pattern `{text}`: {exc}", "a pattern is literals and `<name>` captures") from None


def _template(tok, text: str) -> None:
    from .gotemplate import TemplateError, parse_template
    try:
        parse_template(text)
    except TemplateError as exc:
        raise _err(tok, f"invalid template: {exc}", "templates use Go text/template syntax: `{{ .label }}`") \
            from None
