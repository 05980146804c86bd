"""Dashboard previews drawn to PNG with matplotlib (Agg), and the files of a preview directory.

canvas (pixels, fonts, palette) <- axes <- one module per panel family (timeseries, values: stat, gauge
and bargauge, table, logs, text, heatmap) <- dashboard (a whole board) <- files (the directory).
Deterministic: fixed DPI, bundled fonts by file, no timestamps or software tags in the PNG; the same
data gives the same bytes. Every image says what it is: a preview drawn by obsgate, not Grafana.
"""
from ..preview import DISCLAIMER
from .canvas import (FOOTER, GRID, HEADER, NO_DATA, PAD, PANEL_BG, PLACEHOLDER, TITLE_BAND, WIDTH, font,
                     text_width)
from .dashboard import Drawn, PanelInfo, draw
from .files import write

__all__ = ["DISCLAIMER", "FOOTER", "GRID", "HEADER", "NO_DATA", "PAD", "PANEL_BG", "PLACEHOLDER", "TITLE_BAND",
           "WIDTH", "Drawn", "PanelInfo", "draw", "font", "text_width", "write"]
