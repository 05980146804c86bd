"""One dashboard as a PNG: the header that says what the image is, every panel where its gridPos puts
it, rows, placeholders for unknown types, and No data in red where a query returned nothing."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple

import matplotlib

from ..preview import DISCLAIMER, layout, mappings
from ..preview.data import PanelData
from ..preview.spec import spec
from ..preview.timerange import Window
from .canvas import (BORDER, FOOTER, HEADER, MUTED, NO_DATA, PAD, PANEL_BG, PLACEHOLDER, RC, TITLE_BAND, WIDTH, Canvas,
                     fit)
from .heatmap import heatmap
from .logs import logs
from .table import table
from .text import markdown_text
from .timeseries import timeseries
from .values import bargauge, gauge, stat


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


def no_data(c: Canvas, left, top, width, height, text: str = "No data") -> None:
    c.text(left + width / 2, top + height / 2, text, px=min(28, max(12, height / 4)), color=NO_DATA,
           style="bold", ha="center", va="center")


def placeholder(c: Canvas, kind: str, left, top, width, height) -> None:
    c.box(left + 4, top + 4, width - 8, height - 8, "none", edge=PLACEHOLDER, dashed=True)
    c.text(left + width / 2, top + height / 2, fit(f"panel type `{kind or '?'}`: not drawn by the preview", width - 16,
                                                      12), px=12, color=PLACEHOLDER, ha="center", va="center")


DATA_TYPES = ("timeseries", "graph", "stat", "gauge", "bargauge", "table", "logs", "heatmap")


def draw_panel(c: Canvas, placed, data: PanelData | None, win: Window, top: float) -> PanelInfo:
    panel, s = placed.panel, spec(placed.panel)
    r = layout.rect(placed, c.w - 2 * PAD, top=top, left=PAD)
    box = (round(r.left), round(r.top), round(r.width), round(r.height))
    if s.type == "row":
        c.text(r.left + 4, r.top + r.height / 2, fit(s.title + ("   (collapsed in Grafana, opened here)"
                                                                  if panel.get("collapsed") else ""), r.width, 15),
               px=15, style="bold", va="center")
        c.box(r.left, r.top + r.height - 2, r.width, 1, BORDER)
        return PanelInfo(s.title, s.type, "static", (), box)
    c.box(r.left, r.top, r.width, r.height, PANEL_BG, edge=BORDER)
    c.text(r.left + 8, r.top + 5, fit(s.title, r.width - 16, 13, "bold"), px=13, style="bold")
    left, inner_top, width, height = r.left + 6, r.top + TITLE_BAND + 2, r.width - 12, r.height - TITLE_BAND - 8
    if s.type == "text":
        markdown_text(c, s, left + 2, inner_top, width - 4, height)
        return PanelInfo(s.title, s.type, "static", (), box)
    if s.type not in DATA_TYPES:
        placeholder(c, s.type, left, inner_top, width, height)
        return PanelInfo(s.title, s.type, "placeholder", (), box, f"panel type `{s.type}` is not drawn")
    data = data or PanelData()
    if data.error:
        no_data(c, left, inner_top, width, height * 0.7, "Query failed")
        c.text(left + width / 2, inner_top + height * 0.7, fit(data.error, width - 8, 10), px=10, color=NO_DATA,
               ha="center")
        return PanelInfo(s.title, s.type, "error", (), box, data.error)
    if data.empty:
        no_data(c, left, inner_top, width, height)
        return PanelInfo(s.title, s.type, "no data", (), box)
    found = tuple(mappings.override(s.overrides, x.name, x.ref) for x in data.series)
    s = s._replace(series_overrides=found)
    data = data._replace(series=tuple(x._replace(name=o.display_name or x.name) for x, o in zip(data.series, found)))
    if s.type in ("timeseries", "graph"):
        legend = timeseries(c, s, data, win, left, inner_top, width, height)
    elif s.type == "stat":
        legend = stat(c, s, data, left, inner_top, width, height)
    elif s.type == "gauge":
        legend = gauge(c, s, data, left, inner_top, width, height)
    elif s.type == "bargauge":
        legend = bargauge(c, s, data, left, inner_top, width, height)
    elif s.type == "table":
        legend = table(c, s, data, left, inner_top, width, height)
    elif s.type == "logs":
        legend = logs(c, s, data, panel, left, inner_top, width, height)
    else:
        legend = heatmap(c, s, data, win, left, inner_top, width, height)
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
    c = Canvas(width, height)
    title = str(board.get("title") or board.get("uid") or "dashboard")
    with matplotlib.rc_context(RC):
        c.text(PAD, 10, fit(title, width * 0.6, 20, "bold"), px=20, style="bold")
        c.text(width - PAD, 12, f"time range: {win.label}", px=12, color=MUTED, ha="right")
        c.text(PAD, 38, f"Preview: {DISCLAIMER}.", px=12, color=PLACEHOLDER)
        infos = [draw_panel(c, p, data.get(p.panel.get("id")), win, HEADER) for p in placed]
        c.text(PAD, height - FOOTER + 2, f"{title}: {DISCLAIMER}. Data from "
               f"{datetime.fromtimestamp(win.start, timezone.utc):%Y-%m-%d %H:%M:%S} to "
               f"{datetime.fromtimestamp(win.end, timezone.utc):%Y-%m-%d %H:%M:%S} UTC.", px=11, color=MUTED)
        png = c.png()
    return Drawn(str(board.get("uid") or ""), title, png, width, height, tuple(infos), win.label)
