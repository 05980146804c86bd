"""Every scrape target of the stack is up (`up == 1`), and none is missing from Prometheus."""
from __future__ import annotations

import time

from .base import Case, Context, poll
from . import http

FAMILY = "targets"
WAIT = 15.0  # a just-started target needs one scrape interval (plus its start-up) before up turns 1


def expected_jobs(ctx: Context) -> dict[str, str]:
    """job -> service for every scraped service the runtime started."""
    return {s.job: s.name for s in ctx.project.stack.scraped
            if ctx.runtime in s.runtimes and not ctx.skipped_reason(s.name)}


def check(ctx: Context) -> list[Case]:
    jobs = expected_jobs(ctx)
    t0 = time.monotonic()

    def values():
        got = {}
        for sample in ctx.promql("up"):
            got[sample["metric"].get("job", "")] = (sample["metric"].get("instance", ""), float(sample["value"][1]))
        return got if all(got.get(j, ("", 0))[1] == 1 for j in jobs) else None

    try:
        seen = poll(values, WAIT, 0.5) or {s["metric"].get("job", ""): (s["metric"].get("instance", ""), float(s["value"][1]))
                                          for s in ctx.promql("up")}
        targets = {t["labels"].get("job"): t for t in http.get(ctx.prom + "/api/v1/targets", {"state": "active"})
                   ["data"]["activeTargets"]}
    except http.HTTPError as exc:
        return [Case(FAMILY, "prometheus answers", query="up").fail(str(exc))]
    took = time.monotonic() - t0
    cases = []
    for job, service in sorted(jobs.items()):
        svc = ctx.project.stack.service(service)
        case = Case(FAMILY, f"{job} ({service}) is up", query=f'up{{job="{job}"}}', seconds=took,
                    path=svc.source.path, line=svc.source.line)
        instance, value = seen.get(job, ("", None))
        case.value = "no series" if value is None else f"{value:g} ({instance})"
        if value != 1:
            target = targets.get(job, {})
            case.fail(f"`up` is {case.value} after {WAIT:.0f}s" + (f"; last scrape error: {target.get('lastError')}"
                                                                    if target.get("lastError") else ""),
                      hint=f"read .run/{service}/{service}.log, or GET {ctx.url(service)}{svc.metrics_path}")
        cases.append(case)
    for job in sorted(set(seen) - set(jobs)):
        cases.append(Case(FAMILY, f"{job} is a target the stack does not declare", query=f'up{{job="{job}"}}',
                          value=str(seen[job][1])).fail("scraped but not in the stack model",
                                                         hint="regenerate the configs (`obsgate down` and `up`)"))
    return cases
