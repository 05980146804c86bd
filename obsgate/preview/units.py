"""Values formatted the way Grafana's unit ids format them (`s`, `ms`, `percentunit`, `bytes`, `reqps`, ...).

Decimals, when the panel does not fix them, keep three significant digits (trailing zeros dropped);
an unknown unit id prints the number and the id, so a typo is visible rather than silently dropped.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

SHORT = ("", " K", " Mil", " Bil", " Tri", " Quadr", " Quint", " Sext", " Sept")
SI = ("", " k", " M", " G", " T", " P", " E")
IEC = (" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB")
DEC_BYTES = (" B", " kB", " MB", " GB", " TB", " PB", " EB")
COUNT_UNITS = {  # Grafana's simpleCountUnit ids: scaled by 1000 like `short`, the unit after the prefix
    "reqps": "req/s", "rps": "reads/s", "wps": "writes/s", "iops": "io/s", "ops": "ops/s", "opm": "ops/min",
    "reqpm": "req/min", "rpm": "reads/min", "wpm": "writes/min", "eps": "events/s", "epm": "events/min",
    "cps": "c/s", "cpm": "c/min", "mps": "msg/s", "mpm": "msg/min",
}
# (seconds in the unit, suffix), largest first: how Grafana's `s` and `ms` scale durations
DURATIONS = ((31536000, " year"), (604800, " week"), (86400, " day"), (3600, " hour"), (60, " min"), (1, " s"))


def _places(value: float, places: int) -> str:
    """Rounded half away from zero, as JavaScript's Math.round in Grafana (Python's format rounds to even)."""
    return str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def fixed(value: float, decimals: int | None = None) -> str:
    """`value` with `decimals` places, or three significant digits without trailing zeros."""
    if math.isinf(value):
        return "-Inf" if value < 0 else "+Inf"
    if decimals is None:
        if value == 0 or float(value).is_integer():
            return str(int(value)) if abs(value) < 1e21 else f"{value:.3g}"
        places = max(0, 2 - math.floor(math.log10(abs(value))))
        text = _places(value, places)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return _places(value, max(0, int(decimals)))


def scaled(value: float, factor: float, suffixes: tuple[str, ...], decimals: int | None) -> str:
    step = 0
    while abs(value) >= factor and step < len(suffixes) - 1:
        value /= factor
        step += 1
    return fixed(value, decimals) + suffixes[step]


def _small_seconds(value: float, decimals: int | None) -> str:
    magnitude = abs(value)
    if magnitude == 0:
        return fixed(0, decimals) + " s"
    if magnitude < 1e-6:
        return fixed(value * 1e9, decimals) + " ns"
    if magnitude < 1e-3:
        return fixed(value * 1e6, decimals) + " µs"
    return fixed(value * 1e3, decimals) + " ms"


def duration(seconds_value: float, decimals: int | None) -> str:
    if abs(seconds_value) < 1:
        return _small_seconds(seconds_value, decimals)
    for size, suffix in DURATIONS:
        if abs(seconds_value) >= size:
            return fixed(seconds_value / size, decimals) + suffix
    return fixed(seconds_value, decimals) + " s"  # not reached


def format_value(value: float | None, unit: str | None = None, decimals: int | None = None) -> str:
    """How a Grafana panel with this unit id and decimals would print `value`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN" if value is not None else "No value"
    if math.isinf(value):
        return fixed(value)
    unit = (unit or "short").strip()
    if unit in ("short", ""):
        return scaled(value, 1000, SHORT, decimals)
    if unit == "none":
        return fixed(value, decimals)
    if unit == "percentunit":
        return fixed(value * 100, decimals) + "%"
    if unit == "percent":
        return fixed(value, decimals) + "%"
    if unit == "s":
        return duration(value, decimals)
    if unit == "ms":
        return duration(value / 1000, decimals)
    if unit == "µs" or unit == "us":
        return duration(value / 1e6, decimals)
    if unit == "ns":
        return duration(value / 1e9, decimals)
    if unit in ("bytes", "decbytes"):
        return scaled(value, 1024 if unit == "bytes" else 1000, IEC if unit == "bytes" else DEC_BYTES, decimals)
    if unit == "bits":
        return scaled(value, 1024, tuple(s.replace("B", "b") for s in IEC), decimals)
    if unit in COUNT_UNITS:
        return scaled(value, 1000, tuple(f"{s} {COUNT_UNITS[unit]}" for s in SHORT), decimals)
    kind, _, text = unit.partition(":")
    if text and kind == "suffix":
        return fixed(value, decimals) + text
    if text and kind == "prefix":
        return text + fixed(value, decimals)
    if text and kind == "si":
        return scaled(value, 1000, tuple(f"{s} {text}" for s in SI), decimals)
    if text and kind == "count":
        return scaled(value, 1000, tuple(f"{s} {text}" for s in SHORT), decimals)
    return f"{fixed(value, decimals)} {unit}"
