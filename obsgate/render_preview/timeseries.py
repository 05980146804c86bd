"""Time series panels: lines, fills, bars or points, stacking, threshold lines and areas, the legend."""
from __future__ import annotations

import math

from ..preview import colors
from ..preview.data import PanelData, percent_stacked, stacked
from ..preview.spec import PanelSpec
from ..preview.timerange import Window
from .axes import legend, legend_lines, plot_frame
from .canvas import Canvas
from .values import series_colors


def _runs(xs, ys) -> list[list[int]]:
    """Index runs of finite points (a NaN ends a run, as a gap in Grafana)."""
    runs, run = [], []
    for i, y in enumerate(ys):
        if math.isnan(y):
            if run:
                runs.append(run)
            run = []
        else:
            run.append(i)
    return runs + ([run] if run else [])


def timeseries(c: Canvas, s: PanelSpec, data: PanelData, win: Window, left, top, width, height) -> tuple[str, ...]:
    every = series_colors(s, data.series)
    series = [x for x in data.series if x.values]
    cols = [color for x, color in zip(data.series, every) if x.values]
    names = [x.name for x in series]
    lines = legend_lines(names, width - 8) if s.show_legend and series else 0
    axis_w = 64
    plot = (left + axis_w, top + 4, width - axis_w - 8, height - 24 - lines * 15 - 4)
    p_left, p_top, p_w, p_h = plot
    values = [x.values for x in series]
    if s.stacking == "normal":
        values = stacked(values)
    elif s.stacking == "percent":
        values = percent_stacked(values)
    finite = [v for vals in values for v in vals if not math.isnan(v)]
    lo = s.minimum if s.minimum is not None else min(finite + [0.0] if finite and min(finite) >= 0 else finite or [0.0])
    hi = s.maximum if s.maximum is not None else max(finite or [1.0])
    if s.stacking == "percent" and s.maximum is None:
        hi = 1.0
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    if s.maximum is None:
        hi += (hi - lo) * 0.05

    def px_x(t: float) -> float:
        return p_left + p_w * (t - win.start) / win.seconds

    def px_y(v: float) -> float:
        return math.nan if math.isnan(v) else p_top + p_h * (1 - (v - lo) / (hi - lo))

    plot_frame(c, s, win, lo, hi, plot)
    if s.threshold_style != "off":
        bounds = colors.absolute_steps(s.thresholds, lo, hi)
        for j, (bound, color) in enumerate(bounds):
            upper = bounds[j + 1][0] if j + 1 < len(bounds) else hi
            if "area" in s.threshold_style and min(upper, hi) > max(bound, lo):
                y0, y1 = px_y(min(upper, hi)), px_y(max(bound, lo))
                c.box(p_left, y0, p_w, y1 - y0, color, alpha=0.15, zorder=0.2)
            if ("line" in s.threshold_style or "dash" in s.threshold_style) and not math.isinf(bound) \
                    and lo <= bound <= hi:
                c.line([p_left, p_left + p_w], [px_y(bound)] * 2, color, width=1, dashed="dash" in s.threshold_style,
                       zorder=2.5)
    below = None
    alpha = s.fill_opacity / 100
    bar_w = max(1.0, p_w * win.step / win.seconds * 0.8)
    for i, (x, vals) in enumerate(zip(series, values)):
        xs = [px_x(t) for t in x.times]
        ys = [px_y(v) for v in vals]
        base = below if below is not None and s.stacking in ("normal", "percent") else [max(lo, min(hi, 0.0))] * len(vals)
        if s.draw_style == "bars":
            c.polygons([[(xs[k] - bar_w / 2, px_y(base[k])), (xs[k] + bar_w / 2, px_y(base[k])),
                         (xs[k] + bar_w / 2, ys[k]), (xs[k] - bar_w / 2, ys[k])] for k in range(len(xs))
                        if not math.isnan(ys[k])], cols[i], alpha=max(alpha, 0.6), clip=plot)
        elif s.draw_style == "points":
            c.line(xs, ys, cols[i], marker="o", clip=plot)
        else:
            c.line(xs, ys, cols[i], clip=plot)
            if s.stacking in ("normal", "percent") or alpha:
                fill = max(alpha, 0.25) if s.stacking in ("normal", "percent") else alpha
                c.polygons([[(xs[k], ys[k]) for k in run] + [(xs[k], px_y(base[k])) for k in reversed(run)]
                            for run in _runs(xs, ys) if len(run) > 1], cols[i], alpha=fill, clip=plot)
            singles = [run[0] for run in _runs(xs, ys) if len(run) == 1]
            if singles:
                c.line([xs[k] for k in singles], [ys[k] for k in singles], cols[i], marker="o", clip=plot)
        below = [b if math.isnan(v) else v for b, v in zip(base, vals)]
    if lines:
        legend(c, names, cols, left + 8, top + height - lines * 15 - 2, width - 16, lines)
    return tuple(names)
