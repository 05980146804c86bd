"""The agent service (RAG over a vector store, Ollama behind it): HTTP RED metrics and rate limiting."""
from obsgate import Metric

ENDPOINTS = ["chat", "search", "ingest"]

# Failed requests have their own counter (not a `status` label on the request counter): the error ratio is
# errors / requests, and a healthy baseline keeps it far below the 0.1% the availability SLO allows.
HTTP_REQUESTS = Metric(
    "http_requests_total", "counter",
    help="HTTP requests the agent answered, whatever the outcome, by endpoint and method.",
    job="agent", labels={"endpoint": ENDPOINTS, "method": ["POST", "GET"]}, baseline=4.0,
)
HTTP_REQUEST_ERRORS = Metric(
    "http_request_errors_total", "counter",
    help="HTTP requests the agent answered with a server error (5xx), by endpoint and status code.",
    job="agent", labels={"endpoint": ENDPOINTS, "status": ["500", "502", "503", "504"]}, baseline=0.001,
)
HTTP_REQUEST_DURATION = Metric(
    "http_request_duration_seconds", "histogram", unit="seconds",
    help="Time the agent took to answer one HTTP request, retrieval and generation included.",
    job="agent", labels={"endpoint": ENDPOINTS},
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30), baseline=0.4,
)

# Rate limiting. Per-client detail would make `client_id` an unbounded label, so it is aggregated away
# into the client's tier here; the limiter's log lines carry the client id for drill-down.
LIMIT_TYPES = ["requests_per_minute", "tokens_per_minute", "concurrent_requests"]
CLIENT_TIERS = ["free", "pro", "enterprise"]

RATE_LIMIT_REQUESTS = Metric(
    "rate_limit_requests_total", "counter",
    help="Requests checked by the rate limiter, by endpoint, limit type and client tier.",
    job="agent", labels={"endpoint": ENDPOINTS, "limit_type": LIMIT_TYPES, "client_tier": CLIENT_TIERS},
    baseline=4.0,
)
RATE_LIMIT_REJECTED = Metric(
    "rate_limit_rejected_total", "counter",
    help="Requests the rate limiter rejected (HTTP 429), by endpoint, limit type and client tier.",
    job="agent", labels={"endpoint": ENDPOINTS, "limit_type": LIMIT_TYPES, "client_tier": CLIENT_TIERS},
    baseline=0.01,
)

OLLAMA_LOADED_MODELS = Metric(
    "ollama_loaded_models", "gauge",
    help="Models Ollama holds in memory, reported by the Ollama exporter (Ollama itself has no /metrics).",
    job="ollama", baseline=1.0,
)
