"""grafana/panel-description: every data panel says what it shows."""
from __future__ import annotations

from ...problem import Problem, Severity
from ..base import Check, finding
from ..files import DASHBOARD
from . import data_panels

CHECK = "grafana/panel-description"


def check(ctx) -> list[Problem]:
    return [finding(CHECK, p, Severity.WARNING, f"panel `{p.name}` has no description",
                    "say what the panel shows and what a bad value means; it appears as the panel's (i) tooltip")
            for p in data_panels(ctx) if not str(p.panel.get("description") or "").strip()]


CHECKS = (Check(CHECK, "data panels have a description", check, (DASHBOARD,)),)
