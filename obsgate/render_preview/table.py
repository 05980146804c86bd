"""Table panels: a row per series, its labels as columns and its reduced value last."""
from __future__ import annotations

from ..preview.data import PanelData, reduce
from ..preview.spec import PanelSpec
from .canvas import BORDER, MUTED, TEXT, Canvas, fit
from .values import shown


def table(c: Canvas, s: PanelSpec, data: PanelData, left, top, width, height) -> tuple[str, ...]:
    keys = sorted({k for x in data.series for k, _ in x.labels if k != "__name__"})
    header = keys + ["Value"] if keys else ["Series", "Value"]
    rows = []
    for i, x in enumerate(data.series):
        labels = dict(x.labels)
        cells = [labels.get(k, "") for k in keys] if keys else [x.name]
        rows.append(cells + [shown(s, i, reduce(x.values, s.calc))[0]])
    col_w = width / len(header)
    line = 20
    room = max(1, int((height - line) // line))
    for j, h in enumerate(header):
        c.text(left + j * col_w + 6, top + 3, fit(h, col_w - 10, 11, "bold"), px=11, style="bold", color=TEXT)
    c.box(left, top + line - 1, width, 1, BORDER)
    kept = rows if len(rows) <= room else rows[: room - 1]
    for i, cells in enumerate(kept):
        y = top + line * (i + 1) + 3
        if i % 2:
            c.box(left, y - 3, width, line, "#1F2226")
        for j, cell in enumerate(cells):
            c.text(left + j * col_w + 6, y, fit(cell, col_w - 10, 11), px=11, color=TEXT)
    if len(kept) < len(rows):
        c.text(left + 6, top + line * (len(kept) + 1) + 3, f"+{len(rows) - len(kept)} more rows", px=11,
               color=MUTED)
    return tuple(x.name for x in data.series)
