"""What the drawing needs to know of a panel, read once from its JSON with Grafana's defaults."""
from __future__ import annotations

from typing import NamedTuple

DRAWN = ("timeseries", "graph", "stat", "gauge", "bargauge", "table", "logs", "text", "heatmap", "row")


class PanelSpec(NamedTuple):
    type: str
    title: str
    unit: str
    decimals: int | None
    minimum: float | None
    maximum: float | None
    thresholds: dict
    threshold_style: str  # off | line | area | line+area | dashed | ...
    color_mode: str  # thresholds | palette-classic | fixed | ...
    fixed_color: str
    stacking: str  # none | normal | percent
    fill_opacity: float  # 0..100
    draw_style: str  # line | bars | points
    show_legend: bool
    calc: str
    stat_color_mode: str  # value | background | none
    text: str  # text panel content
    text_mode: str  # markdown | html | code
    orientation: str
    no_value: str
    graph_mode: str = "none"  # a stat's sparkline: area (Grafana's default) | none
    mappings: tuple = ()  # fieldConfig.defaults.mappings
    overrides: tuple = ()  # fieldConfig.overrides
    series_overrides: tuple = ()  # mappings.Override per series, set by the drawing once data is known

    @property
    def known(self) -> bool:
        return self.type in DRAWN


def _num(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def spec(panel: dict) -> PanelSpec:
    defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
    custom = defaults.get("custom") or {}
    options = panel.get("options") or {}
    color = defaults.get("color") or {}
    kind = str(panel.get("type") or "")
    legend = options.get("legend") or {}
    calcs = (options.get("reduceOptions") or {}).get("calcs") or ["lastNotNull"]
    stack_mode = (custom.get("stacking") or {}).get("mode") or "none"
    if kind == "graph" and panel.get("stack"):
        stack_mode = "normal"
    text_mode = str(options.get("mode") or panel.get("mode") or "markdown")
    return PanelSpec(
        type=kind,
        title=str(panel.get("title") or ""),
        unit=str(defaults.get("unit") or ""),
        decimals=_int(defaults.get("decimals")),
        minimum=_num(defaults.get("min")),
        maximum=_num(defaults.get("max")),
        thresholds=defaults.get("thresholds") or {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                                                {"color": "red", "value": 80}]},
        threshold_style=str((custom.get("thresholdsStyle") or {}).get("mode") or "off"),
        color_mode=str(color.get("mode") or ("thresholds" if kind in ("stat", "gauge", "bargauge") else
                                               "palette-classic")),
        fixed_color=str(color.get("fixedColor") or ""),
        stacking=str(stack_mode),
        fill_opacity=float(_num(custom.get("fillOpacity")) or 0.0),
        draw_style=str(custom.get("drawStyle") or "line"),
        show_legend=bool(legend.get("showLegend", True)) and legend.get("displayMode") != "hidden",
        calc=str(calcs[0]),
        stat_color_mode=str(options.get("colorMode") or "value"),
        text=str(options.get("content") if "content" in options else panel.get("content") or ""),
        text_mode=text_mode,
        orientation=str(options.get("orientation") or "auto"),
        no_value=str(defaults.get("noValue") or "No data"),
        graph_mode=str(options.get("graphMode") or "area"),
        mappings=tuple(m for m in defaults.get("mappings") or [] if isinstance(m, dict)),
        overrides=tuple(o for o in (panel.get("fieldConfig") or {}).get("overrides") or [] if isinstance(o, dict)),
    )
