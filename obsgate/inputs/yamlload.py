"""The project's one YAML loader: aliases bounded before anything expands them, duplicate keys and
over-deep nesting refused, and a line map that never follows an alias.

A "billion laughs" document is small as a node graph (libyaml shares the aliased node), so the graph
is measured first: every unique node once, the expansion computed per node from its children. Only
a document within MAX_ALIAS_EXPANSION is constructed or walked by anyone.
"""
from __future__ import annotations

from typing import Any

import yaml

from ..model.limits import MAX_ALIAS_EXPANSION, MAX_NESTING
from .errors import InputError

class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader, reading YAML 1.1's value tag (a bare `=`, as in a CRD's enum) as the string it is,
    as Go's yaml (kubectl, promtool) does, instead of failing to construct it."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
_LOADER = _Loader
_MERGE = "tag:yaml.org,2002:merge"


class LineDict(dict):
    """A mapping that remembers the 1-based line it starts on (for `load(text, marked=True)`)."""

    line = 0


class _MarkedLoader(_LOADER):
    """Builds LineDicts; used only after `inspect` has passed the node graph."""


def _construct_marked(loader, node):
    m = LineDict(loader.construct_mapping(node, deep=True))
    m.line = node.start_mark.line + 1
    return m


_MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_marked)


def load(text: str, marked: bool = False) -> Any:
    """The data of a one-document YAML text; raises InputError naming the line.

    With `marked`, every mapping is a LineDict carrying its line.
    """
    return load_with_node(text, marked)[0]


def load_with_node(text: str, marked: bool = False) -> tuple[Any, Any]:
    """`load`, and the node graph it was built from (lines of any value, without a second parse)."""
    loader = (_MarkedLoader if marked else _LOADER)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        inspect(node, aliases="&" in text)
        if marked or "&" in text:  # LineDicts, or anchors (shared and possibly recursive nodes)
            return loader.construct_document(node), node
        return _plain(loader, node), node
    except yaml.YAMLError as exc:
        raise _error(exc) from None
    except RecursionError:
        raise InputError(f"nested more than {MAX_NESTING} levels deep", 1) from None
    finally:
        loader.dispose()


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _plain(loader, node):
    """The data of an anchor-free node graph: strings, mappings and lists built directly (ten times faster
    than SafeConstructor's generators on a 20,000-rule file); every other tag, merge keys and unhashable
    keys through SafeConstructor itself, so the result is the same."""
    tag = node.tag
    if tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    if tag == _MAP and isinstance(node, yaml.MappingNode) and not any(k.tag == _MERGE for k, _ in node.value):
        out = {}
        try:
            for key, value in node.value:
                out[_plain(loader, key)] = _plain(loader, value)
        except TypeError:  # an unhashable key: SafeConstructor says so, naming the line
            return loader.construct_object(node, deep=True)
        return out
    if tag == _SEQ and isinstance(node, yaml.SequenceNode):
        return [_plain(loader, item) for item in node.value]
    return loader.construct_object(node, deep=True)


def node_line(root, path: tuple) -> int | None:
    """The 1-based line of the value at `path` in a node graph (a key's line for mapping values), or of its
    nearest ancestor; None for an empty graph. Walks only the path: O(depth), not the whole document."""
    if root is None:
        return None
    node, line = root, _line(root)
    for step in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == step or k.value == str(step)), None)
            if pair is None:
                break
            line, node = _line(pair[0]), pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = _line(node)
        else:
            break
    return line


def compose(text: str):
    """The node graph of `text` (checked like `load`), or raise InputError."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            inspect(node, aliases="&" in text)
        return node
    except yaml.YAMLError as exc:
        raise _error(exc) from None
    finally:
        loader.dispose()


def _error(exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return InputError(message, mark.line + 1 if mark is not None else 0, "fix the YAML syntax at that line")


def _line(node) -> int:
    return node.start_mark.line + 1


def inspect(root, aliases: bool = True) -> None:
    """Refuse duplicate keys, nesting deeper than MAX_NESTING and alias expansion past the limit.

    One depth-first walk in document order visits each unique node once, so an alias never multiplies
    the work; a node's expanded size is summed from its children when it is left (post-order).
    `aliases=False` (no `&` in the text, hence no alias) skips the size count.
    """
    size: dict[int, int] = {}
    seen: set[int] = set()
    unique = 0
    stack = [(root, 1, False)]
    while stack:
        node, depth, leaving = stack.pop()
        if leaving:
            total = 1
            for child in _children(node):
                if isinstance(child, yaml.ScalarNode):
                    total += 1
                elif id(child) in size:
                    total += size[id(child)]
                else:  # entered but not left: the child is an ancestor
                    raise InputError("an alias refers to a node that contains it (a recursive alias)", _line(child),
                                     "recursive YAML structures cannot be expanded; write the value out")
            size[id(node)] = total
            unique += 1 + sum(isinstance(c, yaml.ScalarNode) for c in _children(node))
            continue
        if id(node) in seen or isinstance(node, yaml.ScalarNode):
            continue
        seen.add(id(node))
        if depth > MAX_NESTING:
            raise InputError(f"nested more than {MAX_NESTING} levels deep", _line(node),
                             "flatten the structure; no real configuration nests this deep")
        if isinstance(node, yaml.MappingNode):
            keys: dict[tuple, int] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE:
                    ident = (key.tag, key.value)
                    if ident in keys:
                        raise InputError(f"duplicate key `{key.value}` (first at line {keys[ident]})", _line(key),
                                         "a key may appear once per mapping; the YAML reader would keep only the last")
                    keys[ident] = _line(key)
        if aliases:
            stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in reversed(_children(node)) if not isinstance(c, yaml.ScalarNode))
    if aliases:
        expanded = size.get(id(root), 1)
        if expanded - unique > MAX_ALIAS_EXPANSION:
            raise InputError(f"alias expansion adds {expanded - unique:,} nodes; the limit is {MAX_ALIAS_EXPANSION:,}",
                             _line(root), "a YAML alias bomb, or anchors reused far more than a configuration needs")


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [c for pair in node.value for c in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def line_map(text: str) -> dict:
    """{path: 1-based line} for every key and item; aliased nodes are not entered (their lines are the
    anchor's). Empty when the text does not compose."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return {}
    lines: dict = {}
    if root is None:
        return lines
    seen: set[int] = set()
    stack = [((), root)]
    while stack:
        path, node = stack.pop()
        lines.setdefault(path, _line(node))
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (key.value,)
                lines[child] = _line(key)
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((path + (i,), item))
    return lines
