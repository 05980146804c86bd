"""Grafana's value mappings and field overrides, as far as the preview draws them.

Mappings (`fieldConfig.defaults.mappings`): `value` (exact match), `range` (from..to, inclusive), `regex`
(on the formatted value) and `special` (null, nan, null+nan, true, false, empty); the first that matches
gives the text and/or colour. Overrides (`fieldConfig.overrides`) matched `byName`, `byRegexp` or
`byFrameRefID` may set a series' `color` (fixed), `displayName` and `unit`.
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple

from .colors import hex_color


class Mapped(NamedTuple):
    text: str | None = None
    color: str | None = None  # hex


def _result(result: dict | None) -> Mapped:
    result = result or {}
    color = result.get("color")
    return Mapped(result.get("text"), hex_color(color) if color else None)


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def map_value(value: float | None, mappings: list | None, formatted: str = "") -> Mapped:
    """The first mapping that matches `value` (None: no value), or Mapped() when none does."""
    for mapping in mappings or []:
        if not isinstance(mapping, dict):
            continue
        kind, options = mapping.get("type"), mapping.get("options") or {}
        if kind == "value" and value is not None and not math.isnan(value):
            for key, result in options.items():
                if _number(key) is not None and _number(key) == value:
                    return _result(result)
        elif kind == "range" and value is not None and not math.isnan(value):
            lo, hi = _number(options.get("from")), _number(options.get("to"))
            if (lo is None or value >= lo) and (hi is None or value <= hi):
                return _result(options.get("result"))
        elif kind == "regex" and formatted:
            try:
                if re.search(str(options.get("pattern") or ""), formatted):
                    return _result(options.get("result"))
            except re.error:
                continue
        elif kind == "special":
            match = options.get("match")
            nan = value is not None and math.isnan(value)
            if (match == "null" and value is None) or (match == "nan" and nan) or \
                    (match == "null+nan" and (value is None or nan)) or (match == "true" and value == 1) or \
                    (match == "false" and value == 0):
                return _result(options.get("result"))
    return Mapped()


class Override(NamedTuple):
    color: str | None = None
    display_name: str | None = None
    unit: str | None = None


def _matches(matcher: dict, name: str, ref: str) -> bool:
    kind, option = matcher.get("id"), str(matcher.get("options") or "")
    if kind == "byName":
        return name == option
    if kind == "byRegexp":
        try:
            return re.fullmatch(option, name) is not None
        except re.error:
            return False
    if kind == "byFrameRefID":
        return ref == option
    return False


def override(overrides: list | None, name: str, ref: str = "") -> Override:
    """What the panel's overrides set for the series called `name` (from the query `ref`)."""
    color = display = unit = None
    for item in overrides or []:
        if not isinstance(item, dict) or not _matches(item.get("matcher") or {}, name, ref):
            continue
        for prop in item.get("properties") or []:
            pid, value = prop.get("id"), prop.get("value")
            if pid == "color" and isinstance(value, dict) and value.get("fixedColor"):
                color = hex_color(value["fixedColor"])
            elif pid == "displayName" and value:
                display = str(value)
            elif pid == "unit" and value:
                unit = str(value)
    return Override(color, display, unit)
