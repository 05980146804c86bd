"""Hypertool persona/workflow orchestration: token budgets, quality gates, persona switching."""
from obsgate import Metric

PERSONAS = ["architect", "implementer", "reviewer", "tester"]
CHATMODES = ["ask", "edit", "agent"]
MODELS = ["llama3.1-8b", "qwen2.5-coder-7b"]
WORKFLOWS = ["feature", "bugfix", "review"]
STAGES = ["plan", "implement", "test", "review"]

TOKENS_USED = Metric(
    "hypertool_persona_tokens_used_total", "counter",
    help="LLM tokens consumed by a persona.",
    job="hypertool", labels={"persona": PERSONAS, "chatmode": CHATMODES, "model": MODELS}, baseline=40.0,
)
TOKEN_BUDGET_REMAINING = Metric(
    "hypertool_persona_token_budget_remaining", "gauge",
    help="Tokens left in the persona's budget for the current period; negative once overrun.",
    job="hypertool", labels={"persona": PERSONAS}, baseline=500000.0,
)
QUALITY_GATE = Metric(
    "hypertool_workflow_quality_gate_total", "counter",
    help="Quality-gate evaluations at the end of a workflow stage, by outcome.",
    job="hypertool",
    labels={"workflow": WORKFLOWS, "stage": STAGES, "result": ["pass", "fail"], "model": MODELS}, baseline=0.2,
)
PERSONA_SWITCHES = Metric(
    "hypertool_persona_switches_total", "counter",
    help="Switches from one persona to another within a session.",
    job="hypertool", labels={"from_persona": PERSONAS, "to_persona": PERSONAS, "chatmode": CHATMODES},
    baseline=0.01,
)
STAGE_DURATION = Metric(
    "hypertool_workflow_stage_duration_seconds", "histogram", unit="seconds",
    help="Wall time of one workflow stage.",
    job="hypertool", labels={"workflow": WORKFLOWS, "stage": STAGES},
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200), baseline=40.0,
)
LANGFUSE_TRACES = Metric(
    "langfuse_trace_created_total", "counter",
    help="Traces Hypertool created in Langfuse; flat while tokens are used means the integration is broken.",
    job="hypertool", baseline=0.5,
)
