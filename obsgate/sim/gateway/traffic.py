"""A thread that sends the gateway its own requests, so dashboards move without a client."""
from __future__ import annotations

import threading


class SelfTraffic:
    """Sends `rps` generate requests per second through the gateway itself, so dashboards move."""

    PROMPTS = ("Summarise today's scanner alerts.", "Review the retrieval stage output.",
               "Plan the next workflow stage.", "Explain the latency budget.")

    def __init__(self, app, rps: float) -> None:
        self.app = app
        self.interval = 1.0 / rps
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="self-traffic", daemon=True)

    def start(self) -> "SelfTraffic":
        self._thread.start()
        return self

    def _run(self) -> None:
        i = 0
        models = self.app.metrics.models
        while not self._stop.wait(self.interval):
            body = {"model": models[i % len(models)], "prompt": self.PROMPTS[i % len(self.PROMPTS)], "stream": False}
            self.app.llm("generate", body)
            i += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
