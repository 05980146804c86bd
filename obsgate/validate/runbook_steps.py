"""runbooks/steps: every investigation step of every runbook parses and names what exists.

A PromQL step must parse and select only catalog, recorded or built-in series; a LogQL step must parse
on obsgate's LogQL engine and select declared log streams' labels; a link to a Grafana dashboard must
name a dashboard of the project. A runbook whose first query fails sends the responder astray at the
worst moment, so these are errors. (Panel titles in links are resolved by `generate` itself.)
"""
from __future__ import annotations

import difflib
import re

from .. import logql
from ..analysis.builtins import BUILTIN_SERIES
from ..generate.runbooks import runbook_steps
from ..problem import Problem, Severity
from ..promql import PromQLError, metric_names
from .base import Check

CHECK = "runbooks/steps"
DASHBOARD_LINK = re.compile(r"/d/([A-Za-z0-9_-]+)")
HINT = "fix the step in its Runbook: declare the metric in catalog/, record it, or correct the query"


def _problem(rule, step, message: str, hint: str = HINT) -> Problem:
    text = f"alert `{rule.name}` step \"{step.title}\": {message}"
    sup = rule.suppressed(CHECK)
    if sup is not None:
        return Problem(CHECK, Severity.INFO, f"suppressed: {sup.reason} ({text})", step.source.path, step.source.line)
    return Problem(CHECK, Severity.ERROR, text, step.source.path, step.source.line, hint)


def _promql(rule, step, known: set[str]) -> list[Problem]:
    try:
        names = metric_names(step.query)
    except PromQLError as exc:
        return [_problem(rule, step, f"PromQL does not parse: {exc}")]
    out = []
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
            out.append(_problem(rule, step, f"selects `{name}`, which no catalog entry or rule provides"
                                + (f" (did you mean `{close[0]}`?)" if close else "")))
    return out


def _logql(rule, step, stream_labels: set[str]) -> list[Problem]:
    try:
        query = logql.parse(step.query)
    except logql.LogQLError as exc:
        return [_problem(rule, step, f"LogQL does not parse: {exc}")]
    used = {m.name for selector in query.selectors() for m in selector}
    unknown = sorted(used - stream_labels) if stream_labels else []
    return [_problem(rule, step, f"selects streams by `{name}`, a label no log stream declares") for name in unknown]


def check(ctx) -> list[Problem]:
    project = ctx.project
    if project is None:
        return []
    known = set(BUILTIN_SERIES) | set(project.recorded) | {s for m in project.metrics for s in m.series_names}
    stream_labels = {lab.name for s in project.log_streams for lab in s.labels}
    boards = {b.uid for b in project.boards}
    out: list[Problem] = []
    for rule, step in runbook_steps(project):
        if step.lang == "promql" and step.query:
            out += _promql(rule, step, known)
        elif step.lang == "logql" and step.query:
            out += _logql(rule, step, stream_labels)
        elif step.lang == "link":
            m = DASHBOARD_LINK.search(step.query)
            if m and ":3000/" in step.query and m.group(1) not in boards:
                out.append(_problem(rule, step, f"links dashboard `{m.group(1)}`, which the project does not have",
                                    "use the uid of a dashboard in dashboards_src/"))
    return out


CHECKS = (Check(CHECK, "every runbook step parses and names catalog series, log labels and dashboards", check),)
