"""The LLM gateway (obsgate.sim.gateway): Ollama/OpenAI-compatible front with its own RED metrics."""
from obsgate import Metric

PROVIDERS = ["ollama", "simulator"]
MODELS = ["llama3.1-8b", "qwen2.5-coder-7b", "tinyllama"]

REQUESTS = Metric(
    "llm_gateway_requests_total", "counter", help="Requests served, by outcome.", job="llm_gateway",
    labels={"provider": PROVIDERS, "model": MODELS, "endpoint": ["generate", "chat", "openai_chat"],
            "status": ["ok", "error"]}, baseline=2.0,
)
REQUEST_DURATION = Metric(
    "llm_gateway_request_duration_seconds", "histogram", unit="seconds",
    help="Time from request to last token.", job="llm_gateway",
    labels={"provider": PROVIDERS, "model": MODELS}, buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60), baseline=0.8,
)
PROMPT_TOKENS = Metric(
    "llm_gateway_prompt_tokens_total", "counter", help="Prompt tokens sent upstream.", job="llm_gateway",
    labels={"provider": PROVIDERS, "model": MODELS}, baseline=60.0,
)
COMPLETION_TOKENS = Metric(
    "llm_gateway_completion_tokens_total", "counter", help="Completion tokens returned.", job="llm_gateway",
    labels={"provider": PROVIDERS, "model": MODELS}, baseline=120.0,
)
ERRORS = Metric(
    "llm_gateway_errors_total", "counter", help="Failed requests by error type.", job="llm_gateway",
    labels={"provider": PROVIDERS, "model": MODELS,
            "error_type": ["timeout", "upstream_5xx", "upstream_unreachable", "bad_request", "injected"]},
    baseline=0.0,
)
