"""The one list of checks `obsgate validate` runs, in report order (tool-bound checks first, so their
subprocesses start while the pure checks run)."""
from __future__ import annotations

import importlib

from . import (alerts, am_tools, drift, external_sloth, grafana, parse, prom_tools, promql_usage, rules_tested,
               schemas, secrets, xref)
from . import compose, online
from . import runbook_steps
from .base import Check

# Check families written alongside this one, registered when present. Each exposes CHECKS (a tuple of
# Check, or a dict id -> run) or CHECK and check; optional KINDS / TOOLS dicts (id -> tuple) describe them.
OPTIONAL = ("loki_rules", "external")


def _optional() -> tuple[Check, ...]:
    found: list[Check] = []
    for name in OPTIONAL:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
            continue
        first = (module.__doc__ or name).strip().splitlines()[0]
        summary = first.split(": ", 1)[-1].rstrip(".")
        kinds, tools = getattr(module, "KINDS", {}), getattr(module, "TOOLS", {})
        summaries = getattr(module, "SUMMARIES", {})
        entries = getattr(module, "CHECKS", None)
        if entries is None and hasattr(module, "check") and hasattr(module, "CHECK"):
            entries = {module.CHECK: module.check}
        if isinstance(entries, dict):
            found += [Check(cid, summaries.get(cid, summary), run, tuple(kinds.get(cid, ())),
                            tuple(tools.get(cid, ()))) for cid, run in entries.items()]
        elif entries:
            found += list(entries)
    return tuple(found)


CHECKS: tuple[Check, ...] = (
    *prom_tools.CHECKS,
    *am_tools.CHECKS,
    *_optional(),
    *external_sloth.CHECKS,
    *parse.CHECKS,
    *rules_tested.CHECKS,
    *schemas.CHECKS,
    *xref.CHECKS,
    *runbook_steps.CHECKS,
    *online.CHECKS,
    *compose.CHECKS,
    *promql_usage.CHECKS,
    *alerts.CHECKS,
    *grafana.CHECKS,
    *drift.CHECKS,
    *secrets.CHECKS,
)


def by_id() -> dict[str, Check]:
    return {c.id: c for c in CHECKS}
