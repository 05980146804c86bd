"""Heatmap panels: buckets (cumulative `le` buckets de-accumulated) by time, as one image."""
from __future__ import annotations

import math

import matplotlib
import numpy as np

from ..preview.data import PanelData
from ..preview.spec import PanelSpec
from ..preview.timerange import Window
from ..preview.units import format_value
from .axes import time_labels, time_ticks
from .canvas import MUTED, PANEL_BG, Canvas, fit


def _le(labels) -> float | None:
    value = dict(labels).get("le")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def heatmap(c: Canvas, s: PanelSpec, data: PanelData, win: Window, left, top, width, height) -> tuple[str, ...]:
    series = [x for x in data.series if x.values]
    buckets = sorted(series, key=lambda x: (_le(x.labels) is None, _le(x.labels) or 0.0, x.name))
    times = sorted({t for x in buckets for t in x.times})
    index_of = {t: i for i, t in enumerate(times)}
    grid = [[math.nan] * len(times) for _ in buckets]
    for r, x in enumerate(buckets):
        for t, v in zip(x.times, x.values):
            grid[r][index_of[t]] = v
    if all(_le(x.labels) is not None for x in buckets):  # cumulative `le` buckets: counts per bucket
        for r in range(len(grid) - 1, 0, -1):
            grid[r] = [max(0.0, a - b) if not (math.isnan(a) or math.isnan(b)) else a
                       for a, b in zip(grid[r], grid[r - 1])]
    axis_w = 64
    p_left, p_top, p_w, p_h = left + axis_w, top + 4, int(width - axis_w - 8), int(height - 28)
    cells = np.array(grid, dtype=float) if grid and times else np.full((1, 1), np.nan)
    finite = cells[~np.isnan(cells)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    scale = (cells - low) / ((high - low) or 1.0)
    col_of = np.clip(np.searchsorted(np.array(times or [win.start]),
                                     win.start + (np.arange(p_w) + 0.5) / p_w * win.seconds, side="right") - 1,
                     0, cells.shape[1] - 1)
    row_of = np.clip(((1 - (np.arange(p_h) + 0.5) / p_h) * cells.shape[0]).astype(int), 0, cells.shape[0] - 1)
    picked = scale[row_of][:, col_of]
    if times:  # no colour before the first sample or after the last one's step
        when = win.start + (np.arange(p_w) + 0.5) / p_w * win.seconds
        picked[:, (when < times[0]) | (when > times[-1] + win.step)] = np.nan
    rgba = (matplotlib.colormaps["Oranges"](np.nan_to_num(picked, nan=0.0)) * 255).astype(np.uint8)
    rgba[np.isnan(picked)] = [int(PANEL_BG[i:i + 2], 16) for i in (1, 3, 5)] + [255]
    c.image(rgba, p_left, p_top)
    names = [format_value(_le(x.labels), s.unit, s.decimals) if _le(x.labels) is not None and not math.isinf(
        _le(x.labels)) else ("+Inf" if _le(x.labels) is not None else x.name) for x in buckets]
    a_top, a_h = p_top, p_h
    every = max(1, math.ceil(len(names) * 14 / max(a_h, 1)))
    for r, name in enumerate(names):
        if r % every == 0:
            c.text(left + axis_w - 6, a_top + a_h * (1 - (r + 0.5) / len(names)), fit(name, axis_w - 8, 10), px=10,
                   color=MUTED, ha="right", va="center")
    ticks = time_ticks(win, max(2, int(p_w / 110)))
    time_labels(c, ticks, [p_left + p_w * (t - win.start) / win.seconds for t, _ in ticks], p_left, p_w, a_top + a_h + 4)
    return tuple(x.name for x in buckets)
