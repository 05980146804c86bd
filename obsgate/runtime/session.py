"""`up` and `down` as the commands run them: health wait, seeding, timings, and cleanup on any failure."""
from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from http.client import HTTPException

from . import hooks, httpjson as http, ports, procs, select
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
          images: str = "", command: str = "up", fresh: bool = False) -> Started:
    """Start the stack and wait for health; on failure or SIGINT/SIGTERM, everything is stopped again.

    Call it holding `Layout(root).lock(command)`. A stack left by a killed run is stopped first (and
    said so); with `fresh` (ci) any running stack is. `command` up leaves the stack running on purpose:
    only such a stack is ever reused, and then with every simulator fault switched off.
    """
    t0 = time.monotonic()
    state = Layout(root).read_state()
    if state.get("services") and state.get("runtime") and kind == "auto":
        kind = state["runtime"]
    runtime = select(kind, root, project, profile, images)
    if clear_stale(root, runtime, fresh, out):
        state = Layout(root).read_state()
    started = Started(runtime, UpResult())
    with interruptible():
        try:
            if wipe and not state.get("services"):
                runtime.down(wipe=True)
            layout = Layout(root)
            if not layout.read_owner():
                me = os.getpid()
                layout.write_owner({"pid": me, "start": procs.start_time(me), "command": command, "complete": False})
            started.result = res = runtime.up()
            started.timings.update(res.timings)
            if res.already_running:
                for line in clear_faults(runtime.project, res.already_running):
                    print(line, file=out)
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
                why = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"up failed ({type(exc).__name__})"
                print(f"{why}; stopping what was started", file=sys.stderr)
                try:
                    runtime.down()
                    sweep(root)
                except StackError as down_exc:
                    print(down_exc.render(), file=sys.stderr)
            raise
    if command == "up":  # left running on purpose: the next `up` may reuse it
        Layout(root).write_owner({**Layout(root).read_owner(), "complete": True})
    started.timings["total"] = time.monotonic() - t0
    return started


def clear_stale(root, runtime, fresh: bool, out=sys.stdout) -> bool:
    """Stop a stack no live run owns: one a killed `up`/`ci` left (its owner record is not complete),
    processes the state file lost (found by working directory), or with `fresh` any stack at all.
    Returns whether anything was stopped; says so on `out`, never silently."""
    layout = Layout(root)
    owner = layout.read_owner()
    running = runtime.running() if hasattr(runtime, "running") else {}
    known = {p.pid for p in running.values()}
    orphans = [p for p in procs.under(layout.run) if p.pid not in known]
    if not running and not orphans:
        layout.owner_file.unlink(missing_ok=True)
        return False
    if not owner.get("complete"):
        who = f"`obsgate {owner['command']}` (pid {owner['pid']})" if owner.get("command") else "an earlier run"
        print(f"a previous run was killed ({who}); stopping the stack it left: "
              + ", ".join(sorted(running) + [f"pid {p.pid}" for p in orphans]), file=out)
    elif fresh and running:
        print("a stack is already running (left by `obsgate up`); stopping it to start fresh: "
              + ", ".join(sorted(running)), file=out)
    elif orphans:
        print(f"stopping {len(orphans)} process(es) of this project that the state file no longer lists: "
              + ", ".join(f"pid {p.pid} ({ports.command_line(p.pid)})" for p in orphans), file=out)
        _stop_orphans(orphans)
        return True
    else:
        return False
    with deferred():
        runtime.down()
        _stop_orphans(orphans)
        layout.owner_file.unlink(missing_ok=True)
    return True


def _stop_orphans(orphans) -> None:
    left = procs.stop_found(orphans)
    if left:
        raise StackError(f"processes of an earlier run survived SIGKILL: pids {left}",
                         hint="they may belong to another user; stop them by hand")


def sweep(root) -> list[int]:
    """Stop every process still running from this project's run directory; the pids it stopped."""
    found = procs.under(Layout(root).run)
    _stop_orphans(found)
    return [p.pid for p in found]


def clear_faults(project, services) -> list[str]:
    """Switch off simulator faults a killed smoke left on in a reused stack; one line per service.
    Only a scenario's target serves the fault API (/faults); no other service (an SMTP sink, the log store)
    is asked."""
    lines = []
    targets = {a.scenario.target for a in project.alerts if getattr(a, "scenario", None) is not None}
    for name in services:
        svc = project.stack.service(name)
        if name not in targets or svc.health_kind != "http":
            continue
        url = f"http://127.0.0.1:{svc.port}/faults"
        try:
            active = http.get(url, timeout=2.0).get("active") or []
            if active:
                http.request("DELETE", url, timeout=2.0)
                lines.append(f"{name}: faults {', '.join(active)} were left switched on by a killed run; "
                             "switched them off")
        except (http.HTTPError, OSError, ValueError, AttributeError, HTTPException):  # serves no /faults
            continue
    return lines


def stop(root, project, wipe: bool = False) -> tuple[object, list[str], float]:
    """Stop the stack the state file names, then any process of the run directory it lost."""
    t0 = time.monotonic()
    runtime = runtime_in_use(root, project)
    with deferred():
        stopped = runtime.down(wipe=wipe)
        stopped += [f"pid {pid} (not in the state file)" for pid in sweep(root)]
        Layout(root).owner_file.unlink(missing_ok=True)
    return runtime, stopped, time.monotonic() - t0


def format_timings(timings: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}s" for k, v in timings.items())
