"""Panels placed as Grafana places them: gridPos on a 24-column grid, 30 px rows with 8 px gutters.

Collapsed rows are drawn opened (their panels below the row, the rest pushed down), so nothing a
reviewer should see is hidden behind a click.
"""
from __future__ import annotations

from typing import NamedTuple

COLUMNS = 24
CELL_HEIGHT = 30  # Grafana's GRID_CELL_HEIGHT
MARGIN = 8  # Grafana's GRID_CELL_VMARGIN, the gutter between panels both ways
DEFAULT = {"x": 0, "w": 12, "h": 8}  # a panel without gridPos, as Grafana would add it


class Placed(NamedTuple):
    """A panel at grid coordinates (after opening collapsed rows); `row` is its row's title."""

    panel: dict
    x: int
    y: int
    w: int
    h: int
    row: str = ""


class Rect(NamedTuple):
    left: float
    top: float
    width: float
    height: float


def _grid(panel: dict, fallback_y: int) -> tuple[int, int, int, int]:
    pos = panel.get("gridPos") if isinstance(panel.get("gridPos"), dict) else {}

    def num(key: str, default: int) -> int:
        value = pos.get(key, default)
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default

    x = min(max(num("x", DEFAULT["x"]), 0), COLUMNS - 1)
    w = min(max(num("w", DEFAULT["w"]), 1), COLUMNS - x)
    h = max(num("h", DEFAULT["h"]), 1)
    y = max(num("y", fallback_y), 0)
    return x, y, w, h


def place(panels: list[dict]) -> list[Placed]:
    """Every panel with its grid position, in reading order (top to bottom, left to right)."""
    out: list[Placed] = []
    bottom = 0
    items = [(p, _grid(p, 0)) for p in panels if isinstance(p, dict)]
    items.sort(key=lambda item: ("gridPos" not in item[0], item[1][1], item[1][0]))  # no gridPos: appended
    shift, row = 0, ""
    for panel, (x, y, w, h) in items:
        if "gridPos" not in panel:
            y = max(bottom - shift, 0)
        y += shift
        if panel.get("type") == "row":
            row = str(panel.get("title") or "")
            out.append(Placed(panel, 0, y, COLUMNS, 1, row))
            bottom = max(bottom, y + 1)
            nested = [(p, _grid(p, 0)) for p in panel.get("panels") or [] if isinstance(p, dict)]
            if panel.get("collapsed") and nested:
                top = min(g[1] for _, g in nested)
                nested.sort(key=lambda item: (item[1][1], item[1][0]))
                for child, (cx, cy, cw, ch) in nested:
                    out.append(Placed(child, cx, y + 1 + cy - top, cw, ch, row))
                height = max(g[1] + g[3] for _, g in nested) - top
                shift += height
                bottom = max(bottom, y + 1 + height)
            continue
        out.append(Placed(panel, x, y, w, h, row))
        bottom = max(bottom, y + h)
    return out


def rows_used(placed: list[Placed]) -> int:
    return max((p.y + p.h for p in placed), default=0)


def column_width(width: float) -> float:
    """Pixels per grid column when the grid (gutters included) spans `width` pixels."""
    return (width + MARGIN) / COLUMNS


def rect(p: Placed, width: float, top: float = 0.0, left: float = 0.0) -> Rect:
    """The panel's pixel box (origin top-left) in a grid `width` pixels wide starting at (left, top)."""
    col = column_width(width)
    return Rect(left + p.x * col, top + p.y * (CELL_HEIGHT + MARGIN),
                p.w * col - MARGIN, p.h * (CELL_HEIGHT + MARGIN) - MARGIN)


def height(placed: list[Placed]) -> float:
    """Pixels the grid needs for these panels."""
    rows = rows_used(placed)
    return rows * (CELL_HEIGHT + MARGIN) - MARGIN if rows else 0.0
