"""Loki is ready, a pushed line can be read back with LogQL, and the ruler loaded the generated groups.

The same checks read the official Loki image (docker) and obsgate's log store (native), through the
same API; the `ready` case's value shows which one answered (the log store names itself there).
"""
from __future__ import annotations

import json
import time
import uuid

from ..analysis.durations import seconds
from .base import Case, Context, poll
from . import http

FAMILY = "loki"


def check(ctx: Context) -> list[Case]:
    if not ctx.has("loki"):
        return []
    base = ctx.url("loki")
    cases = []
    t0 = time.monotonic()
    ready = Case(FAMILY, "ready", query="GET /ready")
    try:
        ready.value = http.get(base + "/ready", raw=True).strip()
    except http.HTTPError as exc:
        return [ready.fail(str(exc))]
    ready.seconds = time.monotonic() - t0
    cases.append(ready)
    cases.append(_roundtrip(base))
    cases.append(_ruler(ctx, base))
    return cases


def _roundtrip(base: str) -> Case:
    nonce = uuid.uuid4().hex[:12]
    selector = f'{{source="obsgate-smoke", nonce="{nonce}"}}'
    case = Case(FAMILY, "push a line and read it back", query=f'{selector} |= "smoke"')
    t0 = time.monotonic()
    now_ns = time.time_ns()
    line = json.dumps({"msg": "smoke roundtrip", "nonce": nonce})
    try:
        http.post(base + "/loki/api/v1/push", {"streams": [{"stream": {"source": "obsgate-smoke", "nonce": nonce},
                                                             "values": [[str(now_ns), line]]}]})

        def read():
            data = http.get(base + "/loki/api/v1/query_range",
                            {"query": case.query, "start": str(now_ns - 60 * 10**9), "end": str(time.time_ns() + 10**9),
                             "limit": "10"})
            return [v[1] for s in data["data"]["result"] for v in s["values"]]

        lines = poll(read, 10.0, 0.2)
    except http.HTTPError as exc:
        return case.fail(str(exc))
    case.seconds = time.monotonic() - t0
    case.value = f"{len(lines)} line(s)"
    if line not in lines:
        case.fail("the pushed line was not returned within 10s")
    return case


def _evaluated(rule: dict) -> bool:
    return not str(rule.get("lastEvaluation") or "0001").startswith("0001")


def _ruler(ctx: Context, base: str) -> Case:
    """Every generated Loki group is loaded, and each of its rules evaluated at least once without error."""
    wanted = {g.name: len(g.rules) for g in ctx.project.loki_groups}
    case = Case(FAMILY, "ruler loaded the generated rule groups", query="GET /prometheus/api/v1/rules")
    wait = 10.0 + 3 * seconds(ctx.stack_profile().loki_eval_interval)
    t0 = time.monotonic()

    def groups() -> dict:
        return {g["name"]: g for g in http.get(base + "/prometheus/api/v1/rules")["data"]["groups"]}

    try:
        def evaluated():
            names = groups()
            done = all(n in names and all(_evaluated(r) for r in names[n]["rules"]) for n in wanted)
            return names if done else None

        names = poll(evaluated, wait, 0.5) or groups()
    except http.HTTPError as exc:
        return case.fail(str(exc))
    case.seconds = time.monotonic() - t0
    missing = [n for n in wanted if n not in names]
    rules = [r for n in wanted if n in names for r in names[n]["rules"]]
    unhealthy = [f"{r['name']}: health {r.get('health')}" + (f", lastError {r['lastError']}" if r.get("lastError") else "")
                 for r in rules if r.get("health") != "ok" or r.get("lastError")]
    miscounted = [f"{n}: {len(names[n]['rules'])} rules loaded, {count} generated" for n, count in wanted.items()
                  if n in names and len(names[n]["rules"]) != count]
    case.value = (f"{len(wanted) - len(missing)}/{len(wanted)} groups, "
                  f"{sum(1 for r in rules if _evaluated(r))}/{sum(wanted.values())} rules evaluated")
    if missing:
        case.fail("not loaded: " + ", ".join(missing),
                  hint="check the ruler's rule dir (Loki: `ruler.storage.local.directory`; the log store: `--rules`) "
                       "and its tenant subdirectory")
    elif miscounted:
        case.fail("; ".join(miscounted))
    elif unhealthy:
        case.fail(f"not evaluated healthy within {wait:.0f}s: " + "; ".join(unhealthy))
    return case
