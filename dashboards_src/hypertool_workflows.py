"""Hypertool workflows: quality-gate outcomes and stage latency per workflow and stage."""
from obsgate.dashboards import (counter_panel, dashboard, quantile, quantiles, rate, recorded, thresholds,
                                timeseries, variable)

from catalog.hypertool import QUALITY_GATE, STAGE_DURATION
from rules_src.hypertool import FAIL_RATIO

STAGE = {"workflow": "$workflow", "stage": "$stage"}

FAIL_RATIO_PANEL = timeseries(
    "Quality gate failure ratio", recorded(FAIL_RATIO, unit="percentunit", match=STAGE,
                                           legend="{{workflow}}/{{stage}}"),
    description="Share of quality-gate checks that failed over 5 minutes, per workflow and stage (recording rule "
                "workflow_stage:hypertool_quality_gate_fail_ratio:rate5m). Above the dashed 20% line "
                "HighQualityGateFailureRate fires.",
    steps=thresholds((0.2, "red")), min=0, w=12,
)
RESULTS = counter_panel(
    QUALITY_GATE, title="Quality gate results", by=("result",), match=STAGE, stacked=True, w=12,
    description="Quality-gate evaluations per second by outcome (pass or fail), for the selected workflows and "
                "stages.",
)
FAILS_BY_MODEL = timeseries(
    "Quality gate failures by model",
    rate(QUALITY_GATE, by=("model",), match={**STAGE, "result": "fail"}),
    description="Failed quality gates per second by model; failures concentrated on one model point at a model "
                "regression.",
    w=12,
)
STAGE_P95 = timeseries(
    "Stage latency p95 by workflow and stage",
    quantile(STAGE_DURATION, 0.95, by=("workflow", "stage"), match=STAGE),
    description="95th percentile wall time of each workflow stage. Above the dashed 300 s line for 10 minutes "
                "SlowWorkflowStage fires.",
    steps=thresholds((300, "red")), min=0, w=12,
)
STAGE_QUANTILES = timeseries(
    "Stage latency p50/p95/p99", *quantiles(STAGE_DURATION, match=STAGE),
    description="Median, 95th and 99th percentile stage wall time across the selected workflows and stages.",
    min=0, w=12,
)
STAGE_THROUGHPUT = counter_panel(
    STAGE_DURATION, title="Stages completed", by=("workflow", "stage"), match=STAGE, w=12,
    description="Workflow stages completed per second (the histogram's observation count).",
)

BOARD = dashboard(
    "hypertool-workflows", "Hypertool Workflows: Quality Gates and Stage Latency",
    [FAIL_RATIO_PANEL, RESULTS, FAILS_BY_MODEL, STAGE_P95, STAGE_QUANTILES, STAGE_THROUGHPUT],
    description="Quality-gate outcomes and stage latency of Hypertool workflows, per workflow and stage.",
    tags=("hypertool", "quality", "obsgate"),
    variables=(variable(QUALITY_GATE, "workflow"), variable(QUALITY_GATE, "stage")),
)
