"""grafana/*: dashboard conventions as Grafana's dashboard-linter states them, on every checked dashboard;
one module per check, named after its id. The shared pieces (which panels hold data, the dashboards) live here.

Datasources through a variable (the same JSON works in every Grafana), $__rate_interval in rates,
a unit and a description on every data panel, unique uids, and no panel without a query.
"""
from __future__ import annotations

import re

from ..files import DASHBOARD
from ..items import dashboard_of

# Panels that show no query results (layout and text) are exempt from the data-panel conventions.
NON_DATA = frozenset({"row", "text", "news", "dashlist", "alertlist", "annolist", "welcome", "gettingstarted"})
SPECIAL_DATASOURCES = ("-- Grafana --", "-- Mixed --", "-- Dashboard --", "grafana", "__expr__")
_VAR = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\}?$")


def dashboards(ctx):
    for f in ctx.of(DASHBOARD):
        if f.doc is not None:
            dash, base = dashboard_of(f)
            yield f, dash, base


def data_panels(ctx):
    return [p for p in ctx.panels if p.type not in NON_DATA and "libraryPanel" not in p.panel]


def is_var(uid) -> bool:
    return isinstance(uid, str) and bool(_VAR.match(uid))


def ds_uid(ds):
    return ds.get("uid") if isinstance(ds, dict) else ds
