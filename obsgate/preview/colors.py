"""Colours as a Grafana panel JSON names them, and the threshold step a value falls in.

Named colours are Grafana's dark-theme visualization palette; `#rgb`, `#rrggbb[aa]` and `rgb[a](...)`
pass through as hex. The classic palette colours series in order, as `palette-classic` does.
"""
from __future__ import annotations

import math
import re

NAMED = {
    "green": "#73BF69", "dark-green": "#37872D", "semi-dark-green": "#56A64B", "light-green": "#96D98D",
    "super-light-green": "#C8F2C2",
    "yellow": "#FADE2A", "dark-yellow": "#E0B400", "semi-dark-yellow": "#F2CC0C", "light-yellow": "#FFEE52",
    "super-light-yellow": "#FFF899",
    "red": "#F2495C", "dark-red": "#C4162A", "semi-dark-red": "#E02F44", "light-red": "#FF7383",
    "super-light-red": "#FFA6B0",
    "blue": "#5794F2", "dark-blue": "#1F60C4", "semi-dark-blue": "#3274D9", "light-blue": "#8AB8FF",
    "super-light-blue": "#C0D8FF",
    "orange": "#FF9830", "dark-orange": "#FA6400", "semi-dark-orange": "#FF780A", "light-orange": "#FFB357",
    "super-light-orange": "#FFCB7D",
    "purple": "#B877D9", "dark-purple": "#8F3BB8", "semi-dark-purple": "#A352CC", "light-purple": "#CA95E5",
    "super-light-purple": "#DEB6F2",
    "white": "#FFFFFF", "black": "#000000", "text": "#CCCCDC", "transparent": "#00000000",
}
CLASSIC = ("#7EB26D", "#EAB839", "#6ED0E0", "#EF843C", "#E24D42", "#1F78C1", "#BA43A6", "#705DA0", "#508642",
           "#CCA300", "#447EBC", "#C15C17", "#890F02", "#0A437C", "#6D1F62", "#584477")
FALLBACK = "#808080"  # an unreadable colour name: drawn grey rather than failing the whole preview
RGB = re.compile(r"^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$")


def hex_color(name: str | None) -> str:
    """`#RRGGBB` (or `#RRGGBBAA` with transparency) for a Grafana colour value."""
    text = str(name or "").strip()
    if text.lower() in NAMED:
        return NAMED[text.lower()]
    if re.fullmatch(r"#[0-9a-fA-F]{3}", text):
        return "#" + "".join(c * 2 for c in text[1:]).upper()
    if re.fullmatch(r"#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?", text):
        return text.upper()
    m = RGB.match(text)
    if m:
        r, g, b = (min(255, int(float(v))) for v in m.groups()[:3])
        alpha = "" if m.group(4) is None else f"{min(255, round(float(m.group(4)) * 255)):02X}"
        return f"#{r:02X}{g:02X}{b:02X}{alpha}"
    return FALLBACK


def series_color(index: int) -> str:
    return CLASSIC[index % len(CLASSIC)]


def steps(thresholds: dict | None) -> list[tuple[float, str]]:
    """Threshold steps as (lower bound, colour), ascending; the base step (value null) is -inf."""
    out = []
    for step in (thresholds or {}).get("steps") or []:
        if not isinstance(step, dict):
            continue
        value = step.get("value")
        bound = -math.inf if value is None else float(value)
        out.append((bound, hex_color(step.get("color"))))
    out.sort(key=lambda s: s[0])
    return out


def threshold_color(value: float | None, thresholds: dict | None, minimum: float | None = None,
                    maximum: float | None = None) -> str:
    """The colour of the highest step at or below `value` (percentage mode: of the min..max span)."""
    found = steps(thresholds)
    if not found:
        return NAMED["green"]
    if value is None or math.isnan(value):
        return found[0][1]
    if (thresholds or {}).get("mode") == "percentage":
        lo = 0.0 if minimum is None else minimum
        hi = 100.0 if maximum is None else maximum
        value = 0.0 if hi == lo else (value - lo) / (hi - lo) * 100
    color = found[0][1]
    for bound, step_color in found:
        if value >= bound:
            color = step_color
    return color


def absolute_steps(thresholds: dict | None, minimum: float, maximum: float) -> list[tuple[float, str]]:
    """Steps as absolute values (percentage steps mapped onto min..max), for drawing threshold lines/arcs."""
    found = steps(thresholds)
    if (thresholds or {}).get("mode") == "percentage":
        span = maximum - minimum
        return [(b if math.isinf(b) else minimum + b / 100 * span, c) for b, c in found]
    return found
