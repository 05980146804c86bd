"""The catalog's `llm_gateway` metrics the gateway records from real traffic, as prometheus_client objects."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from ...model import Metric, MetricType
from ...project import Project
from ..faults import FaultError
from ..textgen import Completion

JOB = "llm_gateway"
# The catalog metrics the gateway records from real traffic, with the labels it sets on them.
NATIVE = {
    "requests": ("llm_gateway_requests_total", ("provider", "model", "endpoint", "status")),
    "duration": ("llm_gateway_request_duration_seconds", ("provider", "model")),
    "prompt": ("llm_gateway_prompt_tokens_total", ("provider", "model")),
    "completion": ("llm_gateway_completion_tokens_total", ("provider", "model")),
    "errors": ("llm_gateway_errors_total", ("provider", "model", "error_type")),
}


def normalise_model(name: str) -> str:
    """Ollama's `family:tag` spelled the way the catalog's model label spells it."""
    name = name.strip()
    if name.endswith(":latest"):
        name = name[: -len(":latest")]
    return name.replace(":", "-")


def native_metrics(project: Project, provider: str) -> dict[str, Metric]:
    """The catalog metrics behind NATIVE, checked against the labels the gateway sets."""
    problems = []
    found: dict[str, Metric] = {}
    for role, (name, labels) in NATIVE.items():
        m = next((x for x in project.metrics if x.name == name), None)
        if m is None or m.job != JOB:
            problems.append(f"catalog: metric `{name}` of job `{JOB}` is not declared (the gateway records it)")
            continue
        if tuple(sorted(m.label_names)) != tuple(sorted(labels)):
            problems.append(f"{m.source}: `{name}` must have labels {', '.join(labels)} "
                            f"(declared: {', '.join(m.label_names) or 'none'})")
        elif provider not in m.label("provider").values:
            problems.append(f"{m.source}: `{name}` label provider does not declare `{provider}`")
        found[role] = m
    if problems:
        raise FaultError("\n".join(problems))
    return found


class GatewayMetrics:
    """prometheus_client objects built from the catalog declarations, pre-set to 0 for every combination."""

    def __init__(self, metrics: dict[str, Metric], provider: str, registry: CollectorRegistry) -> None:
        self.provider = provider
        self.decl = metrics
        self.models = metrics["requests"].label("model").values
        self.error_types = metrics["errors"].label("error_type").values
        self.obj: dict[str, object] = {}
        for role, m in metrics.items():
            labels = NATIVE[role][1]
            if m.type is MetricType.HISTOGRAM:
                self.obj[role] = Histogram(m.name, m.help, labels, buckets=m.buckets, registry=registry)
            else:
                self.obj[role] = Counter(m.name, m.help, labels, registry=registry)
        for model in self.models:
            for endpoint in metrics["requests"].label("endpoint").values:
                for status in metrics["requests"].label("status").values:
                    self.obj["requests"].labels(provider, model, endpoint, status)
            for role in ("duration", "prompt", "completion"):
                self.obj[role].labels(provider, model)
            for et in self.error_types:
                self.obj["errors"].labels(provider, model, et)

    def record(self, model: str, endpoint: str, seconds: float, result: Completion | None,
               error_type: str = "") -> None:
        p = self.provider
        self.obj["requests"].labels(p, model, endpoint, "error" if error_type else "ok").inc()
        self.obj["duration"].labels(p, model).observe(seconds)
        if error_type:
            self.obj["errors"].labels(p, model, error_type).inc()
        if result is not None:
            self.obj["prompt"].labels(p, model).inc(result.prompt_tokens)
            self.obj["completion"].labels(p, model).inc(result.completion_tokens)
