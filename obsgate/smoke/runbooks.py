"""Every PromQL and LogQL step of every runbook runs against the live stack and returns without error.

A step is written for a responder, with `<name>` where they fill in a value; such a step still runs
(its matcher simply selects nothing), so a query the engines reject fails here, not during an incident.
Shell and link steps are not run (they act on hosts and other tools); the case counts them.
"""
from __future__ import annotations

import time

from ..generate.runbooks import runbook_steps
from . import http
from .base import Case, Context

FAMILY = "runbooks"


def _run(ctx: Context, step) -> str:
    """"" when the engine answered the query, else its error."""
    try:
        if step.lang == "promql":
            http.get(ctx.prom + "/api/v1/query", {"query": step.query})
        else:
            now = time.time_ns()
            http.get(ctx.url("loki") + "/loki/api/v1/query_range",
                     {"query": step.query, "start": str(now - 3600 * 10**9), "end": str(now), "limit": "10"})
    except http.HTTPError as exc:
        return str(exc)
    return ""


def check(ctx: Context) -> list[Case]:
    steps = runbook_steps(ctx.project)
    queries: dict[tuple[str, str], tuple] = {}
    for rule, step in steps:
        if step.lang in ("promql", "logql") and step.query:
            queries.setdefault((step.lang, step.query), (rule, step))
    skipped_logql = not ctx.has("loki") or bool(ctx.skipped_reason("loki"))
    cases = []
    for lang in ("promql", "logql"):
        todo = [(q, rs) for (lg, q), rs in queries.items() if lg == lang]
        case = Case(FAMILY, f"{lang} steps return without error",
                    query=f"{len(todo)} distinct {lang} step(s) of {len({r.name for r, _ in steps})} runbooks")
        if lang == "logql" and skipped_logql:
            cases.append(case.skip(f"the log store does not run: {ctx.skipped_reason('loki') or 'not in the stack'}"))
            continue
        t0 = time.monotonic()
        failed = []
        for query, (rule, step) in todo:
            error = _run(ctx, step)
            if error:
                failed.append((rule, step, error))
        case.seconds = time.monotonic() - t0
        case.value = f"{len(todo) - len(failed)}/{len(todo)} answered"
        if failed:
            rule, step, error = failed[0]
            case.path, case.line = step.source.path, step.source.line
            case.fail(f"{len(failed)} step(s) rejected; first: alert `{rule.name}` step \"{step.title}\": {error}",
                      hint="run the step's query by hand; fix it in its Runbook")
        cases.append(case)
    others = sum(1 for _, s in steps if s.lang in ("shell", "link"))
    cases.append(Case(FAMILY, "shell and link steps", value=f"{others} step(s)").skip(
        "shell commands and links act on hosts and other tools; runbooks/steps checks them statically"))
    return cases
