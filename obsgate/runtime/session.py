"""`up` and `down` as the commands run them: health wait, seeding, timings, and cleanup on any failure."""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field

from . import hooks, select
from .base import StackError, UpResult
from .layout import Layout
from .signals import deferred, interruptible


@dataclass
class Started:
    runtime: object
    result: UpResult
    timings: dict[str, float] = field(default_factory=dict)
    seeded: dict = field(default_factory=dict)


class _Seeder:
    """Seeds the datasets as soon as Mongo is healthy, while the other services are still starting."""

    def __init__(self, runtime, project, timeout: float) -> None:
        self.took, self._out, self._error = 0.0, {}, None
        self._thread = threading.Thread(target=self._run, args=(runtime, project, timeout), daemon=True)
        self._thread.start()

    def _run(self, runtime, project, timeout: float) -> None:
        t0 = time.monotonic()
        try:
            runtime.wait_healthy(timeout=timeout, names=["mongo"])
            self._out = hooks.seed_datasets(project)
        except Exception as exc:  # re-raised in the main thread by result()
            self._error = exc
        self.took = time.monotonic() - t0

    def result(self) -> dict:
        self._thread.join()
        if self._error is not None:
            raise StackError(f"seeding the datasets into mongo failed: {self._error}")
        return self._out


def runtime_in_use(root, project, default: str = "native", profile: str = "local"):
    """The runtime the state file says is running (so `down`/`smoke` need no --runtime), else `default`."""
    state = Layout(root).read_state()
    return select(state.get("runtime", default), root, project, state.get("profile", profile))


def start(root, project, kind: str, profile: str, wipe: bool = False, timeout: float = 60.0, out=sys.stdout,
          images: str = "") -> Started:
    """Start the stack and wait for health; on failure or SIGINT/SIGTERM, everything is stopped again."""
    t0 = time.monotonic()
    state = Layout(root).read_state()
    if state.get("services") and state.get("runtime") and kind == "auto":
        kind = state["runtime"]
    runtime = select(kind, root, project, profile, images)
    started = Started(runtime, UpResult())
    with interruptible():
        try:
            if wipe and not state.get("services"):
                runtime.down(wipe=True)
            started.result = res = runtime.up()
            started.timings.update(res.timings)
            if res.already_running and not res.started:
                started.timings["total"] = time.monotonic() - t0
                return started
            t1 = time.monotonic()
            seeder = _Seeder(runtime, project, timeout) if "mongo" in res.started else None
            runtime.wait_healthy(timeout=timeout)
            started.timings["healthy"] = time.monotonic() - t1
            if seeder:
                started.seeded = seeder.result()
                started.timings["seed"] = seeder.took
        except BaseException as exc:  # failure, SIGINT or SIGTERM: nothing may be left running
            with deferred():
                print(f"up failed ({type(exc).__name__}); stopping what was started", file=sys.stderr)
                try:
                    runtime.down()
                except StackError as down_exc:
                    print(down_exc.render(), file=sys.stderr)
            raise
    started.timings["total"] = time.monotonic() - t0
    return started


def stop(root, project, wipe: bool = False) -> tuple[object, list[str], float]:
    t0 = time.monotonic()
    runtime = runtime_in_use(root, project)
    with deferred():
        stopped = runtime.down(wipe=wipe)
    return runtime, stopped, time.monotonic() - t0


def format_timings(timings: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}s" for k, v in timings.items())
