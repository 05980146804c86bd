"""grafana/panel-unit: every data panel has a unit Grafana knows (from the units schema)."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from ...problem import Problem, Severity
from ..base import Check, finding
from ..files import DASHBOARD
from . import data_panels

CHECK = "grafana/panel-unit"
UNIT_PANELS = frozenset({"timeseries", "graph", "stat", "singlestat", "gauge", "bargauge", "table", "barchart",
                         "histogram"})
CUSTOM_UNIT_PREFIXES = ("suffix:", "prefix:", "si:", "count:", "currency:", "time:", "bool")

_units_cache: dict[Path, frozenset] = {}
_lock = threading.Lock()


def _units(ctx) -> frozenset:
    path = Path(ctx.schemas_dir) / "grafana" / "units.jsonschema.json"
    with _lock:
        if path not in _units_cache:
            found: set[str] = set()
            if path.is_file():
                def collect(node):
                    if isinstance(node, dict):
                        if isinstance(node.get("const"), str):
                            found.add(node["const"])
                        for v in node.values():
                            collect(v)
                    elif isinstance(node, list):
                        for v in node:
                            collect(v)
                collect(json.loads(path.read_text()))
            _units_cache[path] = frozenset(found)
        return _units_cache[path]


def check(ctx) -> list[Problem]:
    out: list[Problem] = []
    known = _units(ctx)
    for p in data_panels(ctx):
        if p.type not in UNIT_PANELS:
            continue
        defaults = ((p.panel.get("fieldConfig") or {}).get("defaults") or {})
        unit = defaults.get("unit") or _legacy_unit(p.panel)
        if not unit:
            out.append(finding(CHECK, p, Severity.WARNING, f"panel `{p.name}` has no unit",
                               "set fieldConfig.defaults.unit (the catalog metric's unit, e.g. `s`, `bytes`, "
                               "`percentunit`, `reqps`)"))
        elif known and unit not in known and not str(unit).startswith(CUSTOM_UNIT_PREFIXES):
            out.append(finding(CHECK, p, Severity.ERROR,
                               f"panel `{p.name}`: `{unit}` is not a Grafana unit",
                               "use a unit id from Grafana's unit list, or `suffix:<text>` for a custom one"))
    return out


def _legacy_unit(panel: dict):
    """Panels of before schemaVersion 27 carry the unit as `format` (singlestat) or on the y axes (graph)."""
    if isinstance(panel.get("format"), str) and panel["format"]:
        return panel["format"]
    axes = panel.get("yaxes")
    if isinstance(axes, list) and axes and isinstance(axes[0], dict) and axes[0].get("format"):
        return axes[0]["format"]
    return None


CHECKS = (Check(CHECK, "data panels have a valid unit", check, (DASHBOARD,)),)
