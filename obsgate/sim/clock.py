"""A background ticker: advances time-driven state (an Engine, the gateway's overlays) on wall time."""
from __future__ import annotations

import threading
import time
from typing import Callable


class Ticker:
    """Calls `step(dt)` every `interval` seconds with the real elapsed time, until `stop()`."""

    def __init__(self, step: Callable[[float], None], interval: float = 0.5, name: str = "ticker") -> None:
        self.step = step
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> "Ticker":
        self._thread.start()
        return self

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.interval):
            now = time.monotonic()
            self.step(now - last)
            last = now

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
