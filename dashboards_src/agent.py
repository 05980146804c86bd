"""Agent service: RED signals, its Ollama backend and the rate limiter."""
from obsgate.dashboards import (Series, counter_panel, dashboard, quantile, rate, recorded, stat, thresholds,
                                timeseries, value)

from catalog.agent import (HTTP_REQUEST_DURATION, HTTP_REQUEST_ERRORS, HTTP_REQUESTS, OLLAMA_LOADED_MODELS,
                           RATE_LIMIT_REJECTED, RATE_LIMIT_REQUESTS)
from rules_src import agent

REQUEST_RATE = stat(
    "Request rate", rate(HTTP_REQUESTS, by=(), legend="requests/s"),
    description="HTTP requests per second the agent answered, all endpoints.", w=6,
)
ERROR_RATIO = stat(
    "Error ratio (5m)", recorded(agent.ERROR_RATIO, unit="percentunit", legend="5xx share"),
    steps=thresholds((0.001, "orange"), (0.01, "red")), w=6,
    description="Share of requests answered with a 5xx over 5 minutes. Orange from 0.1% (the availability SLO's "
                "budget rate), red from 1% (HighErrorRate).",
)
P95 = stat(
    "Latency p95 (5m)", recorded(agent.P95, unit="s", legend="p95"),
    steps=thresholds((1, "orange"), (2, "red")), w=6,
    description="95th percentile of response time over 5 minutes; above 2 s for 10 minutes is HighLatencyP95.",
)
OLLAMA_UP = stat(
    "Ollama up", Series('min(up{job="ollama"})', legend="ollama", unit="short",
                        help="1 when Prometheus scrapes the Ollama exporter; 0 for 2 minutes pages (OllamaDown)."),
    steps=thresholds((1, "green"), base="red"), graph=False, w=6,
)
BY_ENDPOINT = counter_panel(HTTP_REQUESTS, title="Requests by endpoint", by=("endpoint",), stacked=True,
                            description="Requests per second by endpoint.")
ERRORS_BY_STATUS = counter_panel(HTTP_REQUEST_ERRORS, title="Server errors by endpoint and status",
                                 by=("endpoint", "status"), stacked=True,
                                 description="5xx answers per second by endpoint and status code.")
LATENCY = timeseries(
    "Latency p95 by endpoint", quantile(HTTP_REQUEST_DURATION, 0.95, by=("endpoint",)),
    description="95th percentile response time per endpoint; the dashed line is the 2 s threshold of "
                "HighLatencyP95 and of the latency SLO.",
    steps=thresholds((2, "red")), min=0,
)
ERROR_RATIO_TS = timeseries(
    "Error ratio", recorded(agent.ERROR_RATIO, unit="percentunit", legend="5xx share"),
    description="Share of requests answered with a 5xx (5m); the dashed line is HighErrorRate's 1%.",
    steps=thresholds((0.01, "red")), min=0,
)
LOADED_MODELS = timeseries(
    "Ollama loaded models", value(OLLAMA_LOADED_MODELS, by=(), legend="models in memory"),
    description="Models Ollama holds in memory; each costs host memory (see HostMemoryHigh).", min=0,
)
LIMITED = timeseries(
    "Rate limiter: checked vs rejected",
    rate(RATE_LIMIT_REQUESTS, by=("limit_type",), legend="checked {{limit_type}}"),
    rate(RATE_LIMIT_REJECTED, by=("limit_type",), legend="rejected {{limit_type}}"),
    description="Requests checked by the rate limiter and requests it rejected (429), by limit type.",
    unit="reqps",
)
REJECT_RATIO = timeseries(
    "Rejected share by endpoint and limit", recorded(agent.REJECT_RATIO, unit="percentunit"),
    description="Share of requests rejected per endpoint and limit type over 10 minutes; above 10% for 15 "
                "minutes is RateLimitRejectionsSustained.",
    steps=thresholds((0.1, "red")), min=0,
)
BY_TIER = counter_panel(RATE_LIMIT_REJECTED, title="Rejections by client tier", by=("client_tier",), stacked=True,
                        w=24, description="Rejected requests per second by client tier (client ids are only in the "
                                          "agent's logs, never in labels).")

BOARD = dashboard(
    "agent-overview", "Agent: Requests, Errors, Latency, Rate Limits",
    [REQUEST_RATE, ERROR_RATIO, P95, OLLAMA_UP, BY_ENDPOINT, ERRORS_BY_STATUS, LATENCY, ERROR_RATIO_TS,
     LOADED_MODELS, LIMITED, REJECT_RATIO, BY_TIER],
    description="The agent service (RAG over LanceDB, Ollama behind it): RED signals, Ollama and the rate limiter. "
                "SLO budgets are on the SLO dashboards.",
    tags=("agent", "obsgate"),
)
