"""grafana/*: dashboard conventions as Grafana's dashboard-linter states them, on every checked dashboard.

Datasources through a variable (the same JSON works in every Grafana), $__rate_interval in rates,
a unit and a description on every data panel, unique uids, and no panel without a query.
"""
from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import promql_parser as pp

from ..problem import Problem, Severity
from ..promql import selector_name
from .base import Check, Subject, finding
from .files import DASHBOARD
from .items import RATE_INTERVAL_SECONDS, INTERVAL_SECONDS, VARIABLE_SECONDS, dashboard_of
from .series import nodes

# Panels that show no query results (layout and text) are exempt from the data-panel conventions.
NON_DATA = frozenset({"row", "text", "news", "dashlist", "alertlist", "annolist", "welcome", "gettingstarted"})
UNIT_PANELS = frozenset({"timeseries", "graph", "stat", "singlestat", "gauge", "bargauge", "table", "barchart",
                         "histogram"})
SPECIAL_DATASOURCES = ("-- Grafana --", "-- Mixed --", "-- Dashboard --", "grafana", "__expr__")
_VAR = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\}?$")
_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
CUSTOM_UNIT_PREFIXES = ("suffix:", "prefix:", "si:", "count:", "currency:", "time:", "bool")

_units_cache: dict[Path, frozenset] = {}
_lock = threading.Lock()


def _dashboards(ctx):
    for f in ctx.of(DASHBOARD):
        if f.doc is not None:
            dash, base = dashboard_of(f)
            yield f, dash, base


def _data_panels(ctx):
    return [p for p in ctx.panels if p.type not in NON_DATA and "libraryPanel" not in p.panel]


def _is_var(uid) -> bool:
    return isinstance(uid, str) and bool(_VAR.match(uid))


def _ds_uid(ds):
    return ds.get("uid") if isinstance(ds, dict) else ds


def datasource_variable(ctx) -> list[Problem]:
    out: list[Problem] = []
    for f, dash, base in _dashboards(ctx):
        templating = dash.get("templating") or {}
        if not isinstance(templating, dict) or not isinstance(templating.get("list") or [], list):
            subject = Subject(f.path, (lambda f=f, base=base: f.line(base + ("templating",))), external=f.external)
            out.append(finding("grafana/datasource-variable", subject, Severity.ERROR,
                               f"dashboard `{dash.get('uid', '?')}`: `templating` is not an object with a `list` of "
                               "variables", "write \"templating\": {\"list\": [{\"type\": \"datasource\", ...}]}"))
            continue
        variables = [v for v in templating.get("list") or [] if isinstance(v, dict)]
        ds_vars = {str(v.get("name")): str(v.get("query") or "") for v in variables if v.get("type") == "datasource"}
        # the export format: `${DS_PROMETHEUS}` names an input Grafana asks for on import
        ds_vars |= {str(i.get("name")): str(i.get("pluginId") or "") for i in dash.get("__inputs") or []
                    if isinstance(i, dict) and i.get("type") == "datasource"}
        used = set()
        for p in ctx.panels:
            if p.file is not f or p.type in NON_DATA:
                continue
            for ds in [p.panel.get("datasource")] + [t.get("datasource") for t in p.panel.get("targets") or []
                                                      if isinstance(t, dict)]:
                uid = _ds_uid(ds)
                if uid is None or uid in SPECIAL_DATASOURCES:
                    continue
                if _is_var(uid):
                    name = uid.strip("${}").split(":")[0]
                    if name not in ds_vars and not name.startswith("__"):
                        out.append(finding("grafana/datasource-variable", p, Severity.ERROR,
                                           f"panel `{p.name}` uses datasource `{uid}`, but the dashboard defines no "
                                           f"datasource variable `{name}`",
                                           "add a templating variable of type `datasource` with that name"))
                    else:
                        used.add(ds_vars.get(name, ""))
                    continue
                out.append(finding("grafana/datasource-variable", p, Severity.ERROR,
                                   f"panel `{p.name}` uses the fixed datasource `{uid}`",
                                   "refer to the datasource through a variable, e.g. {\"type\": \"prometheus\", "
                                   "\"uid\": \"${datasource}\"}, so the dashboard works in every Grafana"))
            if p.panel.get("targets") and p.panel.get("datasource") is None and all(
                    isinstance(t, dict) and t.get("datasource") is None for t in p.panel["targets"]):
                out.append(finding("grafana/datasource-variable", p, Severity.ERROR,
                                   f"panel `{p.name}` names no datasource, so it queries whatever is the default",
                                   "set the panel's datasource to the dashboard's datasource variable"))
        if any(p.file is f and p.type not in NON_DATA and p.panel.get("targets") for p in ctx.panels) and not ds_vars:
            subject = Subject(f.path, (lambda f=f, base=base: f.line(base + ("templating",))), external=f.external)
            out.append(finding("grafana/datasource-variable", subject, Severity.ERROR,
                               f"dashboard `{dash.get('uid', '?')}` has no datasource template variable",
                               "add templating.list entry {\"type\": \"datasource\", \"name\": \"datasource\", "
                               "\"query\": \"prometheus\"}"))
    return out


def rate_interval(ctx) -> list[Problem]:
    out: list[Problem] = []
    for q in ctx.queries:
        if q.origin != "panel" or q.ast is None:
            continue
        for node in nodes(q.ast):
            if not isinstance(node, pp.Call) or node.func.name not in ("rate", "irate", "increase"):
                continue
            for arg in node.args:
                if not isinstance(arg, pp.MatrixSelector):
                    continue
                seconds = arg.range.total_seconds()
                if seconds == RATE_INTERVAL_SECONDS:
                    continue
                what = "$__interval" if seconds == INTERVAL_SECONDS else (
                    "a range set by a variable" if seconds == VARIABLE_SECONDS else "a fixed range")
                out.append(finding("grafana/rate-interval", q.subject, Severity.ERROR,
                                   f"panel `{q.subject.name}`: `{node.func.name}({selector_name(arg.vector_selector)}"
                                   f"[...])` uses {what}",
                                   "write `[$__rate_interval]`: Grafana keeps it at least 4 scrape intervals at "
                                   "every zoom level", line=q.line_at))
    return out


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


def panel_unit(ctx) -> list[Problem]:
    out: list[Problem] = []
    known = _units(ctx)
    for p in _data_panels(ctx):
        if p.type not in UNIT_PANELS:
            continue
        defaults = ((p.panel.get("fieldConfig") or {}).get("defaults") or {})
        unit = defaults.get("unit") or _legacy_unit(p.panel)
        if not unit:
            out.append(finding("grafana/panel-unit", p, Severity.WARNING, f"panel `{p.name}` has no unit",
                               "set fieldConfig.defaults.unit (the catalog metric's unit, e.g. `s`, `bytes`, "
                               "`percentunit`, `reqps`)"))
        elif known and unit not in known and not str(unit).startswith(CUSTOM_UNIT_PREFIXES):
            out.append(finding("grafana/panel-unit", p, Severity.ERROR,
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


def panel_description(ctx) -> list[Problem]:
    return [finding("grafana/panel-description", p, Severity.WARNING, f"panel `{p.name}` has no description",
                    "say what the panel shows and what a bad value means; it appears as the panel's (i) tooltip")
            for p in _data_panels(ctx) if not str(p.panel.get("description") or "").strip()]


def uid_unique(ctx) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[str, str] = {}
    for f, dash, base in _dashboards(ctx):
        subject = Subject(f.path, (lambda f=f, base=base: f.line(base + ("uid",))), external=f.external)
        uid = dash.get("uid")
        if not uid:
            out.append(finding("grafana/uid-unique", subject, Severity.WARNING if f.external else Severity.ERROR,
                               "dashboard has no `uid`",
                               "set a stable uid so links and provisioning survive re-imports"))
            continue
        if not _UID.match(str(uid)):
            out.append(finding("grafana/uid-unique", subject, Severity.ERROR,
                               f"dashboard uid `{uid}` is not 1-40 characters of letters, digits, `-` and `_`",
                               "Grafana refuses other uids"))
        if uid in seen:
            out.append(finding("grafana/uid-unique", subject, Severity.ERROR,
                               f"dashboard uid `{uid}` is also used by {seen[uid]}",
                               "give every dashboard its own uid; the second one overwrites the first"))
        else:
            seen[uid] = f.path
        ids: dict[int, str] = {}
        for p in ctx.panels:
            if p.file is not f or "id" not in p.panel:
                continue
            pid = p.panel["id"]
            if pid in ids:
                out.append(finding("grafana/uid-unique", p, Severity.ERROR,
                                   f"panel id {pid} of `{p.name}` is also used by panel `{ids[pid]}`",
                                   "panel ids must be unique within a dashboard"))
            else:
                ids[pid] = p.name
    return out


def no_targets(ctx) -> list[Problem]:
    out: list[Problem] = []
    for p in _data_panels(ctx):
        targets = [t for t in p.panel.get("targets") or [] if isinstance(t, dict)]
        if not any(str(t.get("expr") or t.get("query") or t.get("rawSql") or "").strip() or t.get("queryType")
                   for t in targets):
            out.append(finding("grafana/no-targets", p, Severity.ERROR, f"panel `{p.name}` has no query",
                               "give the panel a target with an `expr`, or remove it"))
    return out


CHECKS = (
    Check("grafana/datasource-variable", "panels use the datasource through a dashboard variable",
          datasource_variable, (DASHBOARD,)),
    Check("grafana/rate-interval", "rates in panels use $__rate_interval", rate_interval, (DASHBOARD,)),
    Check("grafana/panel-unit", "data panels have a valid unit", panel_unit, (DASHBOARD,)),
    Check("grafana/panel-description", "data panels have a description", panel_description, (DASHBOARD,)),
    Check("grafana/uid-unique", "dashboard uids are valid and unique, panel ids unique", uid_unique, (DASHBOARD,)),
    Check("grafana/no-targets", "every data panel has a query", no_targets, (DASHBOARD,)),
)
