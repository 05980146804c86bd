"""SLO step: the SLI, burn-rate and budget recording rules (one per window), with the budget's promtool test."""
from __future__ import annotations

from ...model import RecordingRule, Sample, TestCase
from ...model.slo import (BUDGET_REMAINING, ERROR_BUDGET, OBJECTIVE, PERIOD_BURN, SLO, WINDOW_VAR, WINDOWS, burn_record,
                          num, sli_record)


def sli_expr(slo: SLO, window: str) -> str:
    errors = slo.errors.replace(WINDOW_VAR, window)
    total = slo.total.replace(WINDOW_VAR, window)
    # No error series at all means no errors; no traffic at all means no SLI sample (not NaN).
    return f"(({errors}) or on() vector(0)) / (({total}) > 0)"


def recording_rules(slo: SLO) -> tuple[RecordingRule, ...]:
    src, lab, sel = slo.source, slo.labels, slo.selector
    rules: list[RecordingRule] = []
    for w in WINDOWS:
        rules.append(RecordingRule(sli_record(w), sli_expr(slo, w), labels=lab, source=src,
                                   tests=slo.sli_tests if w == "5m" else ()))
    rules.append(RecordingRule(sli_record(slo.period), f"avg_over_time({sli_record('5m')}{sel}[{slo.period}])",
                               labels=lab, source=src))
    for w in WINDOWS:
        rules.append(RecordingRule(burn_record(w), f"{sli_record(w)}{sel} / {num(slo.budget)}",
                                   labels=lab, source=src))
    rules.append(RecordingRule(PERIOD_BURN, f"{sli_record(slo.period)}{sel} / {num(slo.budget)}",
                               labels=lab, source=src))
    rules.append(RecordingRule(BUDGET_REMAINING, f"1 - {PERIOD_BURN}{sel}", labels=lab, source=src,
                               tests=(_budget_test(slo),)))
    rules.append(RecordingRule(OBJECTIVE, f"vector({num(slo.objective / 100)})", labels=lab, source=src))
    rules.append(RecordingRule(ERROR_BUDGET, f"vector({num(slo.budget)})", labels=lab, source=src))
    return tuple(rules)


def _budget_test(slo: SLO) -> TestCase:
    """Errors at half the budget for the whole period so far: half the budget is left, burn rate 0.5."""
    half = num(slo.budget / 2)
    sample = (Sample('{slo="%s"}' % slo.name, 500),)
    return TestCase(
        f"an error ratio of half the budget ({half}) leaves half of the budget",
        series={f"{sli_record('5m')}{slo.selector}": f"{half}x60"}, at="60m", source=slo.source,
        promql={f"round({BUDGET_REMAINING} * 1000)": sample, f"round({PERIOD_BURN} * 1000)": sample},
    )

