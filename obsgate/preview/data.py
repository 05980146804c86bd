"""What a panel's queries returned, as plain data the drawing reads (no HTTP types leak in)."""
from __future__ import annotations

import math
from typing import NamedTuple


class Series(NamedTuple):
    name: str  # legend text, from legendFormat
    labels: tuple[tuple[str, str], ...]
    times: tuple[float, ...]  # unix seconds
    values: tuple[float, ...]  # NaN where Prometheus said NaN
    ref: str = ""  # the refId of the query that returned it (for byFrameRefID overrides)


class LogLine(NamedTuple):
    time: float
    line: str
    labels: tuple[tuple[str, str], ...] = ()


class PanelData(NamedTuple):
    series: tuple[Series, ...] = ()
    logs: tuple[LogLine, ...] = ()
    error: str = ""  # a failed query, shown on the panel in place of data
    queries: tuple[str, ...] = ()  # the expanded queries, for the caption

    @property
    def empty(self) -> bool:
        """Nothing came back: no log line and no sample (what the preview draws as a red "No data")."""
        return not self.logs and not any(s.values for s in self.series)

    @property
    def all_nan(self) -> bool:
        """Samples came back but none is a number (0/0 with no traffic): Grafana draws gaps, stats say NaN."""
        return not self.empty and not self.logs and not any(any(not math.isnan(v) for v in s.values)
                                                            for s in self.series)


def _finite(values) -> list[float]:
    return [v for v in values if v is not None and not math.isnan(v)]


def reduce(values: tuple[float, ...], calc: str = "lastNotNull") -> float | None:
    """One number for a stat, gauge or bargauge: Grafana's reducer ids (lastNotNull when unknown)."""
    vals = _finite(values)
    if calc == "last":
        return values[-1] if values and not math.isnan(values[-1]) else None
    if calc == "first":
        return values[0] if values and not math.isnan(values[0]) else None
    if calc == "count":
        return float(len(values))
    if not vals:
        return None
    if calc == "firstNotNull":
        return vals[0]
    if calc == "mean":
        return sum(vals) / len(vals)
    if calc == "max":
        return max(vals)
    if calc == "min":
        return min(vals)
    if calc == "sum":
        return sum(vals)
    if calc == "range":
        return max(vals) - min(vals)
    if calc == "delta":
        return sum(max(0.0, b - a) for a, b in zip(vals, vals[1:]))
    if calc == "diff":
        return vals[-1] - vals[0]
    return vals[-1]


def stacked(series: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """Running sums across series at each point (NaN counts as 0 below, stays NaN itself): `normal` stacking."""
    out, base = [], None
    for values in series:
        if base is None:
            base = [0.0] * len(values)
        top = tuple(math.nan if math.isnan(v) else b + v for b, v in zip(base, values))
        base = [b if math.isnan(v) else b + v for b, v in zip(base, values)]
        out.append(top)
    return out


def percent_stacked(series: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """`percent` stacking: each point's share of the column total (0..1)."""
    totals = [sum(0.0 if math.isnan(v) else v for v in col) for col in zip(*series)] if series else []
    scaled = [tuple(math.nan if math.isnan(v) else (v / t if t else 0.0) for v, t in zip(vals, totals))
              for vals in series]
    return stacked(scaled)
