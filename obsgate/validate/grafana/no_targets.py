"""grafana/no-targets: every data panel has a query."""
from __future__ import annotations

from ...problem import Problem, Severity
from ..base import Check, finding
from ..files import DASHBOARD
from . import data_panels

CHECK = "grafana/no-targets"


def check(ctx) -> list[Problem]:
    out: list[Problem] = []
    for p in data_panels(ctx):
        targets = [t for t in p.panel.get("targets") or [] if isinstance(t, dict)]
        if not any(str(t.get("expr") or t.get("query") or t.get("rawSql") or "").strip() or t.get("queryType")
                   for t in targets):
            out.append(finding(CHECK, p, Severity.ERROR, f"panel `{p.name}` has no query",
                               "give the panel a target with an `expr`, or remove it"))
    return out


CHECKS = (Check(CHECK, "every data panel has a query", check, (DASHBOARD,)),)
