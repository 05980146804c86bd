"""Durations and byte sizes as LogQL writes them: Prometheus durations in ranges (`5m`, `1h30m`),
Go durations in label filters (`1.5s`, `250ms`), humanized byte sizes (`20KB`, `1.5MiB`)."""
from __future__ import annotations

import re

_PROM_ORDER = ("y", "w", "d", "h", "m", "s", "ms")
_PROM_NS = {"ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9, "d": 86400 * 10**9, "w": 604800 * 10**9,
            "y": 31536000 * 10**9}
_PROM = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
_BYTES_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4, "pb": 1000**5, "eb": 1000**6,
                "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4, "pib": 1024**5, "eib": 1024**6,
                "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4, "p": 1000**5, "e": 1000**6,
                "ki": 1024, "mi": 1024**2, "gi": 1024**3, "ti": 1024**4, "pi": 1024**5, "ei": 1024**6}
_BYTES = re.compile(r"([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def prom_duration_ns(text: str) -> int | None:
    """`5m`, `1h30m`, `90s`, `250ms` -> nanoseconds; None when `text` is no Prometheus duration."""
    pos, total, last = 0, 0, -1
    for m in _PROM.finditer(text):
        rank = _PROM_ORDER.index(m.group(2))
        if m.start() != pos or rank <= last:  # units go from the largest to the smallest, once each
            return None
        last = rank
        total += int(m.group(1)) * _PROM_NS[m.group(2)]
        pos = m.end()
    return total if pos == len(text) and pos else None


def go_duration_s(text: str) -> float | None:
    """Go's time.ParseDuration: `1.5s`, `-2m30s`, `300ms`, `0` -> seconds; None when invalid."""
    t = text.strip()
    sign = -1.0 if t.startswith("-") else 1.0
    t = t[1:] if t[:1] in "+-" else t
    if t == "0":
        return 0.0
    pos, total = 0, 0.0
    for m in _GO.finditer(t):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    return sign * total if pos == len(t) and pos else None


def bytes_value(text: str) -> float | None:
    """`20KB`, `1.5MiB`, `512` -> bytes (humanize's ParseBytes, case-insensitive); None when invalid."""
    m = _BYTES.fullmatch(text.strip())
    if not m:
        return None
    unit = m.group(2).lower()
    if unit and unit not in _BYTES_UNITS:
        return None
    return float(m.group(1)) * _BYTES_UNITS.get(unit, 1)


def is_float(text: str) -> bool:
    return _FLOAT.fullmatch(text) is not None or text.lower() in ("inf", "+inf", "-inf", "nan")


def parse_float(text: str) -> float | None:
    """Go's strconv.ParseFloat for label values: decimal, exponent, hex, Inf/NaN; None when invalid."""
    t = text.strip()
    if _FLOAT.fullmatch(t):
        return float(t)
    low = t.lower()
    if low in ("inf", "+inf", "infinity", "+infinity"):
        return float("inf")
    if low in ("-inf", "-infinity"):
        return float("-inf")
    if low == "nan":
        return float("nan")
    if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]+", t):
        return float(int(t, 16))
    return None


def format_prom_duration(ns: int) -> str:
    """Nanoseconds -> the shortest Prometheus duration (`1h30m`, `250ms`)."""
    if ns == 0:
        return "0s"
    ms = ns // 10**6
    out = ""
    for unit, size in (("y", 31536000000), ("w", 604800000), ("d", 86400000), ("h", 3600000), ("m", 60000),
                       ("s", 1000), ("ms", 1)):
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    return out
