"""The agent's service-level objectives: 99.9% availability and 99% of requests under 2 s, over 30 days.

Each SLO declaration generates its SLI, burn-rate and budget recording rules, the page and ticket
multiwindow burn-rate alerts with their tests, and an SLO dashboard (obsgate.model.slo).
"""
from obsgate import SLO, Cause, Runbook, Sample, Step, TestCase

from rules_src.agent import SERVER_ERRORS, SLOW_RESPONSES
from rules_src.common_steps import FIRING_ALERTS, histogram_p95, service_errors

SLO_CAUSES = (
    Cause("A backend of the agent fails (Ollama, LanceDB)", "OllamaDown or the LanceDB alerts fire",
          "Follow that alert's runbook"),
    Cause("A bad deploy", "The burn started at a deploy time", "Roll back"),
    Cause("Load beyond capacity", "Request rate at a peak, rate-limit rejections rising", "Scale out or shed load"),
)

AVAILABILITY = SLO(
    name="agent-availability", service="agent", component="api", objective=99.9, period="30d",
    description="99.9% of the agent's HTTP requests succeed (no 5xx) over 30 days.",
    errors="sum(rate(http_request_errors_total[$window]))",
    total="sum(rate(http_requests_total[$window]))",
    sli_tests=(TestCase(
        "1 server error per 1000 requests is an error ratio of 0.001",
        series={'http_requests_total{endpoint="chat",method="POST"}': "0+6000x10",
                'http_request_errors_total{endpoint="chat",status="503"}': "0+6x10"},
        at="10m",
        promql={'round(slo:sli_error:ratio_rate5m{slo="agent-availability"} * 100000)':
                (Sample('{slo="agent-availability"}', 100),)},
    ),),
    runbook=Runbook(
        impact="Users get failed answers; the SLO's error budget for the month shrinks.",
        steps=(Step("Errors by endpoint and status", "sum by (endpoint, status) (rate(http_request_errors_total[5m]))"),
               service_errors("agent"), FIRING_ALERTS),
        causes=SLO_CAUSES,
        quick_fix="Stop the bleeding: roll back or fail over the failing backend.",
        long_term_fix="Fix the cause; if the budget is more than 50% spent, freeze risky changes (budget policy).",
        prevention="Gate deploys on the burn rate; review the budget weekly.",
        related=("HighErrorRate",),
    ),
    scenario=SERVER_ERRORS,
)

LATENCY = SLO(
    name="agent-latency", service="agent", component="api", objective=99.0, period="30d",
    description="99% of the agent's HTTP requests are answered within 2 s over 30 days.",
    # Slow requests: all minus those in the <= 2 s bucket (Prometheus 3 stores `le` as a float, "2.0").
    errors='sum(rate(http_request_duration_seconds_count[$window]))'
           ' - sum(rate(http_request_duration_seconds_bucket{le="2.0"}[$window]))',
    total="sum(rate(http_request_duration_seconds_count[$window]))",
    sli_tests=(TestCase(
        "3 requests over 2 s out of 100 is an error ratio of 0.03",
        series={'http_request_duration_seconds_bucket{endpoint="chat",le="2.0"}': "0+97x10",
                'http_request_duration_seconds_count{endpoint="chat"}': "0+100x10"},
        at="10m",
        promql={'round(slo:sli_error:ratio_rate5m{slo="agent-latency"} * 1000)': (Sample('{slo="agent-latency"}', 30),)},
    ),),
    runbook=Runbook(
        impact="Answers are slow for more users than the objective allows; chat clients may time out.",
        steps=(histogram_p95("http_request_duration_seconds", by=("endpoint",)),
               histogram_p95("rag_retrieval_duration_seconds"), FIRING_ALERTS),
        causes=SLO_CAUSES,
        quick_fix="Shed load or switch to a faster model.",
        long_term_fix="Find where the time goes (retrieval vs generation) and scale it.",
        prevention="Load-test model and retrieval changes against the 2 s threshold.",
        related=("HighLatencyP95",),
    ),
    scenario=SLOW_RESPONSES,
)
