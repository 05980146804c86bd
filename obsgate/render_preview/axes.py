"""Around a plot: value and time ticks with their labels, grid lines, and the legend under it."""
from __future__ import annotations

import math
from datetime import datetime, timezone

from matplotlib.ticker import MaxNLocator

from ..preview.spec import PanelSpec
from ..preview.timerange import Window
from ..preview.units import format_value
from .canvas import GRID, MUTED, Canvas, fit, text_width


def time_ticks(win: Window, n: int = 6) -> list[tuple[float, str]]:
    span = max(win.seconds, 1.0)
    nice = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800,
            604800)
    step = next((s for s in nice if span / s <= n), 604800 * math.ceil(span / (604800 * n)))
    first = math.ceil(win.start / step) * step
    fmt = "%m-%d %H:%M" if span > 86400 else ("%H:%M:%S" if step < 60 else "%H:%M")
    out, t = [], first
    while t <= win.end:
        out.append((t, datetime.fromtimestamp(t, timezone.utc).strftime(fmt)))
        t += step
    return out


def value_ticks(lo: float, hi: float) -> list[float]:
    ticks = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return [t for t in ticks if lo - 1e-12 <= t <= hi + 1e-12]


def legend(c: Canvas, names: list[str], cols: list[str], left, top, width, lines: int) -> None:
    x, y, px, line = left, top, 11, 0
    for i, (name, color) in enumerate(zip(names, cols)):
        text = fit(name, width - 24, px)
        need = 18 + text_width(text, px) + 14
        if x > left and x + need > left + width:
            line += 1
            x, y = left, y + 15
        if line >= lines:
            c.text(left + width, top + (lines - 1) * 15, f"+{len(names) - i} more", px=px, color=MUTED, ha="right")
            return
        c.box(x, y + 5, 12, 3, color)
        c.text(x + 16, y, text, px=px)
        x += need


def legend_lines(names: list[str], width: float, limit: int = 3) -> int:
    lines, x = 1, 0.0
    for name in names:
        need = 18 + text_width(fit(name, width - 24, 11), 11) + 14
        if x and x + need > width:
            lines, x = lines + 1, 0.0
        x += need
    return min(lines, limit)


def plot_frame(c: Canvas, s: PanelSpec, win: Window, lo: float, hi: float, plot) -> None:
    """Grid lines and the value and time labels around a plot box."""
    left, top, width, height = plot
    yt = value_ticks(lo, hi)
    xt = time_ticks(win, max(2, int(width / 110)))
    ys = [top + height * (1 - (t - lo) / (hi - lo)) for t in yt]
    xs = [left + width * (t - win.start) / win.seconds for t, _ in xt]
    c.segments([((left, y), (left + width, y)) for y in ys] + [((x, top), (x, top + height)) for x in xs], GRID)
    for t, y in zip(yt, ys):
        c.text(left - 6, y, format_value(t, s.unit, s.decimals), px=10, color=MUTED, ha="right", va="center")
    time_labels(c, xt, xs, left, width, top + height + 4)


def time_labels(c: Canvas, ticks, xs, left: float, width: float, y: float) -> None:
    """Time labels centred on their grid lines, kept inside the plot's width."""
    for (_, label), x in zip(ticks, xs):
        half = text_width(label, 10) / 2
        c.text(min(max(x, left + half), left + width - half), y, label, px=10, color=MUTED, ha="center")
