"""Dashboard previews drawn to PNG with matplotlib (Agg), and the files of a preview directory.

Shapes (lines, fills, bars, arcs, the heatmap) are matplotlib artists in pixel space, rasterised by Agg;
text is set afterwards with Pillow (matplotlib's imaging dependency) in the DejaVu fonts bundled with
matplotlib, which is several times cheaper than a matplotlib Text per label. Deterministic: fixed DPI,
fonts loaded by file (never a system font of the same name), no timestamps or software tags in the PNG;
the same data gives the same bytes. Every image says what it is: a preview drawn by obsgate, not Grafana.
"""
from __future__ import annotations

import io
import json
import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle, Wedge
from matplotlib.transforms import Bbox, IdentityTransform
from matplotlib.ticker import MaxNLocator
from PIL import Image, ImageDraw, ImageFont

from .preview import DISCLAIMER, colors, index, layout, mappings, markdown
from .preview.data import PanelData, percent_stacked, reduce, stacked
from .preview.spec import PanelSpec, spec
from .preview.timerange import Window
from .preview.units import format_value

DPI = 100
WIDTH = 1600  # image width in pixels; Grafana's grid spans it less the padding
PAD = 16
HEADER = 64  # the band with the dashboard's title, time range and the disclaimer
FOOTER = 24
TITLE_BAND = 24  # a panel's title line

BG, PANEL_BG, BORDER = "#111217", "#181B1F", "#2C3235"
TEXT, MUTED, GRID = "#CCCCDC", "#8E8E9E", "#2A2D33"
NO_DATA = "#F2495C"  # "No data" is drawn red, so an empty panel is seen at a glance
PLACEHOLDER = "#FF9830"

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "italic": "DejaVuSans-Oblique.ttf",
              "bolditalic": "DejaVuSans-BoldOblique.ttf", "mono": "DejaVuSansMono.ttf"}
_FONT_CACHE: dict[tuple[str, float], ImageFont.FreeTypeFont] = {}
RC = {"svg.hashsalt": "obsgate-preview", "path.simplify": True, "agg.path.chunksize": 0}
ANCHOR_X = {"left": "l", "center": "m", "right": "r"}
ANCHOR_Y = {"top": "a", "center": "m", "bottom": "d", "baseline": "s"}  # by the font's ascender: one baseline a line


def font(style: str = "regular", px: float = 12) -> ImageFont.FreeTypeFont:
    """A bundled DejaVu font by file (never a system font of the same name) at `px` pixels."""
    key = (style, round(px, 2))
    if key not in _FONT_CACHE:
        _FONT_CACHE[key] = ImageFont.truetype(str(_FONTS / FONT_FILES[style]), size=key[1])
    return _FONT_CACHE[key]


class PanelInfo(NamedTuple):
    """What was drawn for one panel: the caption of the index page and the tests read this."""

    title: str
    type: str
    status: str  # ok | no data | error | placeholder | static (rows, text)
    legend: tuple[str, ...]
    box: tuple[int, int, int, int]  # left, top, width, height in image pixels
    detail: str = ""


class Drawn(NamedTuple):
    uid: str
    title: str
    png: bytes
    width: int
    height: int
    panels: tuple[PanelInfo, ...]
    window: str


def text_width(text: str, px: float, style: str = "regular") -> float:
    """Pixels `text` takes in the bundled font (the same metrics that draw it)."""
    return font(style, px).getlength(text) if text else 0.0


def _char_px(px: float, style: str = "regular") -> float:
    """Average glyph width, for sizing text to a box before it is written."""
    return px * (0.62 if style in ("bold", "mono", "bolditalic") else 0.56)


def _fit(text: str, width: float, px: float, style: str = "regular") -> str:
    """`text`, cut with an ellipsis to fit `width` pixels."""
    if text_width(text, px, style) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid] + "…", px, style) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"


class _Canvas:
    """Pixel coordinates (origin top-left) over a matplotlib figure; artists sit in display space
    (Identity transform, 1 px = 1 unit at DPI), so no Axes, ticks or locators are built."""

    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=BG)
        self.canvas = FigureCanvasAgg(self.fig)
        self.px = IdentityTransform()
        self.texts: list[tuple] = []

    def _add(self, artist, clip=None, zorder: float = 1.0):
        artist.set_transform(self.px)
        artist.set_zorder(zorder)
        if clip is not None:
            left, top, width, height = clip
            artist.set_clip_box(Bbox.from_bounds(left, self.h - top - height, width, height))
        self.fig.add_artist(artist)
        return artist

    def box(self, left, top, width, height, color, edge=None, alpha=1.0, hatch=None, dashed=False, zorder=-1.0,
            clip=None) -> None:
        self._add(Rectangle((left, self.h - top - height), width, height, facecolor=color, edgecolor=edge or "none",
                            alpha=alpha, linewidth=1 if edge else 0, hatch=hatch,
                            linestyle="--" if dashed else "-"), clip, zorder)

    def line(self, xs, ys, color, width=1.2, clip=None, dashed=False, marker=None, zorder=2.0) -> None:
        """A polyline through pixel points (NaN breaks it, as a gap in the data)."""
        ys = [self.h - y for y in ys]
        self._add(Line2D(xs, ys, color=color, linewidth=width, linestyle="none" if marker else (
            "--" if dashed else "-"), marker=marker, markersize=3, markeredgewidth=0, solid_joinstyle="round"),
            clip, zorder)

    def polygons(self, shapes, color, alpha=1.0, clip=None, zorder=1.5) -> None:
        if shapes:
            self._add(PolyCollection([[(x, self.h - y) for x, y in shape] for shape in shapes], facecolors=color,
                                     alpha=alpha, linewidths=0), clip, zorder)

    def segments(self, segs, color, width=0.8, zorder=0.5) -> None:
        if segs:
            self._add(LineCollection([[(x0, self.h - y0), (x1, self.h - y1)] for (x0, y0), (x1, y1) in segs],
                                     colors=color, linewidths=width), None, zorder)

    def wedge(self, cx, cy, radius, a0, a1, ring, color, zorder=2.0) -> None:
        self._add(Wedge((cx, self.h - cy), radius, a0, a1, width=ring, facecolor=color, linewidth=0), None, zorder)

    def image(self, rgba, left, top) -> None:
        """An RGBA array (rows top to bottom) placed 1:1 at a pixel position."""
        self.fig.figimage(rgba, xo=int(left), yo=int(self.h - top - rgba.shape[0]), origin="upper", zorder=1)

    def text(self, x, y, s, px=12, color=TEXT, style="regular", ha="left", va="top") -> None:
        """Text at a pixel position, set over every shape once the figure is rasterised."""
        self.texts.append((x, y, s, px, color, style, ANCHOR_X[ha] + ANCHOR_Y[va]))

    def png(self) -> bytes:
        """Agg rasterises the shapes, Pillow sets the text and writes the PNG (no metadata chunks)."""
        self.canvas.draw()
        img = Image.fromarray(np.asarray(self.canvas.buffer_rgba())[:, :, :3].copy())
        draw = ImageDraw.Draw(img)
        for x, y, s, px, color, style, anchor in self.texts:
            draw.text((x, y), s, fill=color[:7], font=font(style, px), anchor=anchor)
        buf = io.BytesIO()
        img.save(buf, format="png")
        return buf.getvalue()


def _time_ticks(win: Window, n: int = 6) -> list[tuple[float, str]]:
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


def _value_ticks(lo: float, hi: float) -> list[float]:
    ticks = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return [t for t in ticks if lo - 1e-12 <= t <= hi + 1e-12]


def _legend(c: _Canvas, names: list[str], cols: list[str], left, top, width, lines: int) -> None:
    x, y, px, line = left, top, 11, 0
    for i, (name, color) in enumerate(zip(names, cols)):
        text = _fit(name, width - 24, px)
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


def _legend_lines(names: list[str], width: float, limit: int = 3) -> int:
    lines, x = 1, 0.0
    for name in names:
        need = 18 + text_width(_fit(name, width - 24, 11), 11) + 14
        if x and x + need > width:
            lines, x = lines + 1, 0.0
        x += need
    return min(lines, limit)


def _no_data(c: _Canvas, left, top, width, height, text: str = "No data") -> None:
    c.text(left + width / 2, top + height / 2, text, px=min(28, max(12, height / 4)), color=NO_DATA,
           style="bold", ha="center", va="center")


def _override(s: PanelSpec, i: int) -> mappings.Override:
    return s.series_overrides[i] if i < len(s.series_overrides) else mappings.Override()


def _series_color(s: PanelSpec, i: int, value: float | None, lo=None, hi=None) -> str:
    """An override's fixed colour, else the panel's: fixed, threshold step of `value`, or the classic palette."""
    if _override(s, i).color:
        return _override(s, i).color
    if s.color_mode == "fixed" and s.fixed_color:
        return colors.hex_color(s.fixed_color)
    if s.color_mode == "thresholds" or s.type in ("gauge", "bargauge"):
        return colors.threshold_color(value, s.thresholds, s.minimum if lo is None else lo,
                                      s.maximum if hi is None else hi)
    return colors.series_color(i)


def _series_colors(s: PanelSpec, series) -> list[str]:
    return [_series_color(s, i, reduce(x.values)) for i, x in enumerate(series)]


def _shown(s: PanelSpec, i: int, value: float | None, lo=None, hi=None) -> tuple[str, str]:
    """The text and colour of one value: unit (an override's first), then a matching value mapping."""
    text = format_value(value, _override(s, i).unit or s.unit, s.decimals) if value is not None else s.no_value
    mapped = mappings.map_value(value, s.mappings, text)
    return (mapped.text if mapped.text is not None else text), (mapped.color or _series_color(s, i, value, lo, hi))


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


def _plot_frame(c: _Canvas, s: PanelSpec, win: Window, lo: float, hi: float, plot) -> None:
    """Grid lines and the value and time labels around a plot box."""
    left, top, width, height = plot
    yt = _value_ticks(lo, hi)
    xt = _time_ticks(win, max(2, int(width / 110)))
    ys = [top + height * (1 - (t - lo) / (hi - lo)) for t in yt]
    xs = [left + width * (t - win.start) / win.seconds for t, _ in xt]
    c.segments([((left, y), (left + width, y)) for y in ys] + [((x, top), (x, top + height)) for x in xs], GRID)
    for t, y in zip(yt, ys):
        c.text(left - 6, y, format_value(t, s.unit, s.decimals), px=10, color=MUTED, ha="right", va="center")
    _time_labels(c, xt, xs, left, width, top + height + 4)


def _time_labels(c: _Canvas, ticks, xs, left: float, width: float, y: float) -> None:
    """Time labels centred on their grid lines, kept inside the plot's width."""
    for (_, label), x in zip(ticks, xs):
        half = text_width(label, 10) / 2
        c.text(min(max(x, left + half), left + width - half), y, label, px=10, color=MUTED, ha="center")


def _timeseries(c: _Canvas, s: PanelSpec, data: PanelData, win: Window, left, top, width, height) -> tuple[str, ...]:
    every = _series_colors(s, data.series)
    series = [x for x in data.series if x.values]
    cols = [color for x, color in zip(data.series, every) if x.values]
    names = [x.name for x in series]
    lines = _legend_lines(names, width - 8) if s.show_legend and series else 0
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

    _plot_frame(c, s, win, lo, hi, plot)
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
        _legend(c, names, cols, left + 8, top + height - lines * 15 - 2, width - 16, lines)
    return tuple(names)


def _tiles(n: int, width: float, height: float, aspect: float = 2.2, min_w: float = 120, min_h: float = 48
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


def _values(s: PanelSpec, data: PanelData) -> list[tuple[str, float | None]]:
    """One value per series; NaN when it has samples but no number (printed "NaN" as Grafana does)."""
    out = []
    for x in data.series:
        value = reduce(x.values, s.calc)
        out.append((x.name, math.nan if value is None and x.values else value))
    return out


def _stat(c: _Canvas, s: PanelSpec, data: PanelData, left, top, width, height) -> tuple[str, ...]:
    values = _values(s, data)
    cols, rows = _tiles(len(values), width, height)
    tw, th = width / cols, height / rows
    shown = [_shown(s, i, v) for i, (_, v) in enumerate(values)]
    texts = [t for t, _ in shown]
    show_name = len(values) > 1
    label_px = min(13, max(9, th / 6))
    room = th - (label_px + 10 if show_name else 0)
    px = max(10.0, min(room * 0.55, 64.0))
    widest = max((text_width(t, px, "bold") for t in texts), default=0.0)
    if widest > tw - 16:  # one size for every value of the panel, the widest fitting its tile
        px = max(8.0, px * (tw - 16) / widest)
    for i, ((name, value), (text, color)) in enumerate(zip(values, shown)):
        x, y = left + (i % cols) * tw, top + (i // cols) * th
        fg = color
        if s.stat_color_mode == "background":
            c.box(x + 2, y + 2, tw - 4, th - 4, color)
            fg = "#FFFFFF"
        elif s.stat_color_mode == "none":
            fg = TEXT
        if s.graph_mode == "area" and i < len(data.series):
            _sparkline(c, data.series[i], (x + 2, y + th * 0.66, tw - 4, th * 0.34 - 2),
                       "#FFFFFF" if fg == "#FFFFFF" else color)
        if show_name:
            c.text(x + tw / 2, y + 6, _fit(name, tw - 8, label_px), px=label_px, color=fg if fg == "#FFFFFF" else TEXT,
                   ha="center")
        c.text(x + tw / 2, y + th - room / 2, text, px=px, color=fg, style="bold", ha="center", va="center")
    return tuple(n for n, _ in values)


def _sparkline(c: _Canvas, series, box, color: str) -> None:
    """A stat's area graph of its series across the tile's lower part (Grafana's graphMode area)."""
    left, top, width, height = box
    points = [(t, v) for t, v in zip(series.times, series.values) if not math.isnan(v)]
    if len(points) < 2 or width <= 0 or height <= 0:
        return
    t0, t1 = points[0][0], points[-1][0]
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    span, spread = (t1 - t0) or 1.0, (hi - lo) or 1.0
    xs = [left + width * (t - t0) / span for t, _ in points]
    ys = [top + height * (1 - ((v - lo) / spread if hi > lo else 0.3)) for _, v in points]
    c.polygons([list(zip(xs, ys)) + [(xs[-1], top + height), (xs[0], top + height)]], color, alpha=0.18, zorder=0.8)
    c.line(xs, ys, color, width=1.0, zorder=0.9)


def _bounds(s: PanelSpec, values: list[float | None]) -> tuple[float, float]:
    finite = [v for v in values if v is not None]
    lo = s.minimum if s.minimum is not None else min([0.0] + finite)
    hi = s.maximum if s.maximum is not None else (100.0 if not finite else max(finite + [lo + 1e-9]))
    if s.maximum is None and s.unit == "percentunit" and finite and max(finite) <= 1:
        hi = 1.0
    return lo, (hi if hi > lo else lo + 1.0)


def _gauge(c: _Canvas, s: PanelSpec, data: PanelData, left, top, width, height) -> tuple[str, ...]:
    values = _values(s, data)
    lo, hi = _bounds(s, [v for _, v in values])
    cols, rows = _tiles(len(values), width, height, aspect=1.0, min_w=100, min_h=100)
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
        text, color = _shown(s, i, value, lo, hi)
        if value is not None and not math.isnan(value) and angle(value) < start:
            c.wedge(cx, cy, radius * 0.86, angle(value), start, radius * 0.2, color, zorder=2.2)
        px = max(9, min(size * 0.16, 1.15 * radius / (max(1, len(text)) * 0.62)))  # inside the arc
        c.text(x + tw / 2, y + label_h + size / 2, text, px=px, color=color, style="bold", ha="center", va="center")
        for v, dx in ((lo, -0.62), (hi, 0.62)):  # under the arc's two ends
            c.text(cx + dx * radius, cy + 0.8 * radius, format_value(v, s.unit, s.decimals), px=10, color=MUTED,
                   ha="center")
        if label_h:
            c.text(x + tw / 2, y + 2, _fit(name, tw - 8, 11), px=11, ha="center")
    return tuple(n for n, _ in values)


def _bargauge(c: _Canvas, s: PanelSpec, data: PanelData, left, top, width, height) -> tuple[str, ...]:
    values = _values(s, data)
    lo, hi = _bounds(s, [v for _, v in values])
    vertical = s.orientation == "vertical"
    n = max(1, len(values))
    name_w = min(width * 0.3, 12 + max((text_width(name, 11) for name, _ in values), default=0))
    for i, (name, value) in enumerate(values):
        frac = 0.0 if value is None or math.isnan(value) else min(max((value - lo) / (hi - lo), 0.0), 1.0)
        text, color = _shown(s, i, value, lo, hi)
        if vertical:
            bw = width / n
            x, bar_h = left + i * bw, height - 36
            c.box(x + 4, top + 18, bw - 8, bar_h, GRID)
            c.box(x + 4, top + 18 + bar_h * (1 - frac), bw - 8, bar_h * frac, color)
            c.text(x + bw / 2, top + 2, text, px=12, color=color, style="bold", ha="center")
            c.text(x + bw / 2, top + height - 16, _fit(name, bw - 4, 10), px=10, ha="center")
        else:
            bh = min(height / n, 40)
            y = top + i * bh
            value_w = 10 + max(text_width(_shown(s, k, v, lo, hi)[0], 13, "bold") for k, (_, v) in enumerate(values))
            bar_w = max(4.0, width - name_w - value_w - 12)
            c.text(left + 4, y + bh / 2, _fit(name, name_w - 6, 11), px=11, va="center")
            c.box(left + name_w, y + 3, bar_w, bh - 6, GRID)
            c.box(left + name_w, y + 3, bar_w * frac, bh - 6, color)
            c.text(left + width - 4, y + bh / 2, text, px=13, color=color, style="bold", ha="right", va="center")
    return tuple(n for n, _ in values)


def _table(c: _Canvas, s: PanelSpec, data: PanelData, left, top, width, height) -> tuple[str, ...]:
    keys = sorted({k for x in data.series for k, _ in x.labels if k != "__name__"})
    header = keys + ["Value"] if keys else ["Series", "Value"]
    rows = []
    for i, x in enumerate(data.series):
        labels = dict(x.labels)
        cells = [labels.get(k, "") for k in keys] if keys else [x.name]
        rows.append(cells + [_shown(s, i, reduce(x.values, s.calc))[0]])
    col_w = width / len(header)
    line = 20
    fit = max(1, int((height - line) // line))
    for j, h in enumerate(header):
        c.text(left + j * col_w + 6, top + 3, _fit(h, col_w - 10, 11, "bold"), px=11, style="bold", color=TEXT)
    c.box(left, top + line - 1, width, 1, BORDER)
    shown = rows if len(rows) <= fit else rows[: fit - 1]
    for i, cells in enumerate(shown):
        y = top + line * (i + 1) + 3
        if i % 2:
            c.box(left, y - 3, width, line, "#1F2226")
        for j, cell in enumerate(cells):
            c.text(left + j * col_w + 6, y, _fit(cell, col_w - 10, 11), px=11, color=TEXT)
    if len(shown) < len(rows):
        c.text(left + 6, top + line * (len(shown) + 1) + 3, f"+{len(rows) - len(shown)} more rows", px=11,
               color=MUTED)
    return tuple(x.name for x in data.series)


LEVEL_COLORS = {"error": "#F2495C", "err": "#F2495C", "critical": "#B877D9", "warn": "#FADE2A",
                "warning": "#FADE2A", "info": "#73BF69", "debug": "#5794F2"}


def _logs(c: _Canvas, s: PanelSpec, data: PanelData, panel: dict, left, top, width, height) -> tuple[str, ...]:
    options = panel.get("options") or {}
    lines = sorted(data.logs, key=lambda entry: entry.time, reverse=options.get("sortOrder") != "Ascending")
    row, px = 15, 10.5
    fit = max(1, int(height // row))
    show_time = options.get("showTime", True)
    for i, entry in enumerate(lines[:fit]):
        y = top + i * row
        level = dict(entry.labels).get("level", dict(entry.labels).get("detected_level", ""))
        c.box(left, y + 1, 3, row - 3, LEVEL_COLORS.get(str(level).lower(), MUTED))
        x = left + 8
        if show_time:
            stamp = datetime.fromtimestamp(entry.time, timezone.utc).strftime("%H:%M:%S")
            c.text(x, y, stamp, px=px, style="mono", color=MUTED)
            x += text_width(stamp, px, "mono") + 6
        c.text(x, y, _fit(entry.line.replace("\n", " "), left + width - x, px, "mono"), px=px, style="mono")
    if len(lines) > fit:
        c.text(left + width, top + height - row, f"latest {fit} of {len(lines)} lines", px=10, color=MUTED, ha="right")
    return ()


def _words(spans) -> list[tuple[str, str, bool]]:
    """(word, font style, space before it) across spans: `code`. keeps its full stop attached."""
    out: list[tuple[str, str, bool]] = []
    gap = False
    for span in spans:
        style = "mono" if span.code else ("bolditalic" if span.bold and span.italic else
                                          "bold" if span.bold else "italic" if span.italic else "regular")
        for k, word in enumerate(span.text.split(" ")):
            if word:
                out.append((word, style, bool(out) and (gap or k > 0)))
                gap = False
            elif k > 0 or not out:
                gap = True
        gap = gap or span.text.endswith(" ")
    return out


def _text(c: _Canvas, s: PanelSpec, left, top, width, height) -> None:
    blocks = markdown.parse(s.text) if s.text_mode in ("markdown", "html") else \
        [markdown.Block("code", tuple(markdown.Span(line, code=True) for line in s.text.split("\n")))]
    y, bottom = top, top + height
    for block in blocks:
        if y >= bottom:
            break
        if block.kind == "rule":
            c.box(left, y + 6, width, 1, BORDER)
            y += 14
            continue
        if block.kind == "code":
            for span in block.spans:
                if y + 14 > bottom:
                    break
                c.text(left + 8, y, _fit(span.text, width - 16, 11, "mono"), px=11, style="mono", color="#E0E0E0")
                y += 14
            y += 6
            continue
        if block.kind == "table":
            cols = max(len(r) for r in block.cells)
            for i, cells in enumerate(block.cells):
                if y + 16 > bottom:
                    break
                for j, cell in enumerate(cells):
                    c.text(left + j * width / cols + 4, y, _fit(cell, width / cols - 8, 11), px=11,
                           style="bold" if i == 0 else "regular")
                y += 16
            y += 6
            continue
        px = {1: 22, 2: 18, 3: 15}.get(block.level, 13) if block.kind == "heading" else 12
        indent = 0.0
        if block.kind in ("bullet", "number"):
            indent = 14 + 16 * block.level
            c.text(left + indent - 12, y, "•" if block.kind == "bullet" else block.marker, px=px)
        if block.kind == "quote":
            c.box(left, y, 3, px + 6, BORDER)
            indent = 12
        x = left + indent
        for word, style, space in _words(block.spans):
            if block.kind == "heading" and style == "regular":
                style = "bold"
            w = text_width(word, px, style)
            if space and x > left + indent:
                x += text_width(" ", px, style)
            if x > left + indent and x + w > left + width:
                x, y = left + indent, y + px * 1.35
                if y + px > bottom:
                    break
            c.text(x, y, word, px=px, style=style, color=MUTED if block.kind == "quote" else TEXT)
            x += w
        y += px * 1.35 + (8 if block.kind in ("heading", "paragraph", "quote") else 2)


def _le(labels) -> float | None:
    value = dict(labels).get("le")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _heatmap(c: _Canvas, s: PanelSpec, data: PanelData, win: Window, left, top, width, height) -> tuple[str, ...]:
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
            c.text(left + axis_w - 6, a_top + a_h * (1 - (r + 0.5) / len(names)), _fit(name, axis_w - 8, 10), px=10,
                   color=MUTED, ha="right", va="center")
    ticks = _time_ticks(win, max(2, int(p_w / 110)))
    _time_labels(c, ticks, [p_left + p_w * (t - win.start) / win.seconds for t, _ in ticks], p_left, p_w, a_top + a_h + 4)
    return tuple(x.name for x in buckets)


def _placeholder(c: _Canvas, kind: str, left, top, width, height) -> None:
    c.box(left + 4, top + 4, width - 8, height - 8, "none", edge=PLACEHOLDER, dashed=True)
    c.text(left + width / 2, top + height / 2, _fit(f"panel type `{kind or '?'}`: not drawn by the preview", width - 16,
                                                      12), px=12, color=PLACEHOLDER, ha="center", va="center")


DATA_TYPES = ("timeseries", "graph", "stat", "gauge", "bargauge", "table", "logs", "heatmap")


def _panel(c: _Canvas, placed, data: PanelData | None, win: Window, top: float) -> PanelInfo:
    panel, s = placed.panel, spec(placed.panel)
    r = layout.rect(placed, c.w - 2 * PAD, top=top, left=PAD)
    box = (round(r.left), round(r.top), round(r.width), round(r.height))
    if s.type == "row":
        c.text(r.left + 4, r.top + r.height / 2, _fit(s.title + ("   (collapsed in Grafana, opened here)"
                                                                  if panel.get("collapsed") else ""), r.width, 15),
               px=15, style="bold", va="center")
        c.box(r.left, r.top + r.height - 2, r.width, 1, BORDER)
        return PanelInfo(s.title, s.type, "static", (), box)
    c.box(r.left, r.top, r.width, r.height, PANEL_BG, edge=BORDER)
    c.text(r.left + 8, r.top + 5, _fit(s.title, r.width - 16, 13, "bold"), px=13, style="bold")
    left, inner_top, width, height = r.left + 6, r.top + TITLE_BAND + 2, r.width - 12, r.height - TITLE_BAND - 8
    if s.type == "text":
        _text(c, s, left + 2, inner_top, width - 4, height)
        return PanelInfo(s.title, s.type, "static", (), box)
    if s.type not in DATA_TYPES:
        _placeholder(c, s.type, left, inner_top, width, height)
        return PanelInfo(s.title, s.type, "placeholder", (), box, f"panel type `{s.type}` is not drawn")
    data = data or PanelData()
    if data.error:
        _no_data(c, left, inner_top, width, height * 0.7, "Query failed")
        c.text(left + width / 2, inner_top + height * 0.7, _fit(data.error, width - 8, 10), px=10, color=NO_DATA,
               ha="center")
        return PanelInfo(s.title, s.type, "error", (), box, data.error)
    if data.empty:
        _no_data(c, left, inner_top, width, height)
        return PanelInfo(s.title, s.type, "no data", (), box)
    found = tuple(mappings.override(s.overrides, x.name, x.ref) for x in data.series)
    s = s._replace(series_overrides=found)
    data = data._replace(series=tuple(x._replace(name=o.display_name or x.name) for x, o in zip(data.series, found)))
    if s.type in ("timeseries", "graph"):
        legend = _timeseries(c, s, data, win, left, inner_top, width, height)
    elif s.type == "stat":
        legend = _stat(c, s, data, left, inner_top, width, height)
    elif s.type == "gauge":
        legend = _gauge(c, s, data, left, inner_top, width, height)
    elif s.type == "bargauge":
        legend = _bargauge(c, s, data, left, inner_top, width, height)
    elif s.type == "table":
        legend = _table(c, s, data, left, inner_top, width, height)
    elif s.type == "logs":
        legend = _logs(c, s, data, panel, left, inner_top, width, height)
    else:
        legend = _heatmap(c, s, data, win, left, inner_top, width, height)
    if data.all_nan:
        if s.type in ("timeseries", "graph", "heatmap"):  # a value panel already reads NaN
            c.text(left + width / 2, inner_top + 4, "every value is NaN over the range (0/0: no traffic?)", px=11,
                   color=PLACEHOLDER, ha="center")
        return PanelInfo(s.title, s.type, "nan", legend, box, f"{len(data.series)} series, every value NaN")
    return PanelInfo(s.title, s.type, "ok", legend, box,
                     f"{len(data.logs)} log lines" if s.type == "logs" else f"{len(data.series)} series")


def draw(board: dict, data: dict[int, PanelData], win: Window, width: int = WIDTH) -> Drawn:
    """One dashboard as a PNG: panels where gridPos puts them, data by panel id (absent: No data)."""
    placed = layout.place(board.get("panels") or [])
    height = int(HEADER + layout.height(placed) + FOOTER + PAD)
    c = _Canvas(width, height)
    title = str(board.get("title") or board.get("uid") or "dashboard")
    with matplotlib.rc_context(RC):
        c.text(PAD, 10, _fit(title, width * 0.6, 20, "bold"), px=20, style="bold")
        c.text(width - PAD, 12, f"time range: {win.label}", px=12, color=MUTED, ha="right")
        c.text(PAD, 38, f"Preview: {DISCLAIMER}.", px=12, color=PLACEHOLDER)
        infos = [_panel(c, p, data.get(p.panel.get("id")), win, HEADER) for p in placed]
        c.text(PAD, height - FOOTER + 2, f"{title}: {DISCLAIMER}. Data from "
               f"{datetime.fromtimestamp(win.start, timezone.utc):%Y-%m-%d %H:%M:%S} to "
               f"{datetime.fromtimestamp(win.end, timezone.utc):%Y-%m-%d %H:%M:%S} UTC.", px=11, color=MUTED)
        png = c.png()
    return Drawn(str(board.get("uid") or ""), title, png, width, height, tuple(infos), win.label)


def _atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write(out: Path, drawn: list[Drawn], changed: set[str] = frozenset(), files: dict[str, str] | None = None
          ) -> Path:
    """The PNGs, index.html, summary.md and preview.json into `out`; stale PNGs of an earlier run removed.
    Returns the index page's path."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "preview.json"
    before = set()
    if manifest.exists():
        try:
            before = {d["png"] for d in json.loads(manifest.read_text()).get("dashboards", [])}
        except (ValueError, KeyError, TypeError, AttributeError):
            before = set()
    entries = index.entries(drawn, changed, files or {})
    for d in drawn:
        _atomic(out / index.png_name(d.uid), d.png)
    for stale in sorted(before - {e.png for e in entries}):
        if stale.endswith(".png") and "/" not in stale:
            (out / stale).unlink(missing_ok=True)
    _atomic(out / "index.html", index.html(entries).encode())
    _atomic(out / "summary.md", index.markdown(entries).encode())
    _atomic(manifest, (json.dumps(index.manifest(entries), indent=2, sort_keys=True) + "\n").encode())
    return out / "index.html"

