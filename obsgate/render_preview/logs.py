"""Logs panels: the latest lines, a level colour bar and the time on each."""
from __future__ import annotations

from datetime import datetime, timezone

from ..preview.data import PanelData
from ..preview.spec import PanelSpec
from .canvas import MUTED, Canvas, fit, text_width


LEVEL_COLORS = {"error": "#F2495C", "err": "#F2495C", "critical": "#B877D9", "warn": "#FADE2A",
                "warning": "#FADE2A", "info": "#73BF69", "debug": "#5794F2"}


def logs(c: Canvas, s: PanelSpec, data: PanelData, panel: dict, left, top, width, height) -> tuple[str, ...]:
    options = panel.get("options") or {}
    lines = sorted(data.logs, key=lambda entry: entry.time, reverse=options.get("sortOrder") != "Ascending")
    row, px = 15, 10.5
    room = max(1, int(height // row))
    show_time = options.get("showTime", True)
    for i, entry in enumerate(lines[:room]):
        y = top + i * row
        level = dict(entry.labels).get("level", dict(entry.labels).get("detected_level", ""))
        c.box(left, y + 1, 3, row - 3, LEVEL_COLORS.get(str(level).lower(), MUTED))
        x = left + 8
        if show_time:
            stamp = datetime.fromtimestamp(entry.time, timezone.utc).strftime("%H:%M:%S")
            c.text(x, y, stamp, px=px, style="mono", color=MUTED)
            x += text_width(stamp, px, "mono") + 6
        c.text(x, y, fit(entry.line.replace("\n", " "), left + width - x, px, "mono"), px=px, style="mono")
    if len(lines) > room:
        c.text(left + width, top + height - row, f"latest {room} of {len(lines)} lines", px=10, color=MUTED, ha="right")
    return ()
