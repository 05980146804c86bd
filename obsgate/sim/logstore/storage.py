"""The log store's data: streams per tenant, in memory within a retention window and a byte budget,
persisted as one append-only JSON-lines file per tenant so that a restart keeps the logs.

Appends are not fsynced; a crash can tear the last line, which the reload skips (and cuts off, so the
next append starts on a clean line). Retention is enforced in memory and, by rewriting the file, on disk.
"""
from __future__ import annotations

import bisect
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ...logql import Entry, Stream

# Loki's tenant ids allow more characters; these are the ones that are safe as a file name everywhere.
TENANT_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,150}$")
FILE_SUFFIX = ".jsonl"
COMPACT_SLACK = 1 << 20  # a tenant's file is rewritten once it is this much over twice its size at the last rewrite

Labels = tuple[tuple[str, str], ...]


def check_tenant(tenant: str) -> str:
    if not TENANT_RE.match(tenant) or tenant in (".", ".."):
        raise ValueError(f"invalid tenant id `{tenant}`: use 1-150 of A-Z a-z 0-9 _ . -")
    return tenant


# What an entry costs in memory beyond its text: the Entry tuple, its int and str objects and the two list
# slots (tracemalloc: 200,000 entries of 100-byte lines held 274 bytes each). Counting it makes the byte
# budget a bound on memory, not only on line text.
ENTRY_OVERHEAD = 176


def entry_cost(entry: Entry) -> int:
    """Bytes an entry holds in memory (its text, its metadata and ENTRY_OVERHEAD)."""
    return len(entry.line.encode()) + sum(len(k) + len(v) for k, v in entry.meta) + ENTRY_OVERHEAD


@dataclass
class _Series:
    labels: Labels
    ts: list[int] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    bytes: int = 0

    def add(self, entry: Entry) -> bool:
        """Insert in time order; an identical entry (same time, line, metadata) is dropped as Loki does."""
        if not self.ts or entry.ts_ns > self.ts[-1]:
            i = len(self.ts)
        else:
            i = bisect.bisect_left(self.ts, entry.ts_ns)
            j = i
            while j < len(self.ts) and self.ts[j] == entry.ts_ns:
                if self.entries[j] == entry:
                    return False
                j += 1
            i = j
        self.ts.insert(i, entry.ts_ns)
        self.entries.insert(i, entry)
        self.bytes += entry_cost(entry)
        return True

    def drop_before(self, cutoff_ns: int) -> int:
        """Remove entries older than `cutoff_ns`; the number of bytes freed."""
        k = bisect.bisect_left(self.ts, cutoff_ns)
        return self.drop_first(k)

    def drop_first(self, k: int) -> int:
        if k <= 0:
            return 0
        freed = sum(entry_cost(e) for e in self.entries[:k])
        del self.ts[:k], self.entries[:k]
        self.bytes -= freed
        return freed

    def window(self, start_ns: int, end_ns: int) -> list[Entry]:
        lo = bisect.bisect_left(self.ts, start_ns)
        hi = bisect.bisect_right(self.ts, end_ns)
        return self.entries[lo:hi]


@dataclass
class TenantStats:
    streams: int
    entries: int
    bytes: int
    file_bytes: int


@dataclass
class PushResult:
    accepted: int = 0
    duplicates: int = 0
    too_old: int = 0  # older than the retention window: would be deleted at once
    accepted_bytes: int = 0


class _Tenant:
    def __init__(self, name: str, path: Path | None) -> None:
        self.name = name
        self.path = path
        self.series: dict[Labels, _Series] = {}
        self.bytes = 0
        self.file_bytes = 0
        self.kept_bytes_at_compaction = 0  # the file's size right after the last rewrite
        self.live_at_compaction = 0  # the bytes of lines held then

    def entries(self) -> int:
        return sum(len(s.ts) for s in self.series.values())


def matches(labels: Labels, selector: Sequence) -> bool:
    have = dict(labels)
    return all(m.matches(have.get(m.name, "")) for m in selector)


def _record(labels: Labels, entries: Iterable[Entry]) -> bytes:
    values = [[str(e.ts_ns), e.line, dict(e.meta)] if e.meta else [str(e.ts_ns), e.line] for e in entries]
    return (json.dumps({"stream": dict(labels), "values": values}, separators=(",", ":"), ensure_ascii=False)
            + "\n").encode()


def _parse_record(raw: bytes) -> tuple[Labels, list[Entry]]:
    doc = json.loads(raw)
    labels = tuple(sorted((str(k), str(v)) for k, v in doc["stream"].items()))
    entries = [Entry(int(v[0]), str(v[1]), tuple(sorted(v[2].items())) if len(v) > 2 else ()) for v in doc["values"]]
    return labels, entries


class Store:
    """All tenants' streams. Thread-safe; every method takes the one lock."""

    def __init__(self, data_dir: Path | None, retention_s: float = 24 * 3600.0, max_bytes: int = 256 << 20,
                 clock=time.time_ns, log=None) -> None:
        self.data_dir = Path(data_dir) if data_dir else None
        self.retention_ns = int(retention_s * 1e9)
        self.max_bytes = max_bytes  # memory per tenant (entry_cost); the oldest entries go first beyond it
        self.clock = clock
        self.log = log or (lambda msg: print(f"logstore: {msg}", file=sys.stderr, flush=True))
        self._lock = threading.RLock()
        self._tenants: dict[str, _Tenant] = {}
        self.dropped_for_budget = 0
        self.dropped_for_retention = 0
        self.torn_lines = 0
        if self.data_dir:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._load()

    # --- persistence -------------------------------------------------------------------------------
    def _path(self, tenant: str) -> Path | None:
        return self.data_dir / f"{tenant}{FILE_SUFFIX}" if self.data_dir else None

    def _load(self) -> None:
        for path in sorted(self.data_dir.glob(f"*{FILE_SUFFIX}")):
            name = path.name[:-len(FILE_SUFFIX)]
            if not TENANT_RE.match(name):
                continue
            tenant = self._tenant(name)
            good = 0
            with open(path, "rb") as fh:
                data = fh.read()
            pos = 0
            while pos < len(data):
                nl = data.find(b"\n", pos)
                line = data[pos:] if nl < 0 else data[pos:nl]
                end = len(data) if nl < 0 else nl + 1
                try:
                    if nl < 0:
                        raise ValueError("no newline: a torn write")
                    labels, entries = _parse_record(line)
                except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                    self.torn_lines += 1
                    self.log(f"{path}: skipped an unreadable record at byte {pos} ({exc})")
                    pos = end
                    continue
                for e in entries:
                    self._add(tenant, labels, e)
                good = end
                pos = end
            if good < len(data):
                with open(path, "r+b") as fh:  # cut a torn tail so that the next append starts a clean line
                    fh.truncate(good)
            tenant.file_bytes = good
        now = self.clock()
        for tenant in list(self._tenants.values()):
            self._retain(tenant, now)
            self._compact(tenant)

    def _append(self, tenant: _Tenant, batches: list[tuple[Labels, list[Entry]]]) -> None:
        if tenant.path is None:
            return
        data = b"".join(_record(labels, entries) for labels, entries in batches if entries)
        if not data:
            return
        with open(tenant.path, "ab") as fh:
            fh.write(data)
        tenant.file_bytes += len(data)

    def _compact(self, tenant: _Tenant) -> None:
        """Rewrite the tenant's file with what memory holds (atomic: a temp file, then rename)."""
        if tenant.path is None:
            return
        tmp = tenant.path.with_suffix(".tmp")
        size = 0
        with open(tmp, "wb") as fh:
            for labels, series in sorted(tenant.series.items()):
                for i in range(0, len(series.entries), 1000):
                    chunk = _record(labels, series.entries[i:i + 1000])
                    fh.write(chunk)
                    size += len(chunk)
        os.replace(tmp, tenant.path)
        tenant.file_bytes = size
        tenant.kept_bytes_at_compaction = size
        tenant.live_at_compaction = tenant.bytes

    # --- writes ------------------------------------------------------------------------------------
    def _tenant(self, name: str) -> _Tenant:
        t = self._tenants.get(name)
        if t is None:
            t = self._tenants[name] = _Tenant(name, self._path(name))
        return t

    def _add(self, tenant: _Tenant, labels: Labels, entry: Entry) -> int:
        series = tenant.series.get(labels)
        if series is None:
            series = tenant.series[labels] = _Series(labels)
        if not series.add(entry):
            return 0
        size = entry_cost(entry)
        tenant.bytes += size
        return size

    def push(self, tenant: str, batches: Iterable[tuple[Labels, Sequence[Entry]]]) -> PushResult:
        check_tenant(tenant)
        result = PushResult()
        with self._lock:
            t = self._tenant(tenant)
            now = self.clock()
            oldest = now - self.retention_ns
            written = []
            for labels, entries in batches:
                kept = []
                for e in entries:
                    if e.ts_ns < oldest:
                        result.too_old += 1
                        continue
                    size = self._add(t, labels, e)
                    if size:
                        kept.append(e)
                        result.accepted += 1
                        result.accepted_bytes += size - ENTRY_OVERHEAD
                    else:
                        result.duplicates += 1
                written.append((labels, kept))
            self._append(t, written)
            if t.bytes > self.max_bytes:
                self._shrink(t)
        return result

    def _shrink(self, t: _Tenant) -> None:
        """Drop the oldest entries, across streams, until the tenant fits its byte budget."""
        while t.bytes > self.max_bytes and t.series:
            ordered = sorted((s for s in t.series.values() if s.ts), key=lambda s: s.ts[0])
            oldest = ordered[0]
            limit = ordered[1].ts[0] if len(ordered) > 1 else None
            k = len(oldest.ts) if limit is None else max(1, bisect.bisect_left(oldest.ts, limit))
            over = t.bytes - self.max_bytes
            freed, n = 0, 0
            while n < k and freed < over:
                freed += entry_cost(oldest.entries[n])
                n += 1
            oldest.drop_first(n)
            t.bytes -= freed
            self.dropped_for_budget += n
            if not oldest.ts:
                del t.series[oldest.labels]
        self._compact_if_grown(t)

    def _retain(self, t: _Tenant, now_ns: int) -> None:
        cutoff = now_ns - self.retention_ns
        for labels, series in list(t.series.items()):
            before = len(series.ts)
            t.bytes -= series.drop_before(cutoff)
            self.dropped_for_retention += before - len(series.ts)
            if not series.ts:
                del t.series[labels]

    def enforce_retention(self) -> None:
        """Forget what left the retention window; rewrite a tenant's file once it is mostly garbage."""
        with self._lock:
            now = self.clock()
            for t in self._tenants.values():
                self._retain(t, now)
                self._compact_if_grown(t)

    def _compact_if_grown(self, t: _Tenant) -> None:
        """Rewrite the file once it has doubled since the last rewrite, or once most of it is forgotten lines:
        what was forgotten leaves the disk, and the cost of rewriting stays proportional to what changed."""
        if t.path is None:
            return
        if t.file_bytes > 2 * t.kept_bytes_at_compaction + COMPACT_SLACK or 2 * t.bytes < t.live_at_compaction:
            self._compact(t)

    # --- reads -------------------------------------------------------------------------------------
    def tenants(self) -> list[str]:
        with self._lock:
            return sorted(self._tenants)

    def select(self, tenant: str, selectors: Sequence[Sequence], start_ns: int, end_ns: int) -> list[Stream]:
        """Streams matching any of the selectors, with their entries in [start_ns, end_ns] (none left empty)."""
        with self._lock:
            t = self._tenants.get(tenant)
            if t is None:
                return []
            out = []
            for labels, series in sorted(t.series.items()):
                if any(matches(labels, sel) for sel in selectors):
                    entries = series.window(start_ns, end_ns)
                    if entries:
                        out.append(Stream(labels, entries))
            return out

    def series(self, tenant: str, selectors: Sequence[Sequence] | None, start_ns: int, end_ns: int) -> list[Labels]:
        """Label sets of the streams with an entry in [start_ns, end_ns] (all streams when no selector)."""
        with self._lock:
            t = self._tenants.get(tenant)
            if t is None:
                return []
            return [labels for labels, s in sorted(t.series.items())
                    if (not selectors or any(matches(labels, sel) for sel in selectors))
                    and s.window(start_ns, end_ns)]

    def stats(self) -> dict[str, TenantStats]:
        with self._lock:
            return {name: TenantStats(len(t.series), t.entries(), t.bytes, t.file_bytes)
                    for name, t in sorted(self._tenants.items())}
