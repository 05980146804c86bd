"""Health waits: every service probed with its own backoff, one overall deadline, log tail on timeout."""
from __future__ import annotations

import http.client
import socket
import time
from dataclasses import dataclass
from typing import Callable

from .base import HealthTimeout

FIRST_DELAY, MAX_DELAY = 0.05, 1.0


@dataclass(frozen=True)
class Check:
    kind: str  # http | tcp
    port: int
    path: str = "/"
    host: str = "127.0.0.1"

    def describe(self) -> str:
        return f"tcp {self.host}:{self.port}" if self.kind == "tcp" else f"GET http://{self.host}:{self.port}{self.path}"


def probe(check: Check, timeout: float = 1.0) -> tuple[bool, str]:
    """(healthy, what was seen): HTTP 200 for http checks, an accepted connection for tcp checks."""
    try:
        if check.kind == "tcp":
            with socket.create_connection((check.host, check.port), timeout=timeout):
                return True, "connected"
        conn = http.client.HTTPConnection(check.host, check.port, timeout=timeout)
        try:
            conn.request("GET", check.path)
            resp = conn.getresponse()
            body = resp.read(200).decode(errors="replace").strip()
            return resp.status == 200, f"HTTP {resp.status} {body[:80]}"
        finally:
            conn.close()
    except OSError as exc:
        return False, type(exc).__name__ + (f": {exc.strerror}" if getattr(exc, "strerror", None) else "")
    except http.client.HTTPException as exc:
        return False, type(exc).__name__


def wait_all(checks: dict[str, Check], timeout: float, running: Callable[[str], bool],
             log_tail: Callable[[str], str]) -> dict[str, float]:
    """Seconds until each service was healthy. Fails fast when a process exits, else at the deadline."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    delay = {name: FIRST_DELAY for name in checks}
    due = {name: t0 for name in checks}
    last: dict[str, str] = {}
    done: dict[str, float] = {}
    while len(done) < len(checks):
        now = time.monotonic()
        for name, check in checks.items():
            if name in done or due[name] > now:
                continue
            ok, seen = probe(check, timeout=min(1.0, max(0.1, deadline - now)))
            last[name] = seen
            if ok:
                done[name] = time.monotonic() - t0
                continue
            if not running(name):
                raise HealthTimeout(f"service `{name}` exited before it became healthy ({check.describe()}: {seen})",
                                    hint=f"its log is shown below; rerun with the same command to retry",
                                    details=f"last 20 lines of {name}'s log:\n" + (log_tail(name) or "(empty)"))
            delay[name] = min(MAX_DELAY, delay[name] * 2)
            due[name] = time.monotonic() + delay[name]
        if len(done) == len(checks):
            break
        if time.monotonic() >= deadline:
            name = next(n for n in checks if n not in done)
            raise HealthTimeout(
                f"service `{name}` not healthy after {timeout:.0f}s ({checks[name].describe()}: {last.get(name, 'no answer')})",
                hint="raise --timeout if the machine is slow, or read the log below",
                details=f"last 20 lines of {name}'s log:\n" + (log_tail(name) or "(empty)"))
        pending = [due[n] for n in checks if n not in done]
        time.sleep(max(0.0, min(pending) - time.monotonic()) if pending else 0)
    return done
