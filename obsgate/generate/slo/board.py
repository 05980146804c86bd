"""SLO step: the dashboard (budget left and consumed with the policy's 25/50/100% lines, burn rates)."""
from __future__ import annotations

from dataclasses import replace

from ... import dashboards as D
from ...model.board import Board
from ...model.slo import (BUDGET_CONSUMED_STEPS, BUDGET_REMAINING, BURN_POLICY, PERIOD_BURN, SLO, WINDOWS, burn_record,
                          num, sli_record)


def board(slo: SLO) -> Board:
    """The SLO's dashboard: budget left and consumed (with the policy's 25/50/100% lines), burn rates."""
    sel, name = slo.selector, slo.name
    pct = num(slo.objective)

    def s(expr: str, legend: str, unit: str, help: str) -> D.Series:
        return D.Series(expr, legend, unit, help, source=slo.source)

    remaining = s(f"{BUDGET_REMAINING}{sel}", "budget left", "percentunit",
                  f"Share of the {slo.period} error budget not yet spent; below 0 the SLO is broken.")
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
                  f"Error-budget burn rate over {w}: 1 spends the budget exactly over {slo.period}.")
                for w in windows]

    panels = [
        D.row(f"{slo.service}: {name} ({pct}% over {slo.period})"),
        D.stat("Error budget remaining", remaining, steps=policy_left, w=6),
        D.stat("Error budget consumed", consumed, steps=policy_used, w=6),
        D.stat("Period burn rate", s(f"{PERIOD_BURN}{sel}", "period burn rate", "short",
                                     f"Average burn rate over {slo.period}; above 1 the SLO will be missed."),
               steps=D.thresholds((1, "red")), w=6),
        D.stat("Current SLI error ratio (5m)", s(f"{sli_record('5m')}{sel}", "5m", "percentunit",
                                                 f"Bad events / all events over 5m; the objective allows "
                                                 f"{num(slo.budget * 100)}%."),
               steps=D.thresholds((slo.budget, "red")), w=6),
        D.timeseries("Error budget consumed over time", consumed, steps=policy_used, min=0, w=12),
        D.timeseries("Error budget remaining over time", remaining, steps=policy_left, max=1, w=12),
        D.row("Burn rates (multiwindow, multi-burn-rate alerts)"),
        D.timeseries(f"Page burn rates ({slo.page_alert})", *burns("page"), steps=burn_steps,
                     description="Pages when both windows of a pair burn above its factor: 1h/5m > 14.4, "
                                 "6h/30m > 6.", w=12),
        D.timeseries(f"Ticket burn rates ({slo.ticket_alert})", *burns("ticket"), steps=burn_steps,
                     description="Opens a ticket when both windows of a pair burn above its factor: "
                                 "1d/2h > 3, 3d/6h > 1.", w=12),
        D.timeseries("SLI error ratio by window",
                     *[s(f"{sli_record(w)}{sel}", w, "percentunit", "Bad events / all events per window.")
                       for w in WINDOWS],
                     steps=D.thresholds((slo.budget, "red")), w=24),
    ]
    board = D.dashboard(slo.uid, f"SLO: {name}", panels, description=slo.description,
                        tags=("slo", slo.service), time_from="now-7d")
    return replace(board, path=slo.source.path, line=slo.source.line)
