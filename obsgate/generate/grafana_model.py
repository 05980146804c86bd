"""Any dashboard (grafanalib output or a jsonnet dict) normalized to the modern Grafana JSON model.

Grafana's strict dashboard schema (schemaVersion 42) rejects what grafanalib 0.7.1 emits: legacy
keys (`rows`, `style`, `__inputs` ...), nulls where strings are required, string datasources and
the old gauge layout. Everything is converted here, once, so every generated dashboard has the same
shape whatever it was written in. Pure: dict in, dict out; problems raise DefinitionError at the board.
"""
from __future__ import annotations

import copy
import json

from ..model.board import GRID_WIDTH, LOKI_VAR, PROMETHEUS_VAR, flow
from ..model.source import DefinitionError, SourceRef

SCHEMA_VERSION = 42

# The datasources provisioned by generate/grafana.py: (name, type, fixed uid).
DATASOURCES = (("Prometheus", "prometheus", "prometheus"), ("Loki", "loki", "loki"),
               ("Alertmanager", "alertmanager", "alertmanager"))
_VAR_OF_TYPE = {"prometheus": PROMETHEUS_VAR, "loki": LOKI_VAR}
_TYPE_OF_VAR = {v: k for k, v in _VAR_OF_TYPE.items()}

DASHBOARD_KEYS = {"uid", "title", "description", "revision", "tags", "timezone", "editable", "graphTooltip", "time",
                  "timepicker", "fiscalYearStartMonth", "liveNow", "weekStart", "refresh", "schemaVersion",
                  "panels", "templating", "annotations", "links", "preload"}
# Dropped: legacy (pre-schemaVersion-16 rows, styles, export inputs) or instance-specific (id, version).
DASHBOARD_DROPPED = {"__inputs", "__requires", "__elements", "hideControls", "sharedCrosshair", "style", "rows", "id",
                     "version", "gnetId", "iteration", "snapshot", "meta"}
PANEL_KEYS = {"type", "id", "pluginVersion", "targets", "title", "description", "transparent", "datasource", "gridPos",
              "links", "repeat", "repeatDirection", "maxPerRow", "maxDataPoints", "transformations", "interval",
              "timeFrom", "timeShift", "hideTimeOverride", "timeCompare", "libraryPanel", "cacheTimeout",
              "queryCachingTTL", "options", "fieldConfig"}
PANEL_DROPPED = {"editable", "error", "height", "minSpan", "span", "scopedVars", "isNew", "renderer", "collapsed",
                 "panels"}
ROW_KEYS = {"type", "collapsed", "title", "datasource", "gridPos", "id", "panels", "repeat"}
FIELD_KEYS = {"displayName", "displayNameFromDS", "description", "path", "writeable", "filterable", "unit", "decimals",
              "min", "max", "mappings", "thresholds", "color", "links", "actions", "noValue", "custom", "fieldMinMax"}
# grafanalib's gauge keeps options in fieldConfig.defaults (the Grafana 6 layout).
GAUGE_LEGACY_REDUCE = {"calcs", "values", "limit"}
VARIABLE_KEYS = {"type", "name", "label", "hide", "skipUrlSync", "description", "query", "datasource", "current", "multi",
                 "allowCustomValue", "options", "refresh", "sort", "includeAll", "allValue", "regex", "staticOptions",
                 "staticOptionsOrder", "auto", "auto_min", "auto_count", "definition"}
VARIABLE_DROPPED = {"tags", "useTags", "tagsQuery", "tagValuesQuery", "default", "error", "index"}
QUERY_KEYS = {
    "prometheus": {"adhocFilters", "datasource", "editorMode", "exemplar", "expr", "format", "groupByKeys", "hide",
                   "instant", "intervalMs", "legendFormat", "maxDataPoints", "queryType", "range", "refId",
                   "resultAssertions", "scopes", "timeRange", "interval"},
    "loki": {"expr", "legendFormat", "maxLines", "resolution", "editorMode", "range", "instant", "step", "refId", "hide",
             "queryType", "datasource", "direction"},
}
# Legacy target keys grafanalib writes: intervalFactor=2 halves the resolution, step is Grafana 4's.
QUERY_DROPPED = {"intervalFactor", "step", "metric", "target", "query"}
TIMEPICKER_KEYS = {"hidden", "refresh_intervals", "quick_ranges", "nowDelay"}

_REDUCE = {"calcs": ["lastNotNull"], "fields": "", "values": False}
OPTION_DEFAULTS = {
    "timeseries": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                   "tooltip": {"mode": "single", "sort": "none"}},
    "stat": {"graphMode": "area", "colorMode": "value", "justifyMode": "auto", "textMode": "auto", "wideLayout": True,
             "showPercentChange": False, "reduceOptions": _REDUCE, "percentChangeColorMode": "standard",
             "orientation": "auto"},
    "gauge": {"showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto", "minVizWidth": 75,
              "minVizHeight": 75, "reduceOptions": _REDUCE, "orientation": "auto"},
    "bargauge": {"displayMode": "gradient", "valueMode": "color", "namePlacement": "auto", "showUnfilled": True,
                 "sizing": "auto", "minVizWidth": 8, "minVizHeight": 16, "maxVizHeight": 300,
                 "reduceOptions": _REDUCE, "orientation": "auto", "legend": {"displayMode": "list",
                 "placement": "bottom", "showLegend": False, "calcs": []}},
    "piechart": {"pieType": "pie", "reduceOptions": _REDUCE, "orientation": "auto",
                 "tooltip": {"mode": "single", "sort": "none"},
                 "legend": {"values": [], "displayMode": "list", "placement": "bottom", "showLegend": True,
                            "calcs": []}},
    "histogram": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                  "tooltip": {"mode": "single", "sort": "none"}},
    "logs": {"showLabels": False, "showCommonLabels": False, "showTime": True, "showLogContextToggle": True,
             "wrapLogMessage": True, "prettifyLogMessage": False, "enableLogDetails": True,
             "sortOrder": "Descending", "dedupStrategy": "none"},
}
DEFAULT_COLOR = {"timeseries": "palette-classic", "stat": "thresholds", "gauge": "thresholds", "bargauge": "thresholds"}
DEFAULT_SIZE = {"stat": (6, 6), "gauge": (6, 6), "logs": (24, 10), "text": (24, 4), "row": (24, 1)}
BUILTIN_ANNOTATION = {
    "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
    "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard",
}
LINK_DEFAULTS = {"icon": "external link", "tooltip": "", "tags": [], "asDropdown": False, "targetBlank": False,
                 "includeVars": False, "keepTime": False, "type": "link"}


class _Board:
    """Where the board was defined, for errors."""

    def __init__(self, uid: str, source: SourceRef) -> None:
        self.uid, self.source = uid, source

    def fail(self, message: str, hint: str = ""):
        raise DefinitionError(self.source, f"dashboard `{self.uid}`: {message}", hint)


def to_dict(dashboard) -> dict:
    """grafanalib objects through grafanalib's own JSON encoder; dicts are deep-copied."""
    if isinstance(dashboard, dict):
        return copy.deepcopy(dashboard)
    from grafanalib._gen import DashboardEncoder

    return json.loads(json.dumps(dashboard.to_json_data(), cls=DashboardEncoder))


def _prune(value):
    """Remove nulls everywhere: the strict schema wants a key absent, not null."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value if v is not None]
    return value


def _merge(defaults: dict, given: dict) -> dict:
    out = copy.deepcopy(defaults)
    for key, val in given.items():
        out[key] = _merge(out[key], val) if isinstance(val, dict) and isinstance(out.get(key), dict) else val
    return out


def _unknown(board: _Board, what: str, data: dict, allowed: set, dropped: set) -> None:
    extra = sorted(set(data) - allowed - dropped)
    if extra:
        board.fail(f"{what} has unknown keys {', '.join(f'`{k}`' for k in extra)}",
                   "see the Grafana dashboard JSON model; generated dashboards must match its strict schema")


def datasource_ref(board: _Board, ds, default_type: str, where: str) -> dict:
    """A {type, uid} reference; legacy strings become the dashboard's datasource variables."""
    if isinstance(ds, dict):
        ref = {k: ds[k] for k in ("type", "uid") if isinstance(ds.get(k), str)}
        var = ref.get("uid", "").strip("${}")
        if "type" not in ref and ref.get("uid", "").startswith("$"):
            ref["type"] = _TYPE_OF_VAR.get(var, default_type)
        return ref
    if isinstance(ds, str):
        if ds.startswith("$"):
            var = ds.strip("${}")
            return {"type": _TYPE_OF_VAR.get(var, default_type), "uid": "${%s}" % var}
        for name, dtype, uid in DATASOURCES:
            if ds in (name, uid) and dtype in _VAR_OF_TYPE:
                return {"type": dtype, "uid": "${%s}" % _VAR_OF_TYPE[dtype]}
        if ds in ("-- Grafana --", "grafana"):
            return {"type": "grafana", "uid": "-- Grafana --"}
        if ds == "-- Mixed --":
            return {"type": "datasource", "uid": "-- Mixed --"}
    board.fail(f"{where}: datasource `{ds}` is neither a datasource variable nor a provisioned datasource",
               'use {"type": "prometheus", "uid": "${datasource}"} (obsgate.dashboards.PROMETHEUS)')


def _thresholds(raw) -> dict:
    raw = raw if isinstance(raw, dict) else {}
    steps = []
    for i, step in enumerate(raw.get("steps") or []):
        val = step.get("value")
        val = None if i == 0 or val in (None, "null", "") else val
        steps.append({"color": step.get("color", "green"), "value": val})
    return {"mode": raw.get("mode") or "absolute", "steps": steps or [{"color": "green", "value": None}]}


def _field_config(board: _Board, panel: dict, ptype: str, title: str) -> tuple[dict, dict]:
    """(fieldConfig, options moved out of it): defaults whitelisted, thresholds cleaned, gauge layout updated."""
    fc = dict(panel.get("fieldConfig") or {})
    defaults = dict(fc.pop("defaults", None) or {})
    moved: dict = {}
    for key in ("showThresholdLabels", "showThresholdMarkers"):
        if key in fc:
            moved[key] = fc.pop(key)
    overrides = fc.pop("overrides", None) or []
    if fc:
        board.fail(f"panel `{title}` fieldConfig has unknown keys {sorted(fc)}", "use defaults and overrides")
    reduce = {k: defaults.pop(k) for k in sorted(GAUGE_LEGACY_REDUCE & set(defaults))}
    if reduce:
        moved["reduceOptions"] = reduce
    defaults.pop("override", None)
    if "title" in defaults:
        defaults.setdefault("displayName", defaults.pop("title"))
    _unknown(board, f"panel `{title}` fieldConfig.defaults", defaults, FIELD_KEYS, set())
    defaults["thresholds"] = _thresholds(defaults.get("thresholds"))
    color = defaults.get("color")
    if not isinstance(color, dict) or "mode" not in color:
        if ptype in DEFAULT_COLOR:
            defaults["color"] = {"mode": DEFAULT_COLOR[ptype]}
        else:
            defaults.pop("color", None)
    if defaults.get("custom") == {}:
        del defaults["custom"]
    return {"defaults": defaults, "overrides": overrides}, moved


def _target(board: _Board, target: dict, panel_ds: dict | None, dtype_default: str, refid: str, title: str) -> dict:
    target = dict(target)
    ds = datasource_ref(board, target["datasource"], dtype_default, f"panel `{title}` target") \
        if "datasource" in target else dict(panel_ds or {})
    if not ds:
        board.fail(f"panel `{title}`: a query has no datasource")
    target["datasource"] = ds
    dtype = ds.get("type", dtype_default)
    for key in QUERY_DROPPED:
        target.pop(key, None)
    if not target.get("refId"):
        target["refId"] = refid
    if target.get("interval") == "":
        del target["interval"]
    if target.get("hide") is False:
        del target["hide"]
    if dtype in QUERY_KEYS:
        if not isinstance(target.get("expr"), str) or not target["expr"].strip():
            board.fail(f"panel `{title}` query {target['refId']} has no expr")
        target.setdefault("editorMode", "code")
        if dtype == "prometheus":
            instant = bool(target.get("instant", False))
            target["instant"], target["range"] = instant, not instant
        else:
            target.pop("format", None)
            target.setdefault("queryType", "range")
        _unknown(board, f"panel `{title}` query {target['refId']}", target, QUERY_KEYS[dtype], set())
    return target


def _panel(board: _Board, panel: dict, ids: list[int]) -> dict:
    ptype = panel.get("type")
    title = panel.get("title", "")
    if not isinstance(ptype, str) or not ptype:
        board.fail(f"panel `{title or '?'}` has no type", "e.g. timeseries, stat, gauge, logs, row")
    ids[0] += 1
    if ptype == "row":
        _unknown(board, f"row `{title}`", panel, ROW_KEYS, PANEL_KEYS | PANEL_DROPPED)
        out = {k: panel[k] for k in ROW_KEYS if k in panel}
        out.update(id=ids[0], collapsed=bool(panel.get("collapsed", False)))
        out["panels"] = [_panel(board, p, ids) for p in panel.get("panels") or []]
        if "datasource" in out:
            out["datasource"] = datasource_ref(board, out["datasource"], "prometheus", f"row `{title}`")
        return out
    if ptype in LEGACY_TYPES and set(panel) - PANEL_KEYS - PANEL_DROPPED:
        board.fail(f"panel `{title}` uses grafanalib's legacy {ptype} model, which the dashboard schema rejects",
                   LEGACY_TYPES[ptype])
    if ptype == "bargauge":
        panel = _bargauge(panel)
    _unknown(board, f"panel `{title}`", panel, PANEL_KEYS, PANEL_DROPPED)
    out = {k: panel[k] for k in PANEL_KEYS if k in panel}
    out["id"] = ids[0]
    dtype = "loki" if ptype == "logs" else "prometheus"
    targets = panel.get("targets") or []
    if "datasource" in out:
        out["datasource"] = datasource_ref(board, out["datasource"], dtype, f"panel `{title}`")
    elif targets:
        first = next((t["datasource"] for t in targets if t.get("datasource")), None)
        out["datasource"] = (datasource_ref(board, first, dtype, f"panel `{title}`") if first
                             else {"type": dtype, "uid": "${%s}" % _VAR_OF_TYPE[dtype]})
    if "targets" in out:
        out["targets"] = [_target(board, t, out.get("datasource"), dtype, chr(ord("A") + i), title)
                          for i, t in enumerate(targets)]
    fc, moved = _field_config(board, panel, ptype, title)
    out["fieldConfig"] = fc
    if ptype in OPTION_DEFAULTS or "options" in panel or moved:
        out["options"] = _merge(OPTION_DEFAULTS.get(ptype, {}), _merge(moved, panel.get("options") or {}))
    if isinstance(out.get("links"), list):
        out["links"] = [_merge(LINK_DEFAULTS, link) for link in out["links"]]
    return out


LEGACY_TYPES = {
    "table": "write the table panel as a dict in the modern model (options.showHeader, fieldConfig), or use a "
             "timeseries/stat panel",
    "heatmap": "write the heatmap panel as a dict in the modern model (options.calculate, options.yAxis ...)",
}


def _bargauge(panel: dict) -> dict:
    """grafanalib's BarGauge keeps its field settings in options.fieldOptions (the Grafana 6 layout)."""
    options = dict(panel.get("options") or {})
    legacy = options.pop("fieldOptions", None)
    for key in ("showThresholdLabels", "showThresholdMarkers"):
        options.pop(key, None)
    if legacy is None:
        return panel
    panel = dict(panel)
    fc = copy.deepcopy(panel.get("fieldConfig") or {})
    defaults = fc.setdefault("defaults", {})
    for key, val in (legacy.get("defaults") or {}).items():
        if key in ("min", "max", "unit", "decimals", "links"):
            defaults.setdefault(key, val)
        elif key == "title":
            defaults.setdefault("displayName", val)
    if legacy.get("mappings"):
        defaults.setdefault("mappings", legacy["mappings"])
    options["reduceOptions"] = {k: legacy[k] for k in ("calcs", "values", "limit") if k in legacy}
    panel["fieldConfig"], panel["options"] = fc, options
    return panel


def _layout(board: _Board, panels: list[dict]) -> None:
    """Keep complete positions; flow the panels without one below the positioned ones."""
    placed = [p for p in panels if _has_pos(p)]
    loose = [p for p in panels if not _has_pos(p)]
    bottom = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in placed), default=0)
    sizes = []
    for p in loose:
        pos = p.get("gridPos") or {}
        w, h = DEFAULT_SIZE.get(p.get("type"), (12, 8))
        sizes.append((int(pos.get("w", w)), int(pos.get("h", h)), p.get("type") == "row"))
    for p, (x, y, w, h) in zip(loose, flow(sizes)):
        p["gridPos"] = {"h": h, "w": w, "x": x, "y": y + bottom}
    for p in panels:
        pos = p["gridPos"]
        pos = p["gridPos"] = {k: pos[k] for k in ("h", "w", "x", "y", "static") if k in pos}
        if pos["x"] + pos["w"] > GRID_WIDTH or pos["w"] <= 0 or pos["h"] <= 0 or pos["x"] < 0 or pos["y"] < 0:
            board.fail(f"panel `{p.get('title', '?')}` gridPos {pos} does not fit the {GRID_WIDTH}-column grid")


def _has_pos(panel: dict) -> bool:
    pos = panel.get("gridPos")
    return isinstance(pos, dict) and all(isinstance(pos.get(k), int) for k in ("h", "w", "x", "y"))


def _variable(board: _Board, var: dict) -> dict:
    var = dict(var)
    _unknown(board, f"variable `{var.get('name', '?')}`", var, VARIABLE_KEYS, VARIABLE_DROPPED)
    out = {k: var[k] for k in VARIABLE_KEYS if k in var}
    if "datasource" in out:
        out["datasource"] = datasource_ref(board, out["datasource"], "prometheus", f"variable `{var.get('name')}`")
    current = out.get("current")
    if isinstance(current, dict):
        current = {k: current[k] for k in ("selected", "text", "value") if k in current}
        if "text" in current and "value" in current:
            out["current"] = current
        else:
            del out["current"]
    if out.get("type") == "query" and isinstance(out.get("query"), str):
        out.setdefault("definition", out["query"])
    return out


def _datasource_variable(dtype: str) -> dict:
    name = _VAR_OF_TYPE[dtype]
    label = next(n for n, t, _ in DATASOURCES if t == dtype)
    return {"type": "datasource", "name": name, "label": label, "query": dtype, "hide": 0, "refresh": 1,
            "regex": "", "includeAll": False, "multi": False, "options": [], "skipUrlSync": False}


def _used_vars(node) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ds = node.get("datasource")
        if isinstance(ds, dict) and ds.get("uid", "").startswith("$"):
            found.add(ds["uid"].strip("${}"))
        for v in node.values():
            found |= _used_vars(v)
    elif isinstance(node, list):
        for v in node:
            found |= _used_vars(v)
    return found


def normalize(dashboard, uid: str, source: SourceRef) -> dict:
    """A dashboard in the modern model (schemaVersion 42): deterministic ids, layout and datasources."""
    board = _Board(uid, source)
    data = _prune(to_dict(dashboard))
    if not isinstance(data, dict):
        board.fail("is not a JSON object")
    if data.get("rows"):
        board.fail("uses legacy `rows`", "put panels in panels=[...]; use row() headers to group them")
    _unknown(board, "the dashboard", data, DASHBOARD_KEYS, DASHBOARD_DROPPED)
    if data.get("uid") != uid:
        board.fail(f"uid `{data.get('uid')}` differs from the board's uid")
    if not data.get("title"):
        board.fail("has no title")
    out = {k: data[k] for k in sorted(DASHBOARD_KEYS) if k in data}
    if data.get("sharedCrosshair") and not data.get("graphTooltip"):
        out["graphTooltip"] = 1
    out["schemaVersion"] = SCHEMA_VERSION
    if out.get("refresh") in ("", False):
        del out["refresh"]
    if "timepicker" in out:
        out["timepicker"] = {k: v for k, v in out["timepicker"].items() if k in TIMEPICKER_KEYS}
    ids = [0]
    panels = [_panel(board, p, ids) for p in data.get("panels") or []]
    if not panels:
        board.fail("has no panels")
    _layout(board, panels)
    for p in panels:
        if p.get("type") == "row" and p["panels"]:
            _layout(board, p["panels"])
    out["panels"] = panels
    variables = [_variable(board, v) for v in (data.get("templating") or {}).get("list") or []]
    names = {v["name"] for v in variables}
    used = _used_vars(panels) | _used_vars(variables)
    extra = [_datasource_variable(t) for t, var in _VAR_OF_TYPE.items() if var in used and var not in names]
    out["templating"] = {"list": extra + variables}
    undefined = sorted(used - names - set(_TYPE_OF_VAR))
    if undefined:
        board.fail(f"datasource variables {undefined} are used but not defined")
    annotations = [dict(a) for a in (data.get("annotations") or {}).get("list") or []]
    for a in annotations:
        if "datasource" in a:
            a["datasource"] = datasource_ref(board, a["datasource"], "prometheus", f"annotation `{a.get('name')}`")
    if not any(a.get("builtIn") == 1 for a in annotations):
        annotations.insert(0, dict(BUILTIN_ANNOTATION))
    out["annotations"] = {"list": annotations}
    if isinstance(out.get("links"), list):
        out["links"] = [_merge(LINK_DEFAULTS, link) for link in out["links"]]
    return out
