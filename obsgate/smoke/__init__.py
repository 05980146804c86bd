"""Live checks against a running stack, one module per family; each returns Cases with evidence.

Alert scenarios take longest, so they run in the background while the quick families run (after the
targets check, which a scenario taking a target down would otherwise disturb).
"""
from __future__ import annotations

import importlib
import threading
import time

from .base import Case, Context

QUICK = ("rules", "alertmanager", "loki", "mongo", "llm", "panels", "grafana")
FAMILIES = ("targets",) + QUICK + ("scenarios",)


def _run(family: str, ctx: Context) -> list[Case]:
    module = importlib.import_module(f"{__name__}.{family}")
    t0 = time.monotonic()
    try:
        return module.check(ctx)
    except Exception as exc:  # a crashed check is a failed case with its reason, never a silent pass
        return [Case(family, "check ran", seconds=time.monotonic() - t0).fail(f"{type(exc).__name__}: {exc}")]


def run_all(ctx: Context, families=FAMILIES, timings: dict | None = None) -> list[Case]:
    timings = {} if timings is None else timings
    results: dict[str, list[Case]] = {}

    def timed(family: str) -> None:
        t0 = time.monotonic()
        results[family] = _run(family, ctx)
        timings[family] = time.monotonic() - t0

    if "targets" in families:
        timed("targets")
    background = None
    if "scenarios" in families:
        background = threading.Thread(target=timed, args=("scenarios",), daemon=True)
        background.start()
    for family in families:
        if family not in ("targets", "scenarios"):
            timed(family)
    if background:
        background.join()
    return [c for f in families for c in results.get(f, [])]
