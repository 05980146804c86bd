"""Live checks against a running stack, one module per family; each returns Cases with evidence.

Alert scenarios take longest, so they run in the background while the quick families run. The families
whose subject a scenario's fault changes run before the scenarios start: targets (a fault takes a target
down) and mongo (a fault takes a channel's newest digests out of MongoDB to fire the coverage alert).
"""
from __future__ import annotations

import threading
import time

from . import alertmanager, grafana, llm, loki, mongo, panels, rules, runbooks, scenarios, targets
from .base import Case, Context
from .watch import NEEDS, ServiceDown, Watch

# The one list of smoke families (module per family), and the order they run in.
MODULES = {"targets": targets, "mongo": mongo, "rules": rules, "alertmanager": alertmanager, "loki": loki, "llm": llm,
           "panels": panels, "grafana": grafana, "runbooks": runbooks, "scenarios": scenarios}
BEFORE_FAULTS = ("targets", "mongo")
QUICK = ("rules", "alertmanager", "loki", "llm", "panels", "grafana", "runbooks")
FAMILIES = BEFORE_FAULTS + QUICK + ("scenarios",)


def _run(family: str, ctx: Context, watch: Watch) -> list[Case]:
    down = watch.require(NEEDS.get(family, ()))
    if down:  # checked before the stage: a dead service fails it at once, named
        return [Case(family, f"needs `{name}`").fail(f"service `{name}` is down ({seen}); the {family} checks did "
                                                      "not run", _log_hint(ctx, name)) for name, seen in down.items()]
    module = MODULES[family]
    t0 = time.monotonic()
    try:
        return module.check(ctx)
    except ServiceDown as exc:
        return [Case(family, "check ran", seconds=time.monotonic() - t0).fail(
            f"stopped: {exc}", _log_hint(ctx, exc.service))]
    except Exception as exc:  # a crashed check is a failed case with its reason, never a silent pass
        return [Case(family, "check ran", seconds=time.monotonic() - t0).fail(f"{type(exc).__name__}: {exc}")]


def _log_hint(ctx: Context, name: str) -> str:
    return f"it stopped answering during smoke; read its log (.run/{name}/{name}.log for the native runtime) " \
           "and run `obsgate up` to restart it"


def run_all(ctx: Context, families=FAMILIES, timings: dict | None = None) -> list[Case]:
    """Every family; a service that dies ends the run in seconds with a failed case naming it."""
    timings = {} if timings is None else timings
    results: dict[str, list[Case]] = {}
    t_start = time.monotonic()
    with Watch(ctx).running() as watch:
        def timed(family: str) -> None:
            t0 = time.monotonic()
            results[family] = _run(family, ctx, watch)
            timings[family] = time.monotonic() - t0

        for family in BEFORE_FAULTS:
            if family in families:
                timed(family)
        background = None
        if "scenarios" in families:
            background = threading.Thread(target=timed, args=("scenarios",), daemon=True)
            background.start()
        for family in families:
            if family not in BEFORE_FAULTS + ("scenarios",):
                timed(family)
        if background:
            background.join()
    dead = [Case("stack", f"`{name}` stayed up").fail(
        f"service `{name}` died {watch.died_at[name] - t_start:.0f}s into smoke ({seen})", _log_hint(ctx, name))
        for name, seen in watch.dead.items()]
    return dead + [c for f in families for c in results.get(f, [])]
