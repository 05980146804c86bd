"""A rule's expression as a profile runs it: as written, or with its windows time-compressed (ci)."""
from __future__ import annotations

from ..model import LokiAlertRule, Profile
from ..promql import scale_ranges
from .durations import scale_duration, seconds


def expr_for(rule, profile: Profile) -> str:
    """The rule's expression under `profile`: as written, or time-compressed for the ci profile."""
    scale = profile.time_scale
    if isinstance(rule, LokiAlertRule):
        return rule.expr_with_window(scale_duration(rule.window, scale, floor=4))
    if scale == 1:
        return rule.expr
    return scale_ranges(rule.expr, scale, floor_seconds=4 * seconds(profile.scrape_interval))
