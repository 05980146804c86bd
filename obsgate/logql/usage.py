"""What a query asks of its log streams, for cross-checks against a catalog: per stream selector, the
matchers and, in pipeline order, which parsers run and which labels are used or created.

Events of `SelectorUse.events`, in order:
  ("parser", kind, names)  kind json/logfmt/regexp/pattern/unpack; names: the labels it extracts, or
                           None when it extracts every field of the line (json/logfmt/unpack without params)
  ("adds", names)          labels created by label_format
  ("uses", name, how)      a label read by a label filter, `unwrap`, or a `by`/`without` grouping
"""
from __future__ import annotations

from typing import NamedTuple

from . import nodes as n
from .labelparsers import compile_pattern
from .regex import compile_re2


class SelectorUse(NamedTuple):
    matchers: tuple
    events: tuple
    pos: tuple  # (line, column) of the selector's `{`


def uses(query) -> list[SelectorUse]:
    root = query.root
    if isinstance(root, n.LogSelector):
        return [SelectorUse(root.matchers, tuple(_stages(root.stages)), root.pos)]
    out: list[SelectorUse] = []
    _walk(root, (), out)
    return out


def _walk(node, groupings: tuple, out: list) -> None:
    if isinstance(node, n.RangeAgg):
        events = _stages(node.selector.stages)
        if node.unwrap is not None:
            events.append(("uses", node.unwrap.label, "unwrap"))
            events += _stages(node.post_unwrap)
        for g in ((node.grouping,) if node.grouping else ()) + groupings:
            events += [("uses", name, "without" if g.without else "by") for name in g.labels]
        out.append(SelectorUse(node.selector.matchers, tuple(events), node.selector.pos))
        return
    if isinstance(node, n.VectorAgg) and node.grouping is not None and node.grouping.labels:
        groupings = groupings + (node.grouping,)
    for child in n.children(node):
        _walk(child, groupings, out)


def _stages(stages) -> list:
    events: list = []
    for s in stages:
        if isinstance(s, n.Parser):
            if s.kind in ("json", "logfmt"):
                events.append(("parser", s.kind, tuple(label for label, _ in s.params) if s.params else None))
            elif s.kind == "unpack":
                events.append(("parser", "unpack", None))
            elif s.kind == "regexp":
                events.append(("parser", "regexp", tuple(compile_re2(s.arg).groupindex)))
            else:
                events.append(("parser", "pattern", tuple(v for k, v in compile_pattern(s.arg)
                                                          if k == "capture" and v != "_")))
        elif isinstance(s, n.LabelFormat):
            events.append(("adds", tuple(dst for dst, _, _ in s.items)))
        elif isinstance(s, n.LabelFilter):
            events += [("uses", name, "filter") for name in _filter_names(s.expr)]
    return events


def _filter_names(expr) -> list[str]:
    if isinstance(expr, (n.FilterAnd, n.FilterOr)):
        return _filter_names(expr.left) + _filter_names(expr.right)
    return [expr.name]
