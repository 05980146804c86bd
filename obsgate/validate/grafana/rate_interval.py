"""grafana/rate-interval: rates in panels use `$__rate_interval`, which follows the zoom and the scrape interval."""
from __future__ import annotations

import promql_parser as pp

from ...problem import Problem, Severity
from ...promql import selector_name
from ..base import Check, finding
from ..files import DASHBOARD
from ..items import INTERVAL_SECONDS, RATE_INTERVAL_SECONDS, VARIABLE_SECONDS
from ..series import nodes

CHECK = "grafana/rate-interval"


def check(ctx) -> list[Problem]:
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
                out.append(finding(CHECK, q.subject, Severity.ERROR,
                                   f"panel `{q.subject.name}`: `{node.func.name}({selector_name(arg.vector_selector)}"
                                   f"[...])` uses {what}",
                                   "write `[$__rate_interval]`: Grafana keeps it at least 4 scrape intervals at "
                                   "every zoom level", line=q.line_at))
    return out


CHECKS = (Check(CHECK, "rates in panels use $__rate_interval", check, (DASHBOARD,)),)
