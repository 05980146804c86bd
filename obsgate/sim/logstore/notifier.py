"""Posting alerts to Alertmanager's v2 API (POST /api/v2/alerts) from a queue, as Prometheus' notifier does.

Batches go out on a background thread so that a slow Alertmanager never delays rule evaluation; the
queue is bounded (the oldest alerts are dropped first) and each URL gets every batch.
"""
from __future__ import annotations

import json
import sys
import threading
from collections import deque
from datetime import datetime, timezone
from urllib.parse import quote

from ..post import post_json
from .rules import Alert

QUEUE_CAPACITY = 10000  # Prometheus' --alertmanager.notification-queue-capacity default


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def generator_url(external_url: str, expr: str) -> str:
    """Prometheus' strutil.TableLinkForExpression, under the ruler's external URL."""
    return f"{external_url.rstrip('/')}/graph?g0.expr={quote(expr, safe='')}&g0.tab=1"


def payload(alerts: list[Alert], expr: str, external_url: str) -> list[dict]:
    out = []
    for a in alerts:
        out.append({
            "labels": dict(a.labels),
            "annotations": dict(a.annotations),
            "startsAt": rfc3339(a.fired_at or a.active_at),
            "endsAt": rfc3339(a.resolved_at if a.resolved_at else a.valid_until),
            "generatorURL": generator_url(external_url, expr),
        })
    return out


class Notifier:
    def __init__(self, urls: list[str], timeout: float = 10.0, log=None) -> None:
        self.urls = [u.rstrip("/") + "/api/v2/alerts" for u in urls if u]
        self.timeout = timeout
        self.log = log or (lambda msg: print(f"logstore: {msg}", file=sys.stderr, flush=True))
        self.sent = 0
        self.errors = 0
        self.dropped = 0
        self.last_error = ""
        self._queue: deque[dict] = deque()
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="logstore-notifier", daemon=True)

    def start(self) -> "Notifier":
        if self.urls:
            self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=self.timeout + 1)

    def send(self, alerts: list[dict]) -> None:
        if not self.urls or not alerts:
            return
        with self._cond:
            self._queue.extend(alerts)
            while len(self._queue) > QUEUE_CAPACITY:
                self._queue.popleft()
                self.dropped += 1
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stop:
                    self._cond.wait()
                if self._stop and not self._queue:
                    return
                batch = [self._queue.popleft() for _ in range(min(len(self._queue), 64))]
            body = json.dumps(batch).encode()
            for url in self.urls:
                self._post(url, body, len(batch))

    def _post(self, url: str, body: bytes, count: int) -> None:
        message = post_json(url, body, self.timeout)
        if message:
            if message != self.last_error:
                self.log(f"sending {count} alert(s) to {url} failed: {message}")
            self.errors += 1
            self.last_error = message
            return
        self.sent += count
        self.last_error = ""
