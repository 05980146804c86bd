"""LLMscope latency control charts (statistical process control) per provider/model.

One chart point is the mean latency of a 5-minute subgroup; points are read 5 minutes apart. The centre
line and control limits come from the last 24 h of points. Rules that need earlier points (R2, R3) read
recorded series at offsets, so every point is judged against the centre line of its own time.

A relative dead band (0.1% of the mean) keeps floating-point noise on a flat series from counting as a
deviation; on real latency the standard deviation is far larger than that band.
"""
from obsgate import (AlertRule, Cause, Expect, RecordingRule, RuleGroup, Runbook, Sample, Scenario, Step,
                     TestCase)

from rules_src.common_steps import FIRING_ALERTS, histogram_p95, target_health

H = "llmscope_request_duration_seconds"
BY = "provider, model"
POINT = "5m"  # subgroup length and distance between chart points
POINTS_R2 = 9  # R2: consecutive points on one side of the mean
POINTS_R3 = 6  # R3: consecutive points steadily rising or falling
DEAD_BAND = "0.001"  # relative to the mean

LATENCY = "provider_model:llmscope_latency_seconds:mean5m"
MEAN = "provider_model:llmscope_latency_seconds:avg24h"
STDDEV = "provider_model:llmscope_latency_seconds:stddev24h"
UCL = "provider_model:llmscope_latency_seconds:ucl24h"
LCL = "provider_model:llmscope_latency_seconds:lcl24h"
SIGMA = "provider_model:llmscope_latency_deviation:sigma24h"
SIDE = "provider_model:llmscope_latency_side:sign24h"
SIDE_RUN = "provider_model:llmscope_latency_side:sum9x5m"
STEP = "provider_model:llmscope_latency_step:sign5m"
STEP_RUN = "provider_model:llmscope_latency_step:sum5x5m"


def _offsets(series: str, points: int) -> str:
    """`s + s offset 5m + ... ` over `points` chart points: the sum of the last `points` values."""
    terms = [series] + [f"{series} offset {5 * k}m" for k in range(1, points)]
    return " + ".join(terms)


def _values(points) -> str:
    return " ".join(f"{v:g}" for v in points)


def _alternating(n: int) -> list[float]:
    """In-control history: 1.0 and 1.2 in turn (mean 1.1, sigma 0.1); points 5 minutes apart alternate too."""
    return [1.0 if i % 2 == 0 else 1.2 for i in range(n)]


def _series(points) -> dict[str, str]:
    return {f'{LATENCY}{{provider="openai",model="gpt-4o-mini"}}': _values(points)}


RULE_LABELS = {"provider": "openai", "model": "gpt-4o-mini"}

# ---- the chart: point, centre line, limits, deviation -------------------------------------------------

LATENCY_POINT = RecordingRule(
    LATENCY,
    f"sum by ({BY}) (rate({H}_sum[{POINT}])) / (sum by ({BY}) (rate({H}_count[{POINT}])) > 0)",
    tests=(TestCase(
        "72 s of latency over 60 calls per minute is a 1.2 s point",
        series={f'{H}_sum{{provider="openai",model="gpt-4o-mini"}}': "0+72x10",
                f'{H}_count{{provider="openai",model="gpt-4o-mini"}}': "0+60x10",
                f'{H}_sum{{provider="ollama",model="llama3.1-8b"}}': "0x10",
                f'{H}_count{{provider="ollama",model="llama3.1-8b"}}': "0x10"},
        at="10m",
        promql={f"round({LATENCY} * 1000)": (Sample('{provider="openai",model="gpt-4o-mini"}', 1200),)},
    ),),
)
CENTRE = RecordingRule(MEAN, f"avg_over_time({LATENCY}[24h])", tests=(TestCase(
    "the centre line of 1.0/1.2 points is 1.1 and sigma 0.1, so UCL 1.4 and LCL 0.8",
    series=_series(_alternating(60)), at="59m",
    promql={f"round({MEAN} * 1000)": (Sample('{provider="openai",model="gpt-4o-mini"}', 1100),),
            f"round({STDDEV} * 1000)": (Sample('{provider="openai",model="gpt-4o-mini"}', 100),),
            f"round({UCL} * 1000)": (Sample('{provider="openai",model="gpt-4o-mini"}', 1400),),
            f"round({LCL} * 1000)": (Sample('{provider="openai",model="gpt-4o-mini"}', 800),)},
),))
SPREAD = RecordingRule(STDDEV, f"stddev_over_time({LATENCY}[24h])")
UPPER = RecordingRule(UCL, f"{MEAN} + 3 * {STDDEV}")
LOWER = RecordingRule(LCL, f"{MEAN} - 3 * {STDDEV}")
DEVIATION = RecordingRule(
    SIGMA, f"({LATENCY} - {MEAN}) / ({STDDEV} > {DEAD_BAND} * {MEAN})",
    tests=(TestCase(
        "a flat series has no sigma, so no deviation is recorded",
        series=_series([1.2] * 30), at="29m", promql={SIGMA: ()},
    ),),
)

# ---- memory of earlier points: side of the centre line, direction of change -------------------------

SIDE_OF_MEAN = RecordingRule(SIDE, f"sgn({LATENCY} - {MEAN}) and abs({LATENCY} - {MEAN}) > {DEAD_BAND} * {MEAN}")
SIDE_SUM = RecordingRule(SIDE_RUN, _offsets(SIDE, POINTS_R2))
DIRECTION = RecordingRule(
    STEP,
    f"sgn({LATENCY} - {LATENCY} offset {POINT}) and abs({LATENCY} - {LATENCY} offset {POINT}) > {DEAD_BAND} * {LATENCY}",
)
DIRECTION_SUM = RecordingRule(STEP_RUN, _offsets(STEP, POINTS_R3 - 1))


def _annotation(record: str, fmt: str, scale: str = "") -> str:
    """An alert annotation holding the current value of `record` for the alert's provider/model (times `scale`)."""
    query = record + '{provider="%s",model="%s"}' + (f" * {scale}" if scale else "")
    return ("{{ with printf `" + query + "` $labels.provider $labels.model | query }}"
            "{{ . | first | value | printf \"" + fmt + "\" }}{{ end }}")


# The notification fields of the LLMscope specification: latency, mean, std dev and the control limits in ms with
# two decimals, the deviation in sigma.
CHART_ANNOTATIONS = {
    "latency_ms": _annotation(LATENCY, "%.2f", "1000"),
    "mean_ms": _annotation(MEAN, "%.2f", "1000"),
    "stddev_ms": _annotation(STDDEV, "%.2f", "1000"),
    "ucl_ms": _annotation(UCL, "%.2f", "1000"),
    "lcl_ms": _annotation(LCL, "%.2f", "1000"),
    "sigma": _annotation(SIGMA, "%.2f"),
}


def _chart(latency: str, mean: str, stddev: str, ucl: str, lcl: str, sigma: str) -> Expect:
    return Expect(labels=RULE_LABELS, annotations={"latency_ms": latency, "mean_ms": mean, "stddev_ms": stddev,
                                                   "ucl_ms": ucl, "lcl_ms": lcl, "sigma": sigma})


SPC_STEPS = (
    Step("The control chart of this provider/model (point, centre line, limits)",
         f'{{__name__=~"{LATENCY}|{MEAN}|{UCL}|{LCL}", provider="<provider>", model="<model>"}}',
         note="Plot it over 24 h; the LLMscope control-chart dashboard shows the same lines."),
    Step("Deviation of every provider/model from its centre line, in sigma", f"sort_desc(abs({SIGMA}))"),
    histogram_p95(H, by=("provider", "model"), window="10m"),
    Step("Error rate of the same calls (errors are not in the chart)",
         'sum by (provider, model) (rate(llmscope_requests_total{status="error"}[10m]))'),
    FIRING_ALERTS,
)
SPC_CAUSES = (
    Cause("Provider-side incident or degradation", "All models of one provider move together",
          "Check the provider's status page; fail over to another provider", likelihood="high"),
    Cause("Model or prompt change", "Only one model moves, starting at a deploy time",
          "Compare prompt/completion token counts before and after the change", likelihood="medium"),
    Cause("Local saturation (gateway, network, Ollama host)", "Ollama models move while hosted ones do not",
          "Check host memory and GPU load; scale out the Ollama host", likelihood="low"),
)

# Why R1 and R2 are not driven live: their centre line and sigma are 24 h windows over the recorded chart point.
# Prometheus evaluates recording rules only live, and backfilled raw latency does not become recorded points
# (`promtool tsdb create-blocks-from rules` needs a running Prometheus to query), so a chart started with the
# gate has no baseline: its sigma is the live noise of its first seconds, and a 3-sigma judgement on that is a
# coin toss, not the control chart.
NO_BASELINE = ("its centre line and sigma are 24 h windows (24 min under the ci profile) over the recorded 5-minute "
               "latency point; recording rules run only live, so backfilled raw latency gives the chart no baseline "
               "points before start-up and the gate cannot wait 24 min for them")

R1 = AlertRule(
    name="LLMscopeLatencyBeyondThreeSigma",
    expr=f"{SIGMA} > 3 or {SIGMA} < -3",
    for_="1m", severity="warning", category="latency",
    labels={"spc_rule": "R1"}, annotations=CHART_ANNOTATIONS,
    summary="{{ $labels.provider }}/{{ $labels.model }} latency is more than 3σ from its 24h mean (SPC rule R1)",
    description="The latest 5-minute mean latency of {{ $labels.provider }}/{{ $labels.model }} lies outside the "
                "control limits (mean ± 3σ of the last 24 h): a spike or a drop that ordinary variation does not "
                "explain.",
    tests=(
        TestCase("fires on a spike above the upper control limit",
                 series=_series(_alternating(60) + [2.0] * 3), at="61m",
                 alerts=(_chart("2000.00", "1129.03", "186.99", "1689.99", "568.08", "4.66"),)),
        TestCase("fires on a drop below the lower control limit",
                 series=_series(_alternating(60) + [0.5] * 3), at="61m",
                 alerts=(_chart("500.00", "1080.65", "144.62", "1514.51", "646.78", "-4.01"),)),
        TestCase("stays quiet at 2.6 sigma (inside the limits)",
                 series=_series(_alternating(60) + [1.4] * 3), at="61m"),
        TestCase("stays quiet on a flat series (no sigma to measure against)",
                 series=_series([1.2] * 60 + [1.2] * 3), at="61m"),
    ),
    runbook=Runbook(
        impact="Users of this model see unusual response times; a drop can also mean the provider is "
               "returning errors or truncated answers fast.",
        steps=SPC_STEPS, causes=SPC_CAUSES,
        quick_fix="If the point is a spike, route traffic for the model to another provider; if it is a drop, "
                  "check that answers are complete.",
        long_term_fix="Find the assignable cause (provider incident, deploy, saturation) and record it on the "
                      "chart; exclude that period from the baseline once fixed.",
        prevention="Canary model and prompt changes; watch the chart after each deploy.",
        related=("LLMscopeLatencySustainedShift", "LLMscopeLatencyTrend"),
    ),
    no_scenario=NO_BASELINE + "; promtool tests drive R1 over 60 crafted in-control points and a spike or drop",
)

R2 = AlertRule(
    name="LLMscopeLatencySustainedShift",
    expr=f"abs({SIDE_RUN}) >= {POINTS_R2}",
    for_="1m", severity="warning", category="latency",
    labels={"spc_rule": "R2"}, annotations=CHART_ANNOTATIONS,
    summary="{{ $labels.provider }}/{{ $labels.model }} latency has stayed on one side of its mean for 9 points "
            "(SPC rule R2)",
    description="Nine consecutive 5-minute latency points of {{ $labels.provider }}/{{ $labels.model }} lie on the "
                "same side of the 24 h mean: the process has shifted, even if no single point is beyond 3σ.",
    tests=(
        TestCase("fires after 9 points above the mean",
                 series=_series(_alternating(60) + [1.15] * 45), at="101m",
                 alerts=(_chart("1150.00", "1120.59", "80.55", "1362.23", "878.95", "0.37"),)),
        TestCase("fires after 9 points below the mean",
                 series=_series(_alternating(60) + [1.05] * 45), at="101m",
                 alerts=(_chart("1050.00", "1079.41", "80.55", "1321.05", "837.77", "-0.37"),)),
        TestCase("stays quiet when 8 points are above and the 9th is below",
                 series=_series(_alternating(61) + [1.15] * 36 + [1.0] * 10), at="96m"),
        TestCase("stays quiet while points alternate around the mean",
                 series=_series(_alternating(110)), at="101m"),
    ),
    runbook=Runbook(
        impact="Latency for this model has moved to a new level; SLOs built on the old level may start burning.",
        steps=SPC_STEPS + (Step("Points on each side of the mean over the last 45 minutes", SIDE_RUN),),
        causes=SPC_CAUSES,
        quick_fix="Confirm the shift on the chart; if it is a regression, roll back the change that started it.",
        long_term_fix="If the new level is intended (new model version), let the baseline re-centre and note it.",
        prevention="Record model and prompt changes as annotations on the control-chart dashboard.",
        related=("LLMscopeLatencyBeyondThreeSigma", "LLMscopeLatencyTrend"),
    ),
    no_scenario=NO_BASELINE + "; besides, nine 5-minute points on one side take 45 s of fault even compressed, "
                              "after R1 and the target-down check on the same simulator, beyond the gate's 90 s; "
                              "promtool tests drive R2 over crafted shifted runs",
)

R3 = AlertRule(
    name="LLMscopeLatencyTrend",
    expr=f"abs({STEP_RUN}) >= {POINTS_R3 - 1}",
    for_="1m", severity="info", category="latency",
    labels={"spc_rule": "R3"}, annotations=CHART_ANNOTATIONS,
    summary="{{ $labels.provider }}/{{ $labels.model }} latency has risen or fallen for 6 points in a row "
            "(SPC rule R3)",
    description="Six consecutive 5-minute latency points of {{ $labels.provider }}/{{ $labels.model }} move steadily "
                "in one direction: a trend (growing load, memory leak, filling cache) is under way.",
    tests=(
        TestCase("fires on 6 steadily rising points",
                 series=_series(_alternating(61) + [round(0.9 + 0.01 * i, 2) for i in range(1, 41)]), at="87m",
                 alerts=(_chart("1170.00", "1080.45", "97.55", "1373.10", "787.81", "0.92"),)),
        TestCase("fires on 6 steadily falling points",
                 series=_series(_alternating(61) + [round(1.3 - 0.01 * i, 2) for i in range(1, 41)]), at="87m",
                 alerts=(_chart("1030.00", "1117.27", "97.98", "1411.20", "823.34", "-0.89"),)),
        TestCase("stays quiet when the rise stops after 5 points",
                 series=_series(_alternating(61) + [round(0.9 + 0.01 * i, 2) for i in range(1, 21)] + [1.1] * 20),
                 at="87m"),
    ),
    runbook=Runbook(
        impact="None yet; if the trend continues the latency crosses the control limit (R1) and the SLO.",
        steps=SPC_STEPS + (Step("Direction of the last 5 steps (+5 rising, -5 falling)", STEP_RUN),),
        causes=SPC_CAUSES + (Cause("Growing load on a self-hosted model", "Request rate rises along with latency",
                                   "Add capacity before the limit is reached", likelihood="high"),),
        quick_fix="Watch the next points; act when the trend reaches the upper control limit.",
        long_term_fix="Find what grows (load, context length, cache size) and cap or scale it.",
        prevention="Capacity-plan the self-hosted models from the request-rate forecast.",
        related=("LLMscopeLatencyBeyondThreeSigma", "LLMscopeLatencySustainedShift"),
    ),
    no_scenario="a trend needs latency rising over 6 consecutive 5-minute points; simulator effects are step "
                "changes, so promtool's crafted ramps exercise this rule instead",
)

LLMSCOPE_METRICS_DOWN = AlertRule(
    name="LLMscopeMetricsNotReported",
    expr='up{job="llmscope"} == 0 or absent(up{job="llmscope"})',
    for_="2m", severity="warning", category="observability",
    summary="Prometheus gets no LLMscope metrics",
    description="The llmscope scrape target is down or missing for 2 minutes; the latency control charts and "
                "their rules R1-R3 are blind.",
    tests=(
        TestCase("fires when the target is down",
                 series={'up{job="llmscope",instance="llmscope-sim:9103"}': "1 1 0 0 0 0 0"},
                 at="6m", alerts=({"job": "llmscope", "instance": "llmscope-sim:9103"},)),
        TestCase("stays quiet while the target is up",
                 series={'up{job="llmscope",instance="llmscope-sim:9103"}': "1x6"}, at="6m"),
    ),
    runbook=Runbook(
        impact="Latency shifts and spikes go unnoticed until users complain.",
        steps=(target_health("llmscope"), FIRING_ALERTS),
        causes=(Cause("LLMscope exporter down", "`up` is 0", "Restart LLMscope", likelihood="high"),),
        quick_fix="Restart the LLMscope exporter.",
        long_term_fix="Run it under a supervisor with a health check.",
        prevention="Keep the scrape config generated from the stack model.",
        related=("LLMscopeLatencyBeyondThreeSigma",),
    ),
    scenario=Scenario(fault="metrics_down", target="llmscope-sim", expect_labels={"job": "llmscope"},
                      metrics_down=True),
)

GROUP = RuleGroup("llmscope", component="llmscope", rules=(
    LATENCY_POINT, CENTRE, SPREAD, UPPER, LOWER, DEVIATION, SIDE_OF_MEAN, SIDE_SUM, DIRECTION, DIRECTION_SUM,
    R1, R2, R3, LLMSCOPE_METRICS_DOWN,
))
