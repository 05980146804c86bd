"""Service-level objectives the way Sloth declares them: data only. generate/slo/ expands one SLO into
its SLI, burn-rate and budget recording rules, the multiwindow multi-burn-rate alerts (page and ticket)
with their promtool tests, and a dashboard.

The alerts read recorded burn rates, so their tests feed burn-rate series directly; the SLI itself (the
user's PromQL) is tested through `sli_tests`, attached to the 5m SLI recording rule.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import promql_parser

from .limits import parse_promql
from .rules import Runbook, Scenario, check_duration
from .source import SourceRef, caller_source, fail
from .testcase import TestCase

WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
WINDOW_VAR = "$window"


@dataclass(frozen=True)
class BurnWindow:
    """One multiwindow condition: both windows burn faster than `factor` times the sustainable rate."""

    long: str
    short: str
    factor: float
    routing: str  # page | ticket


# The Google SRE workbook's policy for a 30-day budget: 2% of it in 1h or 5% in 6h pages, 10% in 1d or 3d
# at the sustainable rate opens a ticket.
BURN_POLICY = (
    BurnWindow("1h", "5m", 14.4, "page"),
    BurnWindow("6h", "30m", 6, "page"),
    BurnWindow("1d", "2h", 3, "ticket"),
    BurnWindow("3d", "6h", 1, "ticket"),
)
# Budget-policy thresholds shown on the dashboard: share of the error budget consumed.
BUDGET_CONSUMED_STEPS = (0.25, 0.5, 1.0)


def sli_record(window: str) -> str:
    return f"slo:sli_error:ratio_rate{window}"


def burn_record(window: str) -> str:
    return f"slo:burn_rate:ratio_rate{window}"


PERIOD_BURN = "slo:period_burn_rate:ratio"
BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"
OBJECTIVE = "slo:objective:ratio"
ERROR_BUDGET = "slo:error_budget:ratio"


def num(x: float) -> str:
    """A number as the generated rules write it: at most 10 decimals, no trailing zeros."""
    return format(round(x, 10), "g")


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


@dataclass(frozen=True)
class SLO:
    """An objective on the ratio of bad events to all events over `period`.

    `errors` and `total` are PromQL rates of bad and of all events, each aggregated to one series (no `by`),
    with the range written `$window`, e.g. `sum(rate(http_requests_total{status=~"5.."}[$window]))`.
    `objective` is a percentage (99.9). `runbook` gives impact, causes and fixes; the generated
    investigation steps (burn rates per window, budget left) come first. `scenario` drives the page alert live.
    """

    name: str
    service: str
    description: str
    objective: float
    errors: str
    total: str
    runbook: Runbook
    period: str = "30d"
    page_severity: str = "critical"
    ticket_severity: str = "warning"
    category: str = "slo"
    sli_tests: tuple[TestCase, ...] = ()
    scenario: Scenario | None = None
    no_scenario: str = ""
    component: str = ""  # the `component` label of its alerts; the page and ticket alerts share family `slo-<name>`
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        src, n = self.source, self.name
        if not isinstance(n, str) or not NAME.match(n):
            fail(src, "slo", str(n), "name", n, "is not a lower-case dashed name", "e.g. `agent-availability`")
        if not isinstance(self.objective, (int, float)) or isinstance(self.objective, bool) \
                or not 0 < self.objective < 100:
            fail(src, "slo", n, "objective", self.objective, "is not a percentage between 0 and 100",
                 "write 99.9 for three nines")
        if not self.description or not self.service:
            fail(src, "slo", n, "description" if not self.description else "service", "", "is empty")
        check_duration(src, "slo", n, "period", self.period, allow_zero=False)
        for fname in ("errors", "total"):
            expr = getattr(self, fname)
            if not isinstance(expr, str) or WINDOW_VAR not in expr:
                fail(src, "slo", n, fname, expr, f"has no `{WINDOW_VAR}` range",
                     'write it like `sum(rate(http_requests_total{status=~"5.."}[$window]))`')
            try:
                parse_promql(expr.replace(WINDOW_VAR, "5m"))
            except Exception as exc:
                fail(src, "slo", n, fname, expr, f"does not parse: {exc}")
        if not isinstance(self.runbook, Runbook):
            fail(src, "slo", n, "runbook", self.runbook, "is not a Runbook", "give Runbook(impact=..., causes=...)")
        object.__setattr__(self, "sli_tests", tuple(self.sli_tests))

    # ---- derived names and numbers ----------------------------------------------------------------

    @property
    def budget(self) -> float:
        """The error budget as a ratio: 1 - objective (0.001 for 99.9%)."""
        return round(1 - self.objective / 100, 10)

    @property
    def selector(self) -> str:
        return f'{{slo="{self.name}"}}'

    @property
    def labels(self) -> dict[str, str]:
        return {"slo": self.name}

    @property
    def group_name(self) -> str:
        return "slo_" + self.name.replace("-", "_")

    @property
    def page_alert(self) -> str:
        return f"{_camel(self.name)}SLOBurnRatePage"

    @property
    def ticket_alert(self) -> str:
        return f"{_camel(self.name)}SLOBurnRateTicket"

    @property
    def uid(self) -> str:
        return f"slo-{self.name}"
