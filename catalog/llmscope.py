"""LLMscope: request latency per provider/model, the input of the latency control charts (SPC)."""
from obsgate import Metric

PROVIDERS = ["openai", "anthropic", "ollama"]
MODELS = ["gpt-4o-mini", "claude-3-5-haiku", "llama3.1-8b"]

REQUEST_DURATION = Metric(
    "llmscope_request_duration_seconds", "histogram", unit="seconds",
    help="Time from request to last token of one LLM call, as measured by LLMscope.",
    job="llmscope", labels={"provider": PROVIDERS, "model": MODELS},
    buckets=(0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30), baseline=1.2,
)
REQUESTS = Metric(
    "llmscope_requests_total", "counter",
    help="LLM calls LLMscope measured, by outcome; errors are not part of the latency chart.",
    job="llmscope", labels={"provider": PROVIDERS, "model": MODELS, "status": ["ok", "error"]}, baseline=1.0,
)
