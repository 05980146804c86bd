"""grafana/datasource-variable: panels and targets name their datasource through a dashboard variable."""
from __future__ import annotations

from ...problem import Problem, Severity
from ..base import Check, Subject, finding
from ..files import DASHBOARD
from . import NON_DATA, SPECIAL_DATASOURCES, dashboards, ds_uid, is_var

CHECK = "grafana/datasource-variable"


def check(ctx) -> list[Problem]:
    out: list[Problem] = []
    for f, dash, base in dashboards(ctx):
        templating = dash.get("templating") or {}
        if not isinstance(templating, dict) or not isinstance(templating.get("list") or [], list):
            subject = Subject(f.path, (lambda f=f, base=base: f.line(base + ("templating",))), external=f.external)
            out.append(finding(CHECK, subject, Severity.ERROR,
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
                uid = ds_uid(ds)
                if uid is None or uid in SPECIAL_DATASOURCES:
                    continue
                if is_var(uid):
                    name = uid.strip("${}").split(":")[0]
                    if name not in ds_vars and not name.startswith("__"):
                        out.append(finding(CHECK, p, Severity.ERROR,
                                           f"panel `{p.name}` uses datasource `{uid}`, but the dashboard defines no "
                                           f"datasource variable `{name}`",
                                           "add a templating variable of type `datasource` with that name"))
                    else:
                        used.add(ds_vars.get(name, ""))
                    continue
                out.append(finding(CHECK, p, Severity.ERROR,
                                   f"panel `{p.name}` uses the fixed datasource `{uid}`",
                                   "refer to the datasource through a variable, e.g. {\"type\": \"prometheus\", "
                                   "\"uid\": \"${datasource}\"}, so the dashboard works in every Grafana"))
            if p.panel.get("targets") and p.panel.get("datasource") is None and all(
                    isinstance(t, dict) and t.get("datasource") is None for t in p.panel["targets"]):
                out.append(finding(CHECK, p, Severity.ERROR,
                                   f"panel `{p.name}` names no datasource, so it queries whatever is the default",
                                   "set the panel's datasource to the dashboard's datasource variable"))
        if any(p.file is f and p.type not in NON_DATA and p.panel.get("targets") for p in ctx.panels) and not ds_vars:
            subject = Subject(f.path, (lambda f=f, base=base: f.line(base + ("templating",))), external=f.external)
            out.append(finding(CHECK, subject, Severity.ERROR,
                               f"dashboard `{dash.get('uid', '?')}` has no datasource template variable",
                               "add templating.list entry {\"type\": \"datasource\", \"name\": \"datasource\", "
                               "\"query\": \"prometheus\"}"))
    return out


CHECKS = (Check(CHECK, "panels use the datasource through a dashboard variable", check, (DASHBOARD,)),)
