"""JSON read safely: duplicate keys and over-deep nesting are errors on their line, never a
RecursionError or a silently dropped value."""
from __future__ import annotations

import json
from typing import Any

import yaml

from ..model.limits import MAX_NESTING
from .errors import InputError
from .yamlload import _LOADER, inspect


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return out


def load(text: str) -> Any:
    """The data of a JSON text; raises InputError naming the line."""
    try:
        data = json.loads(text, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", exc.lineno, "fix the JSON syntax at that line") from None
    except _Duplicate as dup:
        line, first = _duplicate_lines(text, dup.key)
        raise InputError(f"duplicate key `{dup.key}`" + (f" (first at line {first})" if first else ""), line,
                         "a key may appear once per object; JSON readers keep only the last") from None
    except RecursionError:
        raise InputError(f"nested more than {MAX_NESTING} levels deep", _deep_line(text),
                         "flatten the structure; no real dashboard nests this deep") from None
    if text.count("[") + text.count("{") > MAX_NESTING:  # only then can it nest that deep
        _check_depth(data, text)
    return data


def _check_depth(data: Any, text: str) -> None:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise InputError(f"nested more than {MAX_NESTING} levels deep", _deep_line(text),
                             "flatten the structure; no real dashboard nests this deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))


def _deep_line(text: str) -> int:
    """The line where bracket depth (outside strings) first passes MAX_NESTING."""
    depth, line, in_string, escaped = 0, 1, False, False
    for c in text:
        if c == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif c in "]}":
            depth -= 1
    return 1


def _duplicate_lines(text: str, key: str) -> tuple[int, int]:
    """(line of the repeated key, line of its first occurrence), found through the YAML node graph
    (JSON is YAML); (0, 0) when that reader cannot place it."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        inspect(node, aliases=False)
    except InputError as exc:
        first = exc.message.rsplit("line ", 1)[-1].rstrip(")")
        return exc.line, int(first) if first.isdigit() else 0
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return 0, 0
