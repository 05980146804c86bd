"""The static gate: checks over a Context, each `run(ctx) -> list[Problem]`, listed in registry.CHECKS.

`run` executes them on a small thread pool: promtool/amtool wait in subprocesses while the pure
checks use the interpreter, so a run costs about max(tools, checks) rather than their sum.
"""
from __future__ import annotations

import concurrent.futures as cf
import time

from ..problem import Problem, Severity
from .base import Check

WORKERS = 4


def run(ctx, checks: tuple[Check, ...] | None = None) -> tuple[list[Problem], dict[str, float]]:
    """All problems (sorted), and each check's wall time."""
    from .registry import CHECKS

    checks = CHECKS if checks is None else checks
    times: dict[str, float] = {}

    def one(check: Check) -> list[Problem]:
        started = time.perf_counter()
        try:
            found = list(check.run(ctx))
        except Exception as exc:  # a bug in a check must not hide the other checks' findings
            found = [Problem(check.id, Severity.FATAL, f"the check crashed: {type(exc).__name__}: {exc}",
                             hint="this is a bug in obsgate; please report it with the input")]
        times[check.id] = time.perf_counter() - started
        return [_shown(ctx, p) for p in found]

    with cf.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(one, checks))
    problems = sorted((p for batch in results for p in batch), key=Problem.sort_key)
    return problems, times


def _shown(ctx, p: Problem) -> Problem:
    """Paths as the user knows them (a scratch-tree path from a tool becomes the project path)."""
    if p.path and (p.path.startswith("/") or ctx.workdir is not None):
        shown = ctx.shown(p.path)
        if shown != p.path:
            from dataclasses import replace

            return replace(p, path=shown)
    return p
