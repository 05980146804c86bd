"""prom/rules: `promtool check rules` accepts every rule file (duplicate rules are its warnings)."""
from __future__ import annotations

from ...problem import Problem
from ...wrappers import promtool
from ..base import Check
from ..files import PROM_RULES
from . import run_check

CHECK = "prom/rules"


def check(ctx) -> list[Problem]:
    return run_check(ctx, CHECK, PROM_RULES, promtool.check_rules)


CHECKS = (Check(CHECK, "promtool check rules accepts every rule file", check, (PROM_RULES,), ("promtool",)),)
