"""The time range a preview queries, its step, and the Grafana interval variables that go with them.

A dashboard's default range (`time.from`/`time.to`, e.g. now-6h..now) is used as is; under a profile
that compresses time (ci) the dashboard's hours would be mostly before the stack started, so the range
is the time the stack has run. $__interval is the range over the points drawn, rounded up to a round
interval and never below the scrape interval; $__rate_interval is max($__interval + scrape, 4 x scrape),
Grafana's definition. `widen` raises both to the windows the panels smoke check proved data with, so a
1 s scrape (ci) does not draw a sparse series as empty through a 4 s window.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import NamedTuple

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}
RELATIVE = re.compile(r"^now(?:\s*-\s*(\d+)\s*([smhdwMy]))?(?:/[smhdwMy])?$")
ROUND = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
         604800, 2592000)
POINTS = 600  # points per series across the range, about a panel's width in pixels
DEFAULT_RANGE = ("now-6h", "now")  # Grafana's default when a dashboard names none


class TimeRangeError(ValueError):
    pass


class Window(NamedTuple):
    start: float  # unix seconds
    end: float
    step: float  # seconds between points
    label: str  # what the range is, for the image: "now-6h to now" or "the 95 s the stack has run"

    @property
    def seconds(self) -> float:
        return self.end - self.start


def parse_time(text: str, now: float) -> float:
    """Unix seconds for a Grafana time value: `now`, `now-6h` (rounding `/d` ignored), epoch ms or ISO."""
    value = str(text).strip()
    m = RELATIVE.match(value)
    if m:
        return now - (int(m.group(1)) * UNITS[m.group(2)] if m.group(1) else 0)
    if value.isdigit():
        return int(value) / 1000.0
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TimeRangeError(f"unreadable time `{value}`: expected now, now-6h, epoch milliseconds or ISO 8601"
                             ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def round_interval(seconds: float) -> float:
    """The smallest round interval (1s, 2s, 5s, ... 1h, ... 30d) at or above `seconds`."""
    return float(next((r for r in ROUND if r >= seconds), ROUND[-1]))


def window(board_time: dict | None, now: float, scrape: float, started_at: float | None = None,
           points: int = POINTS) -> Window:
    """The range to draw: the dashboard's default, or since `started_at` when time is compressed."""
    if started_at is not None:
        start, end = min(started_at, now - scrape), now
        label = f"the {end - start:.0f} s the stack has run (ci profile: time compressed)"
    else:
        frm, to = (board_time or {}).get("from") or DEFAULT_RANGE[0], (board_time or {}).get("to") or DEFAULT_RANGE[1]
        start, end = parse_time(frm, now), parse_time(to, now)
        if end <= start:
            raise TimeRangeError(f"time range `{frm}` to `{to}` is empty")
        label = f"{frm} to {to}"
    step = max(scrape, round_interval((end - start) / max(points, 1)))
    return Window(start, end, step, label)


def duration_text(seconds: float) -> str:
    """Seconds as a PromQL duration (`90s`, `5m`, `2h`), the largest unit that divides it."""
    seconds = max(1, round(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def variables(win: Window, scrape: float) -> dict[str, str]:
    """Grafana's built-in interval and range variables for this window."""
    rate = max(win.step + scrape, 4 * scrape)
    rng = max(1, round(win.seconds))
    return {"__interval": duration_text(win.step), "__interval_ms": str(int(win.step * 1000)),
            "__rate_interval": duration_text(rate), "__auto": duration_text(win.step),
            "__range": duration_text(rng), "__range_s": str(rng), "__range_ms": str(rng * 1000)}


def widen(values: dict[str, str], minimum: float) -> dict[str, str]:
    """The interval variables raised to at least `minimum` seconds (the range variables untouched)."""
    out = dict(values)
    for name in ("__interval", "__rate_interval", "__auto"):
        if _seconds(out.get(name, "0s")) < minimum:
            out[name] = duration_text(minimum)
    out["__interval_ms"] = str(int(_seconds(out["__interval"]) * 1000))
    return out


def _seconds(text: str) -> float:
    m = re.fullmatch(r"(\d+)([smhdwy])", text)
    return int(m.group(1)) * UNITS[m.group(2)] if m else 0.0
