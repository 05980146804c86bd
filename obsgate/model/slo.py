"""Service-level objectives the way Sloth declares them: one SLO -> its SLI, burn-rate and budget recording
rules, the multiwindow multi-burn-rate alerts (page and ticket) with their promtool tests, and a dashboard.

The alerts read recorded burn rates, so their tests feed burn-rate series directly; the SLI itself (the
user's PromQL) is tested through `sli_tests`, attached to the 5m SLI recording rule.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import promql_parser

from .limits import parse_promql
from .rules import AlertRule, RecordingRule, RuleGroup, Runbook, Scenario, Step, check_duration
from .source import SourceRef, caller_source, fail
from .testcase import Expect, Sample, TestCase

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
# The page alert drives the SLO's scenario live; the ticket alert's short windows (2h, 6h) keep it firing that
# long after a fault clears (6 minutes even with the ci profile's compression), so it is tested by promtool only.
TICKET_NOT_LIVE = ("its short windows (2h and 6h) keep it firing for that long after the fault clears (6 minutes "
                   "under the ci profile's 60x compression); the page alert drives the same fault live and promtool "
                   "tests cover both ticket window pairs")
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


def _num(x: float) -> str:
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

    # ---- rules ------------------------------------------------------------------------------------

    def _sli_expr(self, window: str) -> str:
        errors = self.errors.replace(WINDOW_VAR, window)
        total = self.total.replace(WINDOW_VAR, window)
        # No error series at all means no errors; no traffic at all means no SLI sample (not NaN).
        return f"(({errors}) or on() vector(0)) / (({total}) > 0)"

    def recording_rules(self) -> tuple[RecordingRule, ...]:
        src, lab, sel = self.source, self.labels, self.selector
        rules: list[RecordingRule] = []
        for w in WINDOWS:
            rules.append(RecordingRule(sli_record(w), self._sli_expr(w), labels=lab, source=src,
                                       tests=self.sli_tests if w == "5m" else ()))
        rules.append(RecordingRule(sli_record(self.period), f"avg_over_time({sli_record('5m')}{sel}[{self.period}])",
                                   labels=lab, source=src))
        for w in WINDOWS:
            rules.append(RecordingRule(burn_record(w), f"{sli_record(w)}{sel} / {_num(self.budget)}",
                                       labels=lab, source=src))
        rules.append(RecordingRule(PERIOD_BURN, f"{sli_record(self.period)}{sel} / {_num(self.budget)}",
                                   labels=lab, source=src))
        rules.append(RecordingRule(BUDGET_REMAINING, f"1 - {PERIOD_BURN}{sel}", labels=lab, source=src,
                                   tests=(self._budget_test(),)))
        rules.append(RecordingRule(OBJECTIVE, f"vector({_num(self.objective / 100)})", labels=lab, source=src))
        rules.append(RecordingRule(ERROR_BUDGET, f"vector({_num(self.budget)})", labels=lab, source=src))
        return tuple(rules)

    def _budget_test(self) -> TestCase:
        """Errors at half the budget for the whole period so far: half the budget is left, burn rate 0.5."""
        half = _num(self.budget / 2)
        sample = (Sample('{slo="%s"}' % self.name, 500),)
        return TestCase(
            f"an error ratio of half the budget ({half}) leaves half of the budget",
            series={f"{sli_record('5m')}{self.selector}": f"{half}x60"}, at="60m", source=self.source,
            promql={f"round({BUDGET_REMAINING} * 1000)": sample, f"round({PERIOD_BURN} * 1000)": sample},
        )

    def _condition(self, bw: BurnWindow) -> str:
        f = _num(bw.factor)
        return (f"max by (slo) ({burn_record(bw.long)}{self.selector} > {f})"
                f" and max by (slo) ({burn_record(bw.short)}{self.selector} > {f})")

    def _series(self, rates: dict[str, float]) -> dict[str, str]:
        return {f"{burn_record(w)}{self.selector}": f"{_num(r)}x20" for w, r in rates.items()}

    def _tests(self, routing: str) -> tuple[TestCase, ...]:
        pair = [bw for bw in BURN_POLICY if bw.routing == routing]
        fast, slow = pair
        src, fires = self.source, (Expect(labels=self.labels),)
        at = "5m" if routing == "page" else "18m"  # past the alert's `for` (2m page, 15m ticket)
        below = {fast.long: fast.factor * 0.95, fast.short: fast.factor * 0.95,
                 slow.long: slow.factor * 0.95, slow.short: slow.factor * 0.95}
        return (
            TestCase(f"fires when the {fast.long} and {fast.short} burn rates exceed {_num(fast.factor)}",
                     series=self._series({fast.long: fast.factor * 1.1, fast.short: fast.factor * 1.1}),
                     at=at, alerts=fires, source=src),
            TestCase(f"fires when the {slow.long} and {slow.short} burn rates exceed {_num(slow.factor)}",
                     series=self._series({fast.long: slow.factor * 1.1, fast.short: slow.factor * 1.1,
                                          slow.long: slow.factor * 1.1, slow.short: slow.factor * 1.1}),
                     at=at, alerts=fires, source=src),
            TestCase(f"stays quiet at 95% of each threshold", series=self._series(below), at=at, source=src),
            TestCase(f"stays quiet once the short windows recover",
                     series=self._series({fast.long: fast.factor * 2, fast.short: fast.factor * 0.5,
                                          slow.long: slow.factor * 2, slow.short: slow.factor * 0.5}),
                     at=at, source=src),
        )

    def _runbook(self, other: str) -> Runbook:
        sel = self.selector
        steps = (
            Step("Burn rate in every window (1 = spending the budget exactly over the period)",
                 f'{{__name__=~"slo:burn_rate:ratio_rate.*", slo="{self.name}"}}'),
            Step("Error budget left for the period", f"{BUDGET_REMAINING}{sel}",
                 note=f"The policy acts at {', '.join(f'{int(c * 100)}%' for c in BUDGET_CONSUMED_STEPS)} consumed."),
            Step("Bad events per second right now", self.errors.replace(WINDOW_VAR, "5m")),
        ) + self.runbook.steps
        return replace(self.runbook, steps=steps, related=tuple(dict.fromkeys((other,) + self.runbook.related)))

    def alerts(self) -> tuple[AlertRule, AlertRule]:
        pct = _num(self.objective)
        out = []
        for routing, name, other, severity, for_ in (
                ("page", self.page_alert, self.ticket_alert, self.page_severity, "2m"),
                ("ticket", self.ticket_alert, self.page_alert, self.ticket_severity, "15m")):
            pair = [bw for bw in BURN_POLICY if bw.routing == routing]
            expr = " or ".join(f"({self._condition(bw)})" for bw in pair)
            windows = " or ".join(f"{bw.long}/{bw.short} above {_num(bw.factor)}x" for bw in pair)
            out.append(AlertRule(
                name=name, expr=expr, for_=for_, severity=severity, category=self.category,
                labels={"routing": routing}, source=self.source, component=self.component, family=f"slo-{self.name}",
                summary=f"{self.service}: SLO {self.name} ({pct}%) is burning its error budget too fast ({routing})",
                description=f"{self.description} The error budget ({_num(self.budget * 100)}% of events over "
                            f"{self.period}) is burning at {windows} the sustainable rate; at this pace it is gone "
                            f"{'within days' if routing == 'page' else 'before the period ends'}.",
                tests=self._tests(routing), runbook=self._runbook(other),
                scenario=self.scenario if routing == "page" else None,
                no_scenario=self.no_scenario if routing == "page" or not self.scenario else TICKET_NOT_LIVE,
            ))
        return tuple(out)

    def rule_group(self) -> RuleGroup:
        return RuleGroup(self.group_name, rules=self.recording_rules() + self.alerts(), source=self.source)

    def board(self):
        """The SLO's dashboard: budget left and consumed (with the policy's 25/50/100% lines), burn rates."""
        from .. import dashboards as D  # the dashboard vocabulary imports the model, not the reverse

        sel, name = self.selector, self.name
        pct = _num(self.objective)

        def s(expr: str, legend: str, unit: str, help: str) -> D.Series:
            return D.Series(expr, legend, unit, help, source=self.source)

        remaining = s(f"{BUDGET_REMAINING}{sel}", "budget left", "percentunit",
                      f"Share of the {self.period} error budget not yet spent; below 0 the SLO is broken.")
        consumed = s(f"1 - {BUDGET_REMAINING}{sel}", "budget consumed", "percentunit",
                     "Share of the error budget spent so far; the policy acts at 25%, 50% and 100%.")
        policy_left = D.thresholds(*((round(1 - c, 4), color) for c, color in
                                     zip(sorted(BUDGET_CONSUMED_STEPS, reverse=True), ("orange", "yellow", "green"))),
                                   base="red")
        policy_used = D.thresholds(*zip(BUDGET_CONSUMED_STEPS, ("yellow", "orange", "red")))
        factors = sorted({bw.factor for bw in BURN_POLICY})
        burn_steps = D.thresholds(*zip(factors, ("yellow", "orange", "red", "dark-red")))

        def burns(routing: str) -> list:
            windows = [w for bw in BURN_POLICY if bw.routing == routing for w in (bw.long, bw.short)]
            return [s(f"{burn_record(w)}{sel}", w, "short",
                      f"Error-budget burn rate over {w}: 1 spends the budget exactly over {self.period}.")
                    for w in windows]

        panels = [
            D.row(f"{self.service}: {name} ({pct}% over {self.period})"),
            D.stat("Error budget remaining", remaining, steps=policy_left, w=6),
            D.stat("Error budget consumed", consumed, steps=policy_used, w=6),
            D.stat("Period burn rate", s(f"{PERIOD_BURN}{sel}", "period burn rate", "short",
                                         f"Average burn rate over {self.period}; above 1 the SLO will be missed."),
                   steps=D.thresholds((1, "red")), w=6),
            D.stat("Current SLI error ratio (5m)", s(f"{sli_record('5m')}{sel}", "5m", "percentunit",
                                                     f"Bad events / all events over 5m; the objective allows "
                                                     f"{_num(self.budget * 100)}%."),
                   steps=D.thresholds((self.budget, "red")), w=6),
            D.timeseries("Error budget consumed over time", consumed, steps=policy_used, min=0, w=12),
            D.timeseries("Error budget remaining over time", remaining, steps=policy_left, max=1, w=12),
            D.row("Burn rates (multiwindow, multi-burn-rate alerts)"),
            D.timeseries(f"Page burn rates ({self.page_alert})", *burns("page"), steps=burn_steps,
                         description="Pages when both windows of a pair burn above its factor: 1h/5m > 14.4, "
                                     "6h/30m > 6.", w=12),
            D.timeseries(f"Ticket burn rates ({self.ticket_alert})", *burns("ticket"), steps=burn_steps,
                         description="Opens a ticket when both windows of a pair burn above its factor: "
                                     "1d/2h > 3, 3d/6h > 1.", w=12),
            D.timeseries("SLI error ratio by window",
                         *[s(f"{sli_record(w)}{sel}", w, "percentunit", "Bad events / all events per window.")
                           for w in WINDOWS],
                         steps=D.thresholds((self.budget, "red")), w=24),
        ]
        board = D.dashboard(self.uid, f"SLO: {name}", panels, description=self.description,
                            tags=("slo", self.service), time_from="now-7d")
        return replace(board, path=self.source.path, line=self.source.line)
