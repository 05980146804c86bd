"""Hypertool persona/workflow alerts: budgets, quality gates, switching storms, slow stages, tracing."""
from obsgate import AlertRule, Effect, History, RecordingRule, RuleGroup, Scenario, TestCase

from catalog.hypertool import (LANGFUSE_TRACES, PERSONA_SWITCHES, QUALITY_GATE, STAGE_DURATION,
                               TOKEN_BUDGET_REMAINING)
from rules_src import hypertool_runbooks as R

BUDGET = "hypertool_persona_token_budget_remaining"

FAIL_RATIO = RecordingRule(
    "workflow_stage:hypertool_quality_gate_fail_ratio:rate5m",
    'sum by (workflow, stage) (rate(hypertool_workflow_quality_gate_total{result="fail"}[5m]))'
    " / sum by (workflow, stage) (rate(hypertool_workflow_quality_gate_total[5m]))",
)
TOKEN_RATE = RecordingRule(
    "persona:hypertool_tokens_used:rate5m",
    "sum by (persona) (rate(hypertool_persona_tokens_used_total[5m]))",
)

TOKEN_BUDGET_EXCEEDED = AlertRule(
    name="TokenBudgetExceeded",
    expr=f"{BUDGET} < 0",
    for_="1m", severity="critical", category="cost",
    summary="Persona {{ $labels.persona }} has overrun its token budget",
    description="The token budget remaining for persona {{ $labels.persona }} is below zero; further work is "
                "unbudgeted spend.",
    tests=(
        TestCase("fires when a persona's budget goes negative",
                 series={f'{BUDGET}{{persona="architect"}}': "1000 500 0 -100 -200 -300 -400",
                         f'{BUDGET}{{persona="reviewer"}}': "1000x6"},
                 at="6m", alerts=({"persona": "architect"},)),
        TestCase("stays quiet at exactly zero",
                 series={f'{BUDGET}{{persona="architect"}}': "1000 500 0 0 0 0 0"}, at="6m"),
    ),
    runbook=R.TOKEN_BUDGET_EXCEEDED,
    scenario=Scenario(fault="budget_overrun", target="hypertool-sim", expect_labels={"persona": "architect"},
                      effects=(Effect(TOKEN_BUDGET_REMAINING, {"persona": "architect"}, value=-2500),)),
)

TOKEN_BUDGET_DEPLETION_PREDICTED = AlertRule(
    name="TokenBudgetDepletionPredicted",
    expr=f"predict_linear({BUDGET}[30m], 3600) < 0 and {BUDGET} > 0",
    for_="5m", severity="info", category="cost",
    summary="Persona {{ $labels.persona }} will run out of token budget within the hour",
    description="At the rate of the last 30 minutes, persona {{ $labels.persona }}'s token budget reaches zero "
                "within one hour.",
    tests=(
        TestCase("fires when the 30m trend crosses zero within an hour",
                 series={f'{BUDGET}{{persona="tester"}}': "100000-2000x40"},
                 at="40m", alerts=({"persona": "tester"},)),
        TestCase("stays quiet on a slow decline",
                 series={f'{BUDGET}{{persona="tester"}}': "100000-100x40"}, at="40m"),
        TestCase("stays quiet once the budget is already exhausted",
                 series={f'{BUDGET}{{persona="tester"}}': "20000-2000x40"}, at="40m"),
    ),
    runbook=R.TOKEN_BUDGET_DEPLETION_PREDICTED,
    no_scenario="needs 30 minutes of history for predict_linear; the live gate backfills it with "
                "`promtool tsdb create-blocks-from openmetrics` instead of waiting",
    # The budget falls 10 tokens/s and ends at 6000: above zero, yet projected below zero within the
    # hour (6000 - 10*3600 < 0), for the whole 30 minutes.
    history=History(TOKEN_BUDGET_REMAINING, {"persona": "tester"}, end_value=6000.0, slope=-10.0, span="30m"),
)

HIGH_QUALITY_GATE_FAILURE_RATE = AlertRule(
    name="HighQualityGateFailureRate",
    expr="workflow_stage:hypertool_quality_gate_fail_ratio:rate5m > 0.2",
    for_="5m", severity="warning", category="quality",
    summary="More than 20% of {{ $labels.workflow }}/{{ $labels.stage }} quality gates fail",
    description="Over the last 5 minutes more than 20% of quality-gate checks failed for workflow "
                "{{ $labels.workflow }} at stage {{ $labels.stage }}.",
    tests=(
        TestCase("fires at a 30% failure ratio for one stage",
                 series={'hypertool_workflow_quality_gate_total{workflow="feature",stage="test",result="fail",model="llama3.1-8b"}': "0+3x15",
                         'hypertool_workflow_quality_gate_total{workflow="feature",stage="test",result="pass",model="llama3.1-8b"}': "0+7x15"},
                 at="12m", alerts=({"workflow": "feature", "stage": "test"},)),
        TestCase("stays quiet at 10%",
                 series={'hypertool_workflow_quality_gate_total{workflow="feature",stage="test",result="fail",model="llama3.1-8b"}': "0+1x15",
                         'hypertool_workflow_quality_gate_total{workflow="feature",stage="test",result="pass",model="llama3.1-8b"}': "0+9x15"},
                 at="12m"),
    ),
    runbook=R.HIGH_QUALITY_GATE_FAILURE_RATE,
    scenario=Scenario(fault="quality_gate_failing", target="hypertool-sim",
                      expect_labels={"workflow": "feature", "stage": "test"},
                      effects=(Effect(QUALITY_GATE, {"workflow": "feature", "stage": "test", "result": "fail",
                                                     "model": "llama3.1-8b"}, rate=5.0),)),
)

EXCESSIVE_PERSONA_SWITCHING = AlertRule(
    name="ExcessivePersonaSwitching",
    expr="sum(rate(hypertool_persona_switches_total[5m])) > 2",
    for_="5m", severity="warning", category="behaviour",
    summary="Persona switching above 2 per second",
    description="Sessions switch persona more than twice per second over 5 minutes: an orchestration loop "
                "is likely bouncing between personas.",
    tests=(
        TestCase("fires at 3 switches per second",
                 series={'hypertool_persona_switches_total{from_persona="architect",to_persona="reviewer",chatmode="agent"}': "0+180x15"},
                 at="12m", alerts=({},)),
        TestCase("stays quiet at 1 switch per second",
                 series={'hypertool_persona_switches_total{from_persona="architect",to_persona="reviewer",chatmode="agent"}': "0+60x15"},
                 at="12m"),
    ),
    runbook=R.EXCESSIVE_PERSONA_SWITCHING,
    scenario=Scenario(fault="switch_storm", target="hypertool-sim", effects=(
        Effect(PERSONA_SWITCHES, {"from_persona": "architect", "to_persona": "reviewer", "chatmode": "agent"}, rate=6.0),)),
)

SLOW_WORKFLOW_STAGE = AlertRule(
    name="SlowWorkflowStage",
    expr="histogram_quantile(0.95, sum by (workflow, stage, le) "
         "(rate(hypertool_workflow_stage_duration_seconds_bucket[10m]))) > 300",
    for_="10m", severity="warning", category="latency",
    summary="p95 of {{ $labels.workflow }}/{{ $labels.stage }} stage time above 5 minutes",
    description="The 95th percentile duration of stage {{ $labels.stage }} in workflow {{ $labels.workflow }} "
                "has been above 300 s for 10 minutes.",
    tests=(
        TestCase("fires when most stages take 10-20 minutes",
                 series={'hypertool_workflow_stage_duration_seconds_bucket{workflow="review",stage="review",le="300"}': "0x30",
                         'hypertool_workflow_stage_duration_seconds_bucket{workflow="review",stage="review",le="600"}': "0x30",
                         'hypertool_workflow_stage_duration_seconds_bucket{workflow="review",stage="review",le="1200"}': "0+1x30",
                         'hypertool_workflow_stage_duration_seconds_bucket{workflow="review",stage="review",le="+Inf"}': "0+1x30"},
                 at="25m", alerts=({"workflow": "review", "stage": "review"},)),
        TestCase("stays quiet when stages finish within a minute",
                 series={'hypertool_workflow_stage_duration_seconds_bucket{workflow="review",stage="review",le="60"}': "0+1x30",
                         'hypertool_workflow_stage_duration_seconds_bucket{workflow="review",stage="review",le="300"}': "0+1x30",
                         'hypertool_workflow_stage_duration_seconds_bucket{workflow="review",stage="review",le="+Inf"}': "0+1x30"},
                 at="25m"),
    ),
    runbook=R.SLOW_WORKFLOW_STAGE,
    scenario=Scenario(fault="slow_stage", target="hypertool-sim", expect_labels={"workflow": "review", "stage": "review"},
                      effects=(Effect(STAGE_DURATION, {"workflow": "review", "stage": "review"}, rate=2.0,
                                      observe=900.0),)),
)

HYPERTOOL_METRICS_NOT_REPORTED = AlertRule(
    name="HypertoolMetricsNotReported",
    expr='up{job="hypertool"} == 0 or absent(up{job="hypertool"})',
    for_="2m", severity="critical", category="availability",
    summary="Prometheus gets no Hypertool metrics",
    description="The hypertool scrape target is down or missing for 2 minutes; every Hypertool alert is blind.",
    tests=(
        TestCase("fires when the target is down",
                 series={'up{job="hypertool",instance="hypertool-sim:9102"}': "1 1 0 0 0 0 0"},
                 at="6m", alerts=({"job": "hypertool", "instance": "hypertool-sim:9102"},)),
        TestCase("fires when the target is missing",
                 series={'up{job="prometheus",instance="prometheus:9090"}': "1x6"},
                 at="6m", alerts=({"job": "hypertool"},)),
        TestCase("stays quiet while the target is up",
                 series={'up{job="hypertool",instance="hypertool-sim:9102"}': "1x6"}, at="6m"),
    ),
    runbook=R.HYPERTOOL_METRICS_NOT_REPORTED,
    scenario=Scenario(fault="metrics_down", target="hypertool-sim", expect_labels={"job": "hypertool"},
                      metrics_down=True),
)

LANGFUSE_INTEGRATION_FAILING = AlertRule(
    name="LangfuseIntegrationFailing",
    expr="sum(rate(hypertool_persona_tokens_used_total[5m])) > 0"
         " and on() (sum(rate(langfuse_trace_created_total[5m])) or on() vector(0)) == 0",
    for_="10m", severity="warning", category="observability",
    summary="Tokens are used but no Langfuse traces are created",
    description="Hypertool consumed tokens for 10 minutes without creating a single Langfuse trace in any 5-minute window: LLM calls "
                "are untraced.",
    tests=(
        TestCase("fires when traces stop while tokens flow",
                 series={'hypertool_persona_tokens_used_total{persona="architect",chatmode="agent",model="llama3.1-8b"}': "0+100x40",
                         "langfuse_trace_created_total": "0+5x10 50x30"},
                 at="40m", alerts=({},)),
        TestCase("stays quiet while traces flow",
                 series={'hypertool_persona_tokens_used_total{persona="architect",chatmode="agent",model="llama3.1-8b"}': "0+100x40",
                         "langfuse_trace_created_total": "0+5x40"},
                 at="40m"),
        TestCase("stays quiet when nothing is used",
                 series={'hypertool_persona_tokens_used_total{persona="architect",chatmode="agent",model="llama3.1-8b"}': "100x40",
                         "langfuse_trace_created_total": "50x40"},
                 at="40m"),
    ),
    runbook=R.LANGFUSE_INTEGRATION_FAILING,
    scenario=Scenario(fault="langfuse_down", target="hypertool-sim",
                      effects=(Effect(LANGFUSE_TRACES, rate=0.0),)),
)

GROUP = RuleGroup("hypertool", component="hypertool", rules=(
    FAIL_RATIO, TOKEN_RATE, TOKEN_BUDGET_EXCEEDED, TOKEN_BUDGET_DEPLETION_PREDICTED, HIGH_QUALITY_GATE_FAILURE_RATE,
    EXCESSIVE_PERSONA_SWITCHING, SLOW_WORKFLOW_STAGE, HYPERTOOL_METRICS_NOT_REPORTED, LANGFUSE_INTEGRATION_FAILING,
))
