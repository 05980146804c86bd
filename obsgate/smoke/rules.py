"""Every generated rule group is loaded by Prometheus, each rule evaluated, healthy, without lastError."""
from __future__ import annotations

import time

from .base import Case, Context, poll
from . import http

FAMILY = "rules"
WAIT = 15.0  # each rule must have been evaluated at least once


def _loaded(ctx: Context) -> dict[str, dict]:
    groups = http.get(ctx.prom + "/api/v1/rules")["data"]["groups"]
    return {g["name"]: g for g in groups}


def check(ctx: Context) -> list[Case]:
    t0 = time.monotonic()
    names = [g.name for g in ctx.project.groups]

    def evaluated():
        loaded = _loaded(ctx)
        done = all(n in loaded and all(not r.get("lastEvaluation", "0001").startswith("0001")
                                       for r in loaded[n]["rules"]) for n in names)
        return loaded if done else None

    try:
        loaded = poll(evaluated, WAIT, 0.5) or _loaded(ctx)
    except http.HTTPError as exc:
        return [Case(FAMILY, "prometheus answers", query="GET /api/v1/rules").fail(str(exc))]
    took = time.monotonic() - t0
    cases = []
    for group in ctx.project.groups:
        case = Case(FAMILY, f"group {group.name} loaded and healthy", query=f"GET /api/v1/rules (group {group.name})",
                    seconds=took, path=group.source.path, line=group.source.line)
        got = loaded.get(group.name)
        if got is None:
            cases.append(case.fail("group is not loaded", hint="check `rule_files` in prometheus.yml and the log"))
            continue
        bad = [f"{r['name']}: health {r.get('health')}" + (f", lastError {r['lastError']}" if r.get("lastError") else "")
               for r in got["rules"] if r.get("health") != "ok" or r.get("lastError")]
        case.value = f"{len(got['rules'])} rules, {len(got['rules']) - len(bad)} ok"
        if len(got["rules"]) != len(group.rules):
            case.fail(f"{len(got['rules'])} rules loaded, {len(group.rules)} generated")
        elif bad:
            case.fail("; ".join(bad))
        cases.append(case)
    extra = sorted(set(loaded) - set(names))
    if extra:
        cases.append(Case(FAMILY, "no unexpected groups", value=", ".join(extra))
                     .fail("Prometheus loaded groups obsgate did not generate"))
    return cases
