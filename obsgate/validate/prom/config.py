"""prom/config: `promtool check config` accepts every prometheus.yml."""
from __future__ import annotations

from ...problem import Problem
from ...wrappers import promtool
from ..base import Check
from ..files import PROM_CONFIG
from . import run_check

CHECK = "prom/config"


def check(ctx) -> list[Problem]:
    return run_check(ctx, CHECK, PROM_CONFIG, promtool.check_config)


CHECKS = (Check(CHECK, "promtool check config accepts prometheus.yml", check, (PROM_CONFIG,), ("promtool",)),)
