"""Log pusher: the catalog's log streams to Loki's push API, plus the error bursts of active faults.

`LogSource` is pure (which lines, with which labels and timestamps, for a slice of time); `Pusher`
is the thread that posts them to `/loki/api/v1/push`. A Loki that is down costs lines, not the
simulator: failures are counted and reported on /healthz, and pushing resumes when Loki is back.
"""
from __future__ import annotations

import json
import random
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Callable, Iterable, Mapping

from ..model import LogEffect, LogStream
from .engine import combinations, looks_like_failure
from .post import post_json

LINES_PER_SECOND = 2.0  # baseline lines per stream, shared out over its label combinations
WARN_EVERY = 20  # about one baseline line in WARN_EVERY is a warning
LEVEL_LABELS = ("level", "severity", "detected_level", "log_level")
PUSH_PATH = "/loki/api/v1/push"

INFO_MESSAGES = ("request served", "scan completed", "stage finished", "cache refreshed", "trace exported")
WARN_MESSAGES = ("slow response from upstream", "retrying after transient error", "queue above soft limit")
ERROR_MESSAGES = ("request failed", "upstream call failed", "handler raised")
INFO_EVENTS = ("request_completed", "scan_completed", "stage_finished", "cache_refreshed")
WARN_EVENTS = ("slow_upstream", "retry_scheduled", "queue_high")
ERROR_EVENTS = ("request_failed", "upstream_failed")

Entry = tuple[dict, int, str]  # (stream labels, timestamp ns, line)


def render(stream: LogStream, fields: Mapping[str, object]) -> str:
    if stream.format == "json":
        return json.dumps(dict(fields), sort_keys=False, separators=(",", ":"))
    parts = []
    for key, value in fields.items():
        text = str(value)
        if text == "" or any(c in text for c in ' "=\t'):
            text = json.dumps(text)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def _severity(level: str) -> int:
    """0 for info and below, 1 for warnings, 2 for errors and worse."""
    low = level.lower()
    if low.startswith("warn"):
        return 1
    return 2 if low in ("error", "err", "critical", "crit", "fatal", "panic") else 0


def field_value(name: str, level: str, rng: random.Random, now_ns: int,
                vocab: Mapping[str, tuple[str, ...]] | None = None) -> object:
    """A plausible value for a structured field: from `vocab` (the job's metric label values), else by name."""
    n = name.lower()
    sev = _severity(level)
    warn = sev > 0
    if n in ("level", "severity", "log_level"):
        return level
    if n in ("msg", "message"):
        return rng.choice((INFO_MESSAGES, WARN_MESSAGES, ERROR_MESSAGES)[sev])
    if n == "event":
        return rng.choice((INFO_EVENTS, WARN_EVENTS, ERROR_EVENTS)[sev])
    if vocab and name in vocab and vocab[name]:
        values = vocab[name]
        if "error" in n:
            return rng.choice(values) if sev == 2 else ""
        healthy = [v for v in values if not looks_like_failure(v)] or list(values)
        return rng.choice(healthy)
    if n in ("ts", "time", "timestamp"):
        return datetime.fromtimestamp(now_ns / 1e9, tz=timezone.utc).isoformat(timespec="milliseconds")
    if n.endswith(("_seconds", "duration", "latency", "elapsed")):
        return round(rng.lognormvariate(-1.5, 0.5) * (4 if warn else 1), 4)
    if n.endswith(("_ms",)):
        return int(rng.lognormvariate(5, 0.5) * (4 if warn else 1))
    if n.endswith(("tokens", "count", "_total", "bytes", "size")):
        return rng.randint(10, 2000)
    if n in ("status", "status_code", "code", "http_status"):
        return (200, 429, 500)[sev]
    if "error" in n or "exception" in n:
        return rng.choice(("TimeoutError", "ConnectionError")) if sev == 2 else ""
    if n.endswith("_id") or n == "id":
        return f"{rng.getrandbits(48):012x}"
    return f"{name}-{rng.randint(1, 5)}"


class LogSource:
    """The lines a simulator pushes: baseline lines of its streams, and active faults' lines."""

    def __init__(self, streams: Iterable[LogStream], seed: int = 0, rate: float = LINES_PER_SECOND,
                 vocab: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.streams = tuple(streams)
        self.rate = rate
        self.vocab = dict(vocab or {})
        self._rng = random.Random(seed)
        self._plan = [(s, labels, w) for s in self.streams for labels, w in combinations(s)]
        self._pending: dict[object, float] = {}

    def _due(self, key: object, per_second: float, dt: float) -> int:
        carried = self._pending.get(key, 0.0) + max(per_second, 0.0) * dt
        n = int(carried)
        self._pending[key] = carried - n
        return n

    def lines(self, dt: float, now_ns: int, effects: Iterable[LogEffect] = ()) -> list[Entry]:
        """Lines for the `dt` seconds ending at `now_ns`, timestamps spread over that slice."""
        raw: list[tuple[dict, str]] = []
        for stream, labels, weight in self._plan:
            for _ in range(self._due((stream.name, labels), self.rate * weight, dt)):
                raw.append((dict(labels), self._baseline_line(stream, dict(labels), now_ns)))
        for i, effect in enumerate(effects):
            for _ in range(self._due(("fault", i, effect.line, tuple(sorted(effect.stream.items()))),
                                     effect.per_second, dt)):
                raw.append(({k: str(v) for k, v in effect.stream.items()}, effect.line))
        step = int(dt * 1e9 / (len(raw) + 1)) if raw else 0
        start = now_ns - int(dt * 1e9)
        return [(labels, start + (i + 1) * step, line) for i, (labels, line) in enumerate(raw)]

    def _baseline_line(self, stream: LogStream, labels: dict, now_ns: int) -> str:
        level = next((labels[k] for k in LEVEL_LABELS if k in labels), None)
        if level is None:
            level = "warn" if self._rng.randrange(WARN_EVERY) == 0 else "info"
        fields = {f: field_value(f, level, self._rng, now_ns, self.vocab) for f in stream.fields}
        if not fields:
            fields = {"level": level, "msg": field_value("msg", level, self._rng, now_ns)}
        return render(stream, fields)


def vocabulary(metrics: Iterable) -> dict[str, tuple[str, ...]]:
    """Declared label values of a job's metrics, by label name: the values its log fields may take."""
    out: dict[str, list[str]] = {}
    for m in metrics:
        for label in m.labels:
            known = out.setdefault(label.name, [])
            known.extend(v for v in label.values if v not in known)
    return {k: tuple(v) for k, v in out.items() if v}


def event_labels(stream: LogStream, severity: str) -> dict[str, str]:
    """Stream labels for one real event: single-valued labels as declared, the level label by severity."""
    labels: dict[str, str] = {}
    for label in stream.labels:
        values = label.values or (f"{label.name}_0",)
        if label.name in LEVEL_LABELS:
            wanted = "error" if severity == "error" else "info"
            fallback = [v for v in values if looks_like_failure(v)] if severity == "error" else \
                [v for v in values if not looks_like_failure(v)]
            labels[label.name] = wanted if wanted in values else (fallback or list(values))[0]
        else:
            labels[label.name] = values[0]
    return labels


class EventLog:
    """Real events (one per gateway request) as lines of a catalog stream, queued until the next push."""

    MAX_QUEUED = 10000

    def __init__(self, stream: LogStream | None) -> None:
        self.stream = stream
        self._faults = LogSource(())
        self._queue: list[Entry] = []
        self._lock = threading.Lock()

    def record(self, severity: str, fields: Mapping[str, object]) -> None:
        if self.stream is None:
            return
        labels = event_labels(self.stream, severity)
        level = next((labels[k] for k in LEVEL_LABELS if k in labels), severity)
        values = {f: fields.get(f, level if f in ("level", "severity", "log_level") else "") for f in self.stream.fields}
        line = render(self.stream, values or {"level": level, **fields})
        with self._lock:
            self._queue.append((labels, time.time_ns(), line))
            del self._queue[:-self.MAX_QUEUED]

    def lines(self, dt: float, now_ns: int, effects: Iterable[LogEffect] = ()) -> list[Entry]:
        with self._lock:
            queued, self._queue = self._queue, []
        return queued + self._faults.lines(dt, now_ns, effects)


def push_body(entries: Iterable[Entry]) -> dict:
    """Loki's JSON push body: entries grouped by stream labels, timestamps as ns strings, in order."""
    grouped: dict[tuple, list[list[str]]] = {}
    for labels, ts, line in entries:
        grouped.setdefault(tuple(sorted(labels.items())), []).append([str(ts), line])
    return {"streams": [{"stream": dict(key), "values": sorted(values, key=lambda v: int(v[0]))}
                        for key, values in sorted(grouped.items())]}


class Pusher:
    """Posts the source's lines to Loki every `interval` seconds on a daemon thread."""

    def __init__(self, source: "LogSource | EventLog", effects: Callable[[], Iterable[LogEffect]], url: str,
                 tenant: str = "", interval: float = 1.0, timeout: float = 5.0) -> None:
        self.source = source
        self.effects = effects
        self.url = url.rstrip("/") + PUSH_PATH if not url.rstrip("/").endswith(PUSH_PATH) else url
        self.tenant = tenant
        self.interval = interval
        self.timeout = timeout
        self.pushed = 0
        self.failed = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loki-pusher", daemon=True)

    def start(self) -> "Pusher":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.timeout + 1)

    def stats(self) -> dict:
        return {"url": self.url, "pushed": self.pushed, "failed": self.failed, "last_error": self.last_error}

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.interval):
            now = time.monotonic()
            entries = self.source.lines(now - last, time.time_ns(), self.effects())
            last = now
            if entries:
                self.push(entries)

    def push(self, entries: list[Entry]) -> bool:
        body = json.dumps(push_body(entries)).encode()
        message = post_json(self.url, body, self.timeout, {"X-Scope-OrgID": self.tenant} if self.tenant else None)
        if message:
            if message != self.last_error:
                print(f"log pusher: push to {self.url} failed: {message}", file=sys.stderr, flush=True)
            self.failed += len(entries)
            self.last_error = message
            return False
        self.pushed += len(entries)
        self.last_error = ""
        return True
