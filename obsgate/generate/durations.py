"""Duration arithmetic for profile overrides (the ci profile caps every `for`)."""
from __future__ import annotations

import promql_parser


def seconds(value: str) -> float:
    return promql_parser.parse_duration(value).total_seconds() if value and value != "0s" else 0.0


def cap_duration(value: str, cap: str) -> str:
    """`value`, or `cap` when a cap is set and is shorter (zero stays zero)."""
    if not cap or seconds(value) == 0 or seconds(value) <= seconds(cap):
        return value
    return cap
