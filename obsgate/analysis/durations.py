"""Duration arithmetic: Prometheus durations in seconds, and the ci profile's compression of them."""
from __future__ import annotations

import promql_parser


def seconds(value: str) -> float:
    return promql_parser.parse_duration(value).total_seconds() if value and value != "0s" else 0.0


def scale_duration(value: str, factor: int, floor: float = 1.0) -> str:
    """`value` divided by `factor` (the ci profile's time compression), never below `floor` seconds."""
    if factor == 1 or seconds(value) == 0:
        return value
    return f"{max(floor, round(seconds(value) / factor)):.0f}s"
