"""Panels that show one value per series: stat (with its sparkline), gauge and bargauge; their colours,
texts, mappings and overrides."""
from __future__ import annotations

import math

from ..preview import colors, mappings
from ..preview.data import PanelData, reduce
from ..preview.spec import PanelSpec
from ..preview.units import format_value
from .canvas import GRID, MUTED, TEXT, Canvas, fit, text_width


def override_of(s: PanelSpec, i: int) -> mappings.Override:
    return s.series_overrides[i] if i < len(s.series_overrides) else mappings.Override()


def series_color(s: PanelSpec, i: int, value: float | None, lo=None, hi=None) -> str:
    """An override's fixed colour, else the panel's: fixed, threshold step of `value`, or the classic palette."""
    if override_of(s, i).color:
        return override_of(s, i).color
    if s.color_mode == "fixed" and s.fixed_color:
        return colors.hex_color(s.fixed_color)
    if s.color_mode == "thresholds" or s.type in ("gauge", "bargauge"):
        return colors.threshold_color(value, s.thresholds, s.minimum if lo is None else lo,
                                      s.maximum if hi is None else hi)
    return colors.series_color(i)


def series_colors(s: PanelSpec, series) -> list[str]:
    return [series_color(s, i, reduce(x.values)) for i, x in enumerate(series)]


def shown(s: PanelSpec, i: int, value: float | None, lo=None, hi=None) -> tuple[str, str]:
    """The text and colour of one value: unit (an override's first), then a matching value mapping."""
    text = format_value(value, override_of(s, i).unit or s.unit, s.decimals) if value is not None else s.no_value
    mapped = mappings.map_value(value, s.mappings, text)
    return (mapped.text if mapped.text is not None else text), (mapped.color or series_color(s, i, value, lo, hi))


def tiles(n: int, width: float, height: float, aspect: float = 2.2, min_w: float = 120, min_h: float = 48
           ) -> tuple[int, int]:
    """Columns and rows for n value tiles: side by side in a wide panel and stacked in a tall one (Grafana's
    auto orientation) while they stay readable, else the grid whose tiles come nearest `aspect`."""
    if width >= height and width / max(n, 1) >= min_w:
        return max(n, 1), 1
    if height > width and height / max(n, 1) >= min_h:
        return 1, max(n, 1)
    best = (n, 1)
    best_score = -1.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        w, h = width / cols, height / rows
        score = min(w / aspect, h)
        if score > best_score + 1e-9:
            best, best_score = (cols, rows), score
    return best


def values_of(s: PanelSpec, data: PanelData) -> list[tuple[str, float | None]]:
    """One value per series; NaN when it has samples but no number (printed "NaN" as Grafana does)."""
    out = []
    for x in data.series:
        value = reduce(x.values, s.calc)
        out.append((x.name, math.nan if value is None and x.values else value))
    return out


def stat(c: Canvas, s: PanelSpec, data: PanelData, left, top, width, height) -> tuple[str, ...]:
    values = values_of(s, data)
    cols, rows = tiles(len(values), width, height)
    tw, th = width / cols, height / rows
    texts_colors = [shown(s, i, v) for i, (_, v) in enumerate(values)]
    texts = [t for t, _ in texts_colors]
    show_name = len(values) > 1
    label_px = min(13, max(9, th / 6))
    room = th - (label_px + 10 if show_name else 0)
    px = max(10.0, min(room * 0.55, 64.0))
    widest = max((text_width(t, px, "bold") for t in texts), default=0.0)
    if widest > tw - 16:  # one size for every value of the panel, the widest fitting its tile
        px = max(8.0, px * (tw - 16) / widest)
    for i, ((name, value), (text, color)) in enumerate(zip(values, texts_colors)):
        x, y = left + (i % cols) * tw, top + (i // cols) * th
        fg = color
        if s.stat_color_mode == "background":
            c.box(x + 2, y + 2, tw - 4, th - 4, color)
            fg = "#FFFFFF"
        elif s.stat_color_mode == "none":
            fg = TEXT
        if s.graph_mode == "area" and i < len(data.series):
            sparkline(c, data.series[i], (x + 2, y + th * 0.66, tw - 4, th * 0.34 - 2),
                       "#FFFFFF" if fg == "#FFFFFF" else color)
        if show_name:
            c.text(x + tw / 2, y + 6, fit(name, tw - 8, label_px), px=label_px, color=fg if fg == "#FFFFFF" else TEXT,
                   ha="center")
        c.text(x + tw / 2, y + th - room / 2, text, px=px, color=fg, style="bold", ha="center", va="center")
    return tuple(n for n, _ in values)


def sparkline(c: Canvas, series, box, color: str) -> None:
    """A stat's area graph of its series across the tile's lower part (Grafana's graphMode area)."""
    left, top, width, height = box
    points = [(t, v) for t, v in zip(series.times, series.values) if not math.isnan(v)]
    if len(points) < 2 or width <= 0 or height <= 0:
        return
    t0, t1 = points[0][0], points[-1][0]
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    mid = (hi + lo) / 2
    spread = max(hi - lo, abs(mid) * 0.2) or 1.0  # a near-constant series stays near flat, its noise not blown up
    lo, span = mid - spread / 2, (t1 - t0) or 1.0
    xs = [left + width * (t - t0) / span for t, _ in points]
    ys = [top + height * (1 - (v - lo) / spread) for _, v in points]
    c.polygons([list(zip(xs, ys)) + [(xs[-1], top + height), (xs[0], top + height)]], color, alpha=0.18, zorder=0.8)
    c.line(xs, ys, color, width=1.0, zorder=0.9)


def bounds(s: PanelSpec, values: list[float | None]) -> tuple[float, float]:
    finite = [v for v in values if v is not None]
    lo = s.minimum if s.minimum is not None else min([0.0] + finite)
    hi = s.maximum if s.maximum is not None else (100.0 if not finite else max(finite + [lo + 1e-9]))
    if s.maximum is None and s.unit == "percentunit" and finite and max(finite) <= 1:
        hi = 1.0
    return lo, (hi if hi > lo else lo + 1.0)


def gauge(c: Canvas, s: PanelSpec, data: PanelData, left, top, width, height) -> tuple[str, ...]:
    values = values_of(s, data)
    lo, hi = bounds(s, [v for _, v in values])
    cols, rows = tiles(len(values), width, height, aspect=1.0, min_w=100, min_h=100)
    tw, th = width / cols, height / rows
    steps = colors.absolute_steps(s.thresholds, lo, hi)
    start, sweep = 225.0, 270.0  # the arc runs clockwise from lower left to lower right

    def angle(v: float) -> float:
        return start - sweep * min(max((v - lo) / (hi - lo), 0.0), 1.0)

    for i, (name, value) in enumerate(values):
        x, y = left + (i % cols) * tw, top + (i // cols) * th
        label_h = 16 if len(values) > 1 else 0
        size = max(10.0, min(tw, th - label_h - 14))
        cx, cy, radius = x + tw / 2, y + label_h + size / 2, size / 2
        c.wedge(cx, cy, radius * 0.86, start - sweep, start, radius * 0.2, GRID)
        for j, (bound, step_color) in enumerate(steps):  # the threshold steps as a thin outer ring
            upper = steps[j + 1][0] if j + 1 < len(steps) else hi
            a0, a1 = angle(max(bound, lo)), angle(min(upper, hi))
            if a0 > a1:
                c.wedge(cx, cy, radius * 0.98, a1, a0, radius * 0.08, step_color)
        text, color = shown(s, i, value, lo, hi)
        if value is not None and not math.isnan(value) and angle(value) < start:
            c.wedge(cx, cy, radius * 0.86, angle(value), start, radius * 0.2, color, zorder=2.2)
        px = max(9, min(size * 0.16, 1.15 * radius / (max(1, len(text)) * 0.62)))  # inside the arc
        c.text(x + tw / 2, y + label_h + size / 2, text, px=px, color=color, style="bold", ha="center", va="center")
        for v, dx in ((lo, -0.62), (hi, 0.62)):  # under the arc's two ends
            c.text(cx + dx * radius, cy + 0.8 * radius, format_value(v, s.unit, s.decimals), px=10, color=MUTED,
                   ha="center")
        if label_h:
            c.text(x + tw / 2, y + 2, fit(name, tw - 8, 11), px=11, ha="center")
    return tuple(n for n, _ in values)


def bargauge(c: Canvas, s: PanelSpec, data: PanelData, left, top, width, height) -> tuple[str, ...]:
    values = values_of(s, data)
    lo, hi = bounds(s, [v for _, v in values])
    vertical = s.orientation == "vertical"
    n = max(1, len(values))
    name_w = min(width * 0.3, 12 + max((text_width(name, 11) for name, _ in values), default=0))
    for i, (name, value) in enumerate(values):
        frac = 0.0 if value is None or math.isnan(value) else min(max((value - lo) / (hi - lo), 0.0), 1.0)
        text, color = shown(s, i, value, lo, hi)
        if vertical:
            bw = width / n
            x, bar_h = left + i * bw, height - 36
            c.box(x + 4, top + 18, bw - 8, bar_h, GRID)
            c.box(x + 4, top + 18 + bar_h * (1 - frac), bw - 8, bar_h * frac, color)
            c.text(x + bw / 2, top + 2, text, px=12, color=color, style="bold", ha="center")
            c.text(x + bw / 2, top + height - 16, fit(name, bw - 4, 10), px=10, ha="center")
        else:
            bh = min(height / n, 40)
            y = top + i * bh
            value_w = 10 + max(text_width(shown(s, k, v, lo, hi)[0], 13, "bold") for k, (_, v) in enumerate(values))
            bar_w = max(4.0, width - name_w - value_w - 12)
            c.text(left + 4, y + bh / 2, fit(name, name_w - 6, 11), px=11, va="center")
            c.box(left + name_w, y + 3, bar_w, bh - 6, GRID)
            c.box(left + name_w, y + 3, bar_w * frac, bh - 6, color)
            c.text(left + width - 4, y + bh / 2, text, px=13, color=color, style="bold", ha="right", va="center")
    return tuple(n for n, _ in values)
