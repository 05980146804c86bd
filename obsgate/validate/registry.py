"""The one list of checks `obsgate validate` runs, in report order (tool-bound checks first, so their
subprocesses start while the pure checks run)."""
from __future__ import annotations

from . import (alerts, am_tools, external, external_sloth, generate_drift, input_parse, loki_rule_tests, loki_rules,
               promql_usage, rules_scenario, rules_tested, schemas, secrets_literal)
from .prom import config as prom_config, rule_tests as prom_rule_tests, rules as prom_rules
from .grafana import (datasource_variable, no_targets, panel_description, panel_unit, rate_interval,
                      uid_unique)
from .xref import label_exists, label_values, metric_exists
from . import compose, online
from . import runbook_steps
from .base import Check

# external describes its checks as id -> run / KINDS / TOOLS; they are listed here by hand.
EXTERNAL = tuple(Check(cid, "third-party linters, each finding under its own check name", run,
                       tuple(external.KINDS[cid]), tuple(external.TOOLS[cid])) for cid, run in external.CHECKS.items())


CHECKS: tuple[Check, ...] = (
    *prom_config.CHECKS,
    *prom_rules.CHECKS,
    *prom_rule_tests.CHECKS,
    *am_tools.CHECKS,
    *loki_rules.CHECKS,
    *loki_rule_tests.CHECKS,
    *EXTERNAL,
    *external_sloth.CHECKS,
    *input_parse.CHECKS,
    *rules_tested.CHECKS,
    *rules_scenario.CHECKS,
    *schemas.CHECKS,
    *metric_exists.CHECKS,
    *label_exists.CHECKS,
    *label_values.CHECKS,
    *runbook_steps.CHECKS,
    *online.CHECKS,
    *compose.CHECKS,
    *promql_usage.CHECKS,
    *alerts.CHECKS,
    *datasource_variable.CHECKS,
    *rate_interval.CHECKS,
    *panel_unit.CHECKS,
    *panel_description.CHECKS,
    *uid_unique.CHECKS,
    *no_targets.CHECKS,
    *generate_drift.CHECKS,
    *secrets_literal.CHECKS,
)


def by_id() -> dict[str, Check]:
    return {c.id: c for c in CHECKS}
