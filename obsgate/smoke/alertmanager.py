"""Alertmanager is ready, has loaded the generated config (every receiver), and its cluster is settled."""
from __future__ import annotations

import time

from .base import Case, Context, poll
from . import http

FAMILY = "alertmanager"
SETTLED = ("ready", "disabled")  # `disabled`: a single instance run without cluster listener (native)


def check(ctx: Context) -> list[Case]:
    base = ctx.url("alertmanager")
    t0 = time.monotonic()
    ready = Case(FAMILY, "ready", query="GET /-/ready")
    try:
        http.get(base + "/-/ready", raw=True)
        ready.value = "200"
    except http.HTTPError as exc:
        return [ready.fail(str(exc))]
    ready.seconds = time.monotonic() - t0
    cases = [ready]
    t0 = time.monotonic()
    status = poll(lambda: (lambda s: s if s["cluster"]["status"] in SETTLED else None)(http.get(base + "/api/v2/status")),
                  30.0, 0.5) or http.get(base + "/api/v2/status")
    cluster = Case(FAMILY, "cluster ready", query="GET /api/v2/status .cluster.status",
                   value=status["cluster"]["status"], seconds=time.monotonic() - t0)
    if status["cluster"]["status"] not in SETTLED:
        cluster.fail(f"cluster status is `{status['cluster']['status']}`")
    cases.append(cluster)
    original = status.get("config", {}).get("original", "")
    routing = ctx.project.stack.routing
    missing = [r.name for r in routing.receivers if f"name: {r.name}" not in original]
    loaded = Case(FAMILY, "generated config loaded", query="GET /api/v2/status .config.original",
                  value=f"{len(routing.receivers) - len(missing)}/{len(routing.receivers)} receivers",
                  path=routing.source.path, line=routing.source.line)
    if not original:
        loaded.fail("no configuration loaded")
    elif missing:
        loaded.fail("receivers missing from the loaded config: " + ", ".join(missing))
    cases.append(loaded)
    return cases
