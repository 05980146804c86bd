"""LLMscope latency control chart: one provider/model's latency against its 24 h mean and 3σ limits."""
from obsgate.dashboards import (Series, counter_panel, dashboard, quantiles, recorded, stat, thresholds, timeseries,
                                variable)

from catalog.llmscope import REQUEST_DURATION, REQUESTS
from rules_src import llmscope as spc

PICK = {"provider": "$provider", "model": "$model"}


def _line(rule, legend: str, help: str) -> Series:
    return recorded(rule, unit="s", legend=legend, match=PICK, help=help)


CHART = timeseries(
    "Latency control chart",
    _line(spc.LATENCY_POINT, "{{provider}}/{{model}} latency (5m mean)", "Mean latency of the last 5 minutes: one chart point."),
    _line(spc.CENTRE, "{{provider}}/{{model}} mean (24h)", "Centre line: mean of the last 24 h of points."),
    _line(spc.UPPER, "{{provider}}/{{model}} UCL (mean + 3σ)", "Upper control limit."),
    _line(spc.LOWER, "{{provider}}/{{model}} LCL (mean - 3σ)", "Lower control limit."),
    description="Shewhart chart of LLM latency: the 5-minute mean latency of the selected provider/model, its 24 h "
                "mean (centre line) and the control limits mean ± 3σ. A point outside the limits is rule R1; nine "
                "points on one side of the mean R2; six points rising or falling R3.",
    w=24, h=10,
)
DEVIATION = stat(
    "Deviation of the latest point (σ)",
    recorded(spc.DEVIATION, unit="short", legend="{{provider}}/{{model}}", match=PICK,
             help="How many standard deviations the latest point lies from the 24 h mean; beyond ±3 is rule R1."),
    steps=thresholds((-3, "orange"), (-2, "green"), (2, "orange"), (3, "red"), base="red"), w=6, h=6,
)


def _violations(rule: str, expr: str, help: str) -> Series:
    return Series(f"count({expr}) or vector(0)", legend=rule, unit="short", help=help)


VIOLATIONS = timeseries(
    "Violations per rule",
    _violations("R1", f"abs({spc.SIGMA}) > 3", "Provider/models with a point beyond 3σ (R1)."),
    _violations("R2", f"abs({spc.SIDE_RUN}) >= {spc.POINTS_R2}",
                "Provider/models with 9 points on one side of the mean (R2)."),
    _violations("R3", f"abs({spc.STEP_RUN}) >= {spc.POINTS_R3 - 1}",
                "Provider/models with 6 points steadily rising or falling (R3)."),
    description="How many provider/models violate each control rule right now (all models, not only the selected "
                "one). R1 alerts red, R2 orange, R3 blue in Slack.",
    min=0, w=18, h=6,
)
RUN_R2 = timeseries(
    "R2: side of the mean over the last 9 points",
    recorded(spc.SIDE_SUM, legend="{{provider}}/{{model}}", match=PICK,
             help="Sum of the last 9 points' sides (+1 above, -1 below the mean); ±9 is rule R2."),
    steps=thresholds((-9, "green"), (9, "orange"), base="orange"), min=-9, max=9, w=12,
    description="Sum of the sides (+1 above the mean, -1 below) of the last 9 chart points, 5 minutes apart. "
                "+9 or -9 means nine points on one side: a sustained shift (rule R2).",
)
RUN_R3 = timeseries(
    "R3: direction of the last 5 steps",
    recorded(spc.DIRECTION_SUM, legend="{{provider}}/{{model}}", match=PICK,
             help="Sum of the directions (+1 up, -1 down) of the last 5 steps between points; ±5 is rule R3."),
    steps=thresholds((-5, "green"), (5, "blue"), base="blue"), min=-5, max=5, w=12,
    description="Sum of the directions (+1 rising, -1 falling) of the last 5 steps between chart points. +5 or "
                "-5 means six points steadily rising or falling: a trend (rule R3).",
)
SPREAD = timeseries(
    "Standard deviation (24h)",
    recorded(spc.SPREAD, unit="s", legend="{{provider}}/{{model}}", match=PICK,
             help="Standard deviation of the last 24 h of points: the width of the control band is 6σ."),
    min=0, w=12,
)
QUANTILES = timeseries(
    "Latency p50/p95/p99", *quantiles(REQUEST_DURATION, by=("provider", "model"), match=PICK),
    description="Quantiles of single-call latency, for comparison with the 5-minute mean the chart uses.",
    min=0, w=12,
)
OUTCOMES = counter_panel(REQUESTS, title="Calls by outcome", by=("provider", "model", "status"), match=PICK,
                         stacked=True, w=24,
                         description="LLM calls per second by outcome; errors are excluded from the latency chart.")

BOARD = dashboard(
    "llmscope-control-chart", "LLMscope: Latency Control Chart",
    [CHART, DEVIATION, VIOLATIONS, RUN_R2, RUN_R3, SPREAD, QUANTILES, OUTCOMES],
    description="Statistical process control of LLM latency per provider and model: control chart with mean, UCL "
                "and LCL, the σ deviation of the latest point, and violations of rules R1-R3.",
    tags=("llmscope", "latency", "spc", "obsgate"),
    variables=(variable(REQUEST_DURATION, "provider", multi=False), variable(REQUEST_DURATION, "model", multi=False)),
    time_from="now-24h",
)
