"""SLO step: the multiwindow multi-burn-rate alerts (page and ticket), their promtool tests and runbook."""
from __future__ import annotations

from dataclasses import replace

from ...model import AlertRule, Expect, Runbook, Step, TestCase
from ...model.slo import (BUDGET_CONSUMED_STEPS, BUDGET_REMAINING, BURN_POLICY, SLO, WINDOW_VAR, BurnWindow,
                          burn_record, num)

# The page alert drives the SLO's scenario live; the ticket alert's short windows (2h, 6h) keep it firing that
# long after a fault clears (6 minutes even with the ci profile's compression), so it is tested by promtool only.
TICKET_NOT_LIVE = ("its short windows (2h and 6h) keep it firing for that long after the fault clears (6 minutes "
                   "under the ci profile's 60x compression); the page alert drives the same fault live and promtool "
                   "tests cover both ticket window pairs")


def _condition(slo: SLO, bw: BurnWindow) -> str:
    f = num(bw.factor)
    return (f"max by (slo) ({burn_record(bw.long)}{slo.selector} > {f})"
            f" and max by (slo) ({burn_record(bw.short)}{slo.selector} > {f})")


def _series(slo: SLO, rates: dict[str, float]) -> dict[str, str]:
    return {f"{burn_record(w)}{slo.selector}": f"{num(r)}x20" for w, r in rates.items()}


def _tests(slo: SLO, routing: str) -> tuple[TestCase, ...]:
    pair = [bw for bw in BURN_POLICY if bw.routing == routing]
    fast, slow = pair
    src, fires = slo.source, (Expect(labels=slo.labels),)
    at = "5m" if routing == "page" else "18m"  # past the alert's `for` (2m page, 15m ticket)
    below = {fast.long: fast.factor * 0.95, fast.short: fast.factor * 0.95,
             slow.long: slow.factor * 0.95, slow.short: slow.factor * 0.95}
    return (
        TestCase(f"fires when the {fast.long} and {fast.short} burn rates exceed {num(fast.factor)}",
                 series=_series(slo, {fast.long: fast.factor * 1.1, fast.short: fast.factor * 1.1}),
                 at=at, alerts=fires, source=src),
        TestCase(f"fires when the {slow.long} and {slow.short} burn rates exceed {num(slow.factor)}",
                 series=_series(slo, {fast.long: slow.factor * 1.1, fast.short: slow.factor * 1.1,
                                      slow.long: slow.factor * 1.1, slow.short: slow.factor * 1.1}),
                 at=at, alerts=fires, source=src),
        TestCase(f"stays quiet at 95% of each threshold", series=_series(slo, below), at=at, source=src),
        TestCase(f"stays quiet once the short windows recover",
                 series=_series(slo, {fast.long: fast.factor * 2, fast.short: fast.factor * 0.5,
                                      slow.long: slow.factor * 2, slow.short: slow.factor * 0.5}),
                 at=at, source=src),
    )


def _runbook(slo: SLO, other: str) -> Runbook:
    sel = slo.selector
    steps = (
        Step("Burn rate in every window (1 = spending the budget exactly over the period)",
             f'{{__name__=~"slo:burn_rate:ratio_rate.*", slo="{slo.name}"}}'),
        Step("Error budget left for the period", f"{BUDGET_REMAINING}{sel}",
             note=f"The policy acts at {', '.join(f'{int(c * 100)}%' for c in BUDGET_CONSUMED_STEPS)} consumed."),
        Step("Bad events per second right now", slo.errors.replace(WINDOW_VAR, "5m")),
    ) + slo.runbook.steps
    return replace(slo.runbook, steps=steps, related=tuple(dict.fromkeys((other,) + slo.runbook.related)))


def alerts(slo: SLO) -> tuple[AlertRule, AlertRule]:
    pct = num(slo.objective)
    out = []
    for routing, name, other, severity, for_ in (
            ("page", slo.page_alert, slo.ticket_alert, slo.page_severity, "2m"),
            ("ticket", slo.ticket_alert, slo.page_alert, slo.ticket_severity, "15m")):
        pair = [bw for bw in BURN_POLICY if bw.routing == routing]
        expr = " or ".join(f"({_condition(slo, bw)})" for bw in pair)
        windows = " or ".join(f"{bw.long}/{bw.short} above {num(bw.factor)}x" for bw in pair)
        out.append(AlertRule(
            name=name, expr=expr, for_=for_, severity=severity, category=slo.category,
            labels={"routing": routing}, source=slo.source, component=slo.component, family=f"slo-{slo.name}",
            summary=f"{slo.service}: SLO {slo.name} ({pct}%) is burning its error budget too fast ({routing})",
            description=f"{slo.description} The error budget ({num(slo.budget * 100)}% of events over "
                        f"{slo.period}) is burning at {windows} the sustainable rate; at this pace it is gone "
                        f"{'within days' if routing == 'page' else 'before the period ends'}.",
            tests=_tests(slo, routing), runbook=_runbook(slo, other),
            scenario=slo.scenario if routing == "page" else None,
            no_scenario=slo.no_scenario if routing == "page" or not slo.scenario else TICKET_NOT_LIVE,
        ))
    return tuple(out)

