"""The LogQL syntax tree: plain frozen data, built by parser.py and read by the evaluator and the checks."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple


@lru_cache(maxsize=4096)
def anchored(pattern: str) -> re.Pattern:
    """A label-matcher regex: anchored at both ends, as in Prometheus and Loki."""
    return re.compile(f"(?s:{pattern})\\Z")


class Matcher(NamedTuple):
    name: str
    op: str  # "=", "!=", "=~", "!~"
    value: str

    def matches(self, value: str) -> bool:
        op = self.op
        if op == "=":
            return value == self.value
        if op == "!=":
            return value != self.value
        hit = anchored(self.value).match(value) is not None
        return hit if op == "=~" else not hit

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{_escape(self.value)}"'


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class Pos(NamedTuple):
    line: int
    column: int


# --- log pipeline stages ------------------------------------------------------------------------

@dataclass(frozen=True)
class LineFilter:
    op: str  # "|=", "!=", "|~", "!~", "|>", "!>"
    values: tuple[str, ...]  # chained with `or`


@dataclass(frozen=True)
class Parser:
    kind: str  # "json", "logfmt", "regexp", "pattern", "unpack"
    params: tuple[tuple[str, str], ...] = ()  # json/logfmt: (label, expression or key)
    arg: str = ""  # regexp / pattern text
    strict: bool = False
    keep_empty: bool = False


@dataclass(frozen=True)
class Compare:
    """`name op value` in a label filter; kind is "string", "number", "duration" or "bytes"."""
    name: str
    op: str
    kind: str
    value: object  # str (string / regex), float (number, duration in seconds, bytes)
    text: str = ""


@dataclass(frozen=True)
class FilterAnd:
    left: object
    right: object


@dataclass(frozen=True)
class FilterOr:
    left: object
    right: object


@dataclass(frozen=True)
class LabelFilter:
    expr: object  # Compare | FilterAnd | FilterOr


@dataclass(frozen=True)
class LineFormat:
    template: str


@dataclass(frozen=True)
class LabelFormat:
    items: tuple[tuple[str, str, str], ...]  # (dst, "rename" | "template", src name or template)


@dataclass(frozen=True)
class DropKeep:
    kind: str  # "drop" | "keep"
    items: tuple  # names (str) or Matcher


@dataclass(frozen=True)
class Decolorize:
    pass


@dataclass(frozen=True)
class Unwrap:
    label: str
    conv: str = ""  # "", "duration", "duration_seconds", "bytes"


# --- expressions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogSelector:
    matchers: tuple[Matcher, ...]
    stages: tuple = ()
    pos: tuple = field(default=(1, 1), compare=False)  # (line, column) of `{` in the query text


@dataclass(frozen=True)
class Grouping:
    without: bool
    labels: tuple[str, ...]


@dataclass(frozen=True)
class RangeAgg:
    op: str
    selector: LogSelector
    range_ns: int
    offset_ns: int = 0
    unwrap: Unwrap | None = None
    post_unwrap: tuple = ()  # label filters after `| unwrap`
    grouping: Grouping | None = None
    param: float | None = None


@dataclass(frozen=True)
class VectorAgg:
    op: str
    expr: object
    grouping: Grouping | None = None
    param: float | None = None


@dataclass(frozen=True)
class VectorMatching:
    on: bool  # True: on(labels); False: ignoring(labels)
    labels: tuple[str, ...]
    card: str = ""  # "", "group_left", "group_right"
    include: tuple[str, ...] = ()


@dataclass(frozen=True)
class BinOp:
    op: str
    left: object
    right: object
    bool_mod: bool = False
    matching: VectorMatching | None = None


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class VectorLit:
    value: float


@dataclass(frozen=True)
class LabelReplace:
    expr: object
    dst: str
    replacement: str
    src: str
    regex: str


@dataclass(frozen=True)
class Paren:
    expr: object


def children(node) -> tuple:
    """The sub-expressions of a metric node (for walks)."""
    if isinstance(node, (VectorAgg, LabelReplace, Paren)):
        return (node.expr,)
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, RangeAgg):
        return (node.selector,)
    return ()


def walk(node):
    """Every node of an expression, parents first (iterative: depth is bounded by the parser anyway)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))
