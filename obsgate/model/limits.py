"""Input limits, in one place: what a file or a query may cost before obsgate refuses it.

A merge gate reads files from pull requests, so every input is bounded before it reaches a parser
that could be made to loop, exhaust memory or (promql-parser is native Rust) overflow its stack.
Every limit is far above what a real project writes; hitting one is an error on the input's
`path:line`, never a traceback, a hang or a crash. README "Input limits" lists them.

This module sits in the model layer because the vocabulary parses queries on construction.
"""
from __future__ import annotations

import promql_parser

# --- files --------------------------------------------------------------------------------------
#: Largest file read (bytes). A large real dashboard is ~2 MB and a large rule file ~5 MB.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Seconds one file may take to be read and parsed (a stalled disk or a pathological parse). A valid
#: 50 MB rule file takes 30-80 s on a busy 2-core machine, so this only stops what would never end.
FILE_TIME_BUDGET = 180.0
#: Deepest nesting of mappings/sequences (YAML) or objects/arrays (JSON). Dashboards nest ~12 deep.
MAX_NESTING = 100
#: Nodes a YAML document may gain by expanding aliases (`*name`) beyond those written out.
#: Compose files reuse anchors for a few hundred nodes; a 600-byte "billion laughs" asks for 10**9.
MAX_ALIAS_EXPANSION = 100_000

# --- PromQL -------------------------------------------------------------------------------------
#: Longest expression (characters). Real alert and panel queries stay under 4 KB.
MAX_EXPR_CHARS = 32 * 1024
#: Most binary operators in one expression. `a + b + c` nests left, so operators are nesting depth
#: for the parser; promql-parser overflows its stack (SIGSEGV) near 4,000 and Python walkers at ~900.
MAX_EXPR_OPERATORS = 400
#: Deepest bracket nesting (`(`, `[`, `{`, function calls) in one expression.
MAX_EXPR_NESTING = 100


class LimitError(ValueError):
    """An input exceeds one of the limits above; the message names the limit and the value found."""


_OPEN, _CLOSE = "([{", ")]}"
_OPERATOR_CHARS = set("+-*/%^<>=!")
_WORD_OPERATORS = {"and", "or", "unless", "atan2"}


def check_promql(expr: str) -> None:
    """Raise LimitError when `expr` is too long, has too many operators or nests too deep.

    A linear scan that skips string literals and label matchers; it over-counts (a `-` in `1e-3` is
    an operator here), which only makes it stricter, never lets a crashing expression through.
    """
    if not isinstance(expr, str):
        return
    if len(expr) > MAX_EXPR_CHARS:
        raise LimitError(f"expression is {len(expr):,} characters long; the limit is {MAX_EXPR_CHARS:,}")
    low = expr.lower()
    if sum(map(expr.count, _OPEN)) <= MAX_EXPR_NESTING and sum(map(expr.count, _OPERATOR_CHARS)) + sum(
            map(low.count, _WORD_OPERATORS)) <= MAX_EXPR_OPERATORS:
        return  # cannot exceed either limit: the scan below counts at most these (20,000 rules: 5 s -> 0.1 s)
    depth = deepest = operators = 0
    braces = 0
    i, n = 0, len(expr)
    word = []
    while i < n:
        c = expr[i]
        if c in "\"'`":
            end = i + 1
            while end < n and expr[end] != c:
                end += 2 if expr[end] == "\\" and c != "`" else 1
            i = end + 1
            continue
        if c == "#":  # a comment runs to the end of the line
            nl = expr.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        if c.isalnum() or c == "_":
            word.append(c)
            i += 1
            continue
        if word:
            if "".join(word).lower() in _WORD_OPERATORS and not braces:
                operators += 1
            word = []
        if c in _OPEN:
            depth += 1
            braces += c == "{"
            deepest = max(deepest, depth)
        elif c in _CLOSE:
            depth = max(0, depth - 1)
            braces = max(0, braces - (c == "}"))
        elif c in _OPERATOR_CHARS and not braces:
            operators += 1
            while i + 1 < n and expr[i + 1] in "=~":  # `==`, `!=`, `<=`, `>=` are one operator
                i += 1
        i += 1
    if word and "".join(word).lower() in _WORD_OPERATORS:
        operators += 1
    if operators > MAX_EXPR_OPERATORS:
        raise LimitError(f"expression has {operators:,} operators; the limit is {MAX_EXPR_OPERATORS:,}")
    if deepest > MAX_EXPR_NESTING:
        raise LimitError(f"expression nests {deepest:,} brackets deep; the limit is {MAX_EXPR_NESTING:,}")


def parse_promql(expr: str):
    """The one door to promql-parser's `parse`: the limits are checked before the native parser runs.

    Raises LimitError, or what promql-parser raises for a syntax error (ValueError/RuntimeError).
    """
    check_promql(expr)
    return promql_parser.parse(expr)
