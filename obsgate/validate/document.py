"""A parsed YAML or JSON file that can say on which line any of its values was written.

Checks address values by path (`("groups", 0, "rules", 2, "expr")`); the line map is built from
PyYAML's node marks only when a line is first asked for, so files without findings cost one parse.
The readers (obsgate/inputs/) bound aliases, nesting and duplicate keys before anything walks the data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..inputs import InputError, jsonload, yamlload

Path_ = tuple  # ("groups", 0, "rules", 1) — keys of mappings and indexes of sequences

ParseError = InputError  # the readers' one error: message, 1-based line (0 when unknown), hint


@dataclass
class Document:
    text: str
    data: Any
    is_json: bool = False
    _lines: dict | None = field(default=None, repr=False)
    node: Any = field(default=None, repr=False)  # YAML: the node graph the data came from

    def line(self, path: Path_ = ()) -> int:
        """The 1-based line of the value at `path`, or of its nearest ancestor that has one."""
        if self.node is not None:
            return yamlload.node_line(self.node, tuple(path)) or 1
        if self._lines is None:
            self._lines = yamlload.line_map(self.text)
        path = tuple(path)
        while path and path not in self._lines:
            path = path[:-1]
        return self._lines.get(path, 1)


def parse(text: str, is_json: bool = False) -> Document:
    """Parse YAML (or JSON when `is_json`) within the input limits; raises ParseError naming the line."""
    if is_json:
        return Document(text, jsonload.load(text), True)
    data, node = yamlload.load_with_node(text)
    return Document(text, data, node=node)


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
