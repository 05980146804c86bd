"""A parsed YAML or JSON file that can say on which line any of its values was written.

Checks address values by path (`("groups", 0, "rules", 2, "expr")`); the line map is built from
PyYAML's node marks only when a line is first asked for, so files without findings cost one parse.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple  # ("groups", 0, "rules", 1) — keys of mappings and indexes of sequences


class ParseError(ValueError):
    """The text is not valid YAML/JSON; `line` is 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Document:
    text: str
    data: Any
    is_json: bool = False
    _lines: dict | None = field(default=None, repr=False)

    def line(self, path: Path_ = ()) -> int:
        """The 1-based line of the value at `path`, or of its nearest ancestor that has one."""
        if self._lines is None:
            self._lines = _line_map(self.text)
        path = tuple(path)
        while path and path not in self._lines:
            path = path[:-1]
        return self._lines.get(path, 1)


def parse(text: str, is_json: bool = False) -> Document:
    """Parse YAML (or JSON when `is_json`); raises ParseError naming the line."""
    if is_json:
        try:
            return Document(text, json.loads(text), True)
        except json.JSONDecodeError as exc:
            raise ParseError(f"invalid JSON: {exc.msg}", exc.lineno) from None
    try:
        return Document(text, yaml.load(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
        raise ParseError(message, mark.line + 1 if mark is not None else 0) from None


def _line_map(text: str) -> dict:
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:  # JSON that YAML cannot read (rare: tabs as indentation): no lines
        return {}
    lines: dict = {}
    if root is None:
        return lines
    stack = [((), root)]
    while stack:
        path, node = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (key.value,)
                lines[child] = key.start_mark.line + 1
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((path + (i,), item))
    return lines


def get(data: Any, path: Path_, default: Any = None) -> Any:
    """The value at `path`, or `default` when any step is missing or of the wrong type."""
    for step in path:
        if isinstance(step, int) and isinstance(data, list) and 0 <= step < len(data):
            data = data[step]
        elif isinstance(data, dict) and step in data:
            data = data[step]
        else:
            return default
    return data
