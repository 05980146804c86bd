"""The drawing surface: pixel coordinates over a matplotlib figure (Agg), fonts, text metrics, palette.

Shapes are matplotlib artists in display space (Identity transform, 1 px = 1 unit at DPI), so no Axes,
ticks or locators are built; text is set afterwards with Pillow (matplotlib's imaging dependency) in the
DejaVu fonts bundled with matplotlib, loaded by file (never a system font of the same name).
"""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle, Wedge
from matplotlib.transforms import Bbox, IdentityTransform
from PIL import Image, ImageDraw, ImageFont

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


def text_width(text: str, px: float, style: str = "regular") -> float:
    """Pixels `text` takes in the bundled font (the same metrics that draw it)."""
    return font(style, px).getlength(text) if text else 0.0


def char_px(px: float, style: str = "regular") -> float:
    """Average glyph width, for sizing text to a box before it is written."""
    return px * (0.62 if style in ("bold", "mono", "bolditalic") else 0.56)


def fit(text: str, width: float, px: float, style: str = "regular") -> str:
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


class Canvas:
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
