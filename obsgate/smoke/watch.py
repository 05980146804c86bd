"""Which services each smoke stage needs, and a watch that names a dead one within seconds.

A refused connection is not "not yet": when a request is refused (or the background probe sees it),
the service's own health check is asked twice; a service that refuses both, or whose process is
gone, is dead. From then on every smoke request fails at once naming it, so a run with a dead
service ends in seconds instead of waiting out each stage's budget.
"""
from __future__ import annotations

import contextlib
import threading
import time
import urllib.parse

from ..runtime import health, procs

# The services a stage talks to (those the stack does not run are left out).
NEEDS = {
    "targets": ("prometheus",),
    "rules": ("prometheus",),
    "alertmanager": ("alertmanager",),
    "loki": ("loki",),
    "mongo": ("mongo",),
    "llm": ("llm-gateway",),
    "panels": ("prometheus", "loki"),
    "grafana": ("grafana",),
    "scenarios": ("prometheus", "alertmanager", "alert-sink"),
}
PROBE_INTERVAL = 1.0  # seconds between background probes of every service
CONFIRM_GAP = 0.3  # seconds between the two probes that confirm a refusal


class ServiceDown(Exception):
    """A service the smoke run needs is dead; raised by every smoke request once it is known."""

    def __init__(self, service: str, evidence: str) -> None:
        super().__init__(f"service `{service}` is down ({evidence})")
        self.service, self.evidence = service, evidence


class Watch:
    def __init__(self, ctx) -> None:
        stack = ctx.project.stack
        running = ctx.state.get("services") or {}
        self.checks: dict[str, health.Check] = {}
        self.procs: dict[str, procs.Proc] = {}
        for svc in stack.services:
            if ctx.skipped_reason(svc.name) or (running and svc.name not in running):
                continue
            self.checks[svc.name] = health.Check(svc.health_kind, svc.port, svc.health or "/")
            rec = running.get(svc.name) or {}
            if rec.get("pid") and rec.get("start"):
                self.procs[svc.name] = procs.Proc(int(rec["pid"]), int(rec["start"]))
        self.by_port = {c.port: name for name, c in self.checks.items()}
        self.dead: dict[str, str] = {}
        self.died_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- is it dead? ------------------------------------------------------------------------------
    def _refused(self, name: str) -> str:
        """"" when the service answers (even with an error status); else what was seen."""
        proc = self.procs.get(name)
        if proc is not None and not procs.alive(proc):
            return f"its process (pid {proc.pid}) has exited"
        ok, seen = health.probe(self.checks[name], timeout=1.0)
        if ok or not seen.startswith("ConnectionRefused"):
            return ""
        return f"{self.checks[name].describe()}: connection refused"

    def confirm(self, name: str) -> bool:
        """Probe `name` twice; record it dead when it refused both times (or its process is gone)."""
        if name in self.dead:
            return True
        if name not in self.checks:
            return False
        first = self._refused(name)
        if not first:
            return False
        if "has exited" not in first:
            time.sleep(CONFIRM_GAP)
            first = self._refused(name)
            if not first:
                return False
        with self._lock:
            self.dead.setdefault(name, first)
            self.died_at.setdefault(name, time.monotonic())
        return True

    def on_refused(self, url: str) -> None:
        """A request to `url` failed without an answer: if its service is dead, raise ServiceDown."""
        name = self.by_port.get(urllib.parse.urlsplit(url).port or 0)
        if name and self.confirm(name):
            raise ServiceDown(name, self.dead[name])

    def raise_if_dead(self) -> None:
        if self.dead:
            name = next(iter(self.dead))
            raise ServiceDown(name, self.dead[name])

    def require(self, names) -> dict[str, str]:
        """{service: evidence} for those of `names` the stack runs that are dead right now."""
        return {n: self.dead[n] for n in names if n in self.checks and self.confirm(n)}

    # --- the background probe ---------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.wait(PROBE_INTERVAL):
            for name in list(self.checks):
                if self._stop.is_set():
                    return
                self.confirm(name)

    @contextlib.contextmanager
    def running(self):
        """Probe every service in the background for the block, and make this the watch smoke requests ask."""
        _CURRENT.append(self)
        self._thread = threading.Thread(target=self._loop, daemon=True, name="smoke-watch")
        self._thread.start()
        old_hook = threading.excepthook

        def quiet(args):  # a helper thread stopped by ServiceDown: the watch reports it, once
            if not issubclass(args.exc_type, ServiceDown):
                old_hook(args)

        threading.excepthook = quiet
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=5)
            threading.excepthook = old_hook
            _CURRENT.remove(self)


_CURRENT: list[Watch] = []


def current() -> Watch | None:
    return _CURRENT[-1] if _CURRENT else None
