"""A dashboard as the model holds it, and the grid and datasource variables every dashboard shares.

Board is data only; the authoring helpers (obsgate.dashboards) build it, generate/grafana writes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

# Every panel and target names its datasource through a dashboard variable, never a fixed datasource.
PROMETHEUS_VAR = "datasource"
LOKI_VAR = "loki"
PROMETHEUS = {"type": "prometheus", "uid": "${%s}" % PROMETHEUS_VAR}
LOKI = {"type": "loki", "uid": "${%s}" % LOKI_VAR}
GRID_WIDTH = 24


@dataclass(frozen=True)
class Board:
    """A dashboard definition: grafanalib Dashboard (from .py) or a plain dict (from .jsonnet)."""

    uid: str
    dashboard: Any
    path: str
    line: int = 0
    suppress: dict = field(default_factory=dict)  # panel title -> tuple[Suppress, ...]


def flow(sizes: Sequence[tuple[int, int, bool]]) -> list[tuple[int, int, int, int]]:
    """(w, h, breaks_line) per panel -> (x, y, w, h): the deterministic grid layout of every dashboard."""
    out = []
    x = y = line_h = 0
    for w, h, breaks in sizes:
        if breaks or x + w > GRID_WIDTH:
            y, x, line_h = y + line_h, 0, 0
        out.append((x, y, w, h))
        x, line_h = x + w, max(line_h, h)
        if breaks:
            y, x, line_h = y + h, 0, 0
    return out
