"""LLM gateway with a simulator backend: Ollama- and OpenAI-compatible, with its own RED metrics.

    python -m obsgate.sim.gateway --port 8089 [--upstream URL] [--root DIR] [--host 0.0.0.0]
        [--self-traffic RPS] [--service llm-gateway] [--loki URL]

Upstream: a real Ollama when `--upstream` or env OBSGATE_LLM_UPSTREAM is set (provider="ollama");
otherwise the built-in deterministic generator (provider="simulator"), whose latency and errors are
set over HTTP. Metrics are the catalog's `llm_gateway` job; the `model` label is the requested model
normalised to the catalog's spelling (`llama3.1:8b` -> `llama3.1-8b`, `tinyllama:latest` ->
`tinyllama`); a model the catalog does not declare is refused with 404 and not counted, so the
label's cardinality stays as declared.

With `--loki` (or env OBSGATE_LOKI_URL) every request becomes one line of the catalog's `llm_gateway`
log stream, and active faults push their log effects.

Endpoints: POST /api/generate, POST /api/chat, GET /api/tags, GET /api/version (Ollama; `stream`
defaults to true as in Ollama, NDJSON), POST /v1/chat/completions, GET /v1/models (OpenAI; SSE when
`stream` is true), GET /healthz, GET /metrics, GET|PUT|DELETE /control, and the simulator fault
endpoints GET /faults, PUT|DELETE /faults/<name>, DELETE /faults.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

from ..model import Metric, MetricType
from ..project import Project
from .clock import Ticker
from .common import add_root_arg, add_server_args, load_project
from .engine import Engine, combinations, matches
from .exposition import EngineCollector, exposition
from .faultapi import handle_faults
from .faults import Fault, FaultError, faults_for
from .logs import EventLog, Pusher
from .httpd import BadRequest, Request, Response, bind_host, error, json_response, serve
from .telemetry import CONTENT_TYPE, default_seed
from .textgen import Completion, chat_prompt, chunks, complete

JOB = "llm_gateway"
SERVICE = "llm-gateway"
# The catalog metrics the gateway records from real traffic, with the labels it sets on them.
NATIVE = {
    "requests": ("llm_gateway_requests_total", ("provider", "model", "endpoint", "status")),
    "duration": ("llm_gateway_request_duration_seconds", ("provider", "model")),
    "prompt": ("llm_gateway_prompt_tokens_total", ("provider", "model")),
    "completion": ("llm_gateway_completion_tokens_total", ("provider", "model")),
    "errors": ("llm_gateway_errors_total", ("provider", "model", "error_type")),
}
ENDPOINTS = {"/api/generate": "generate", "/api/chat": "chat", "/v1/chat/completions": "openai_chat"}
ERROR_STATUS = {"timeout": 504, "upstream_5xx": 502, "upstream_unreachable": 502, "bad_request": 400,
                "injected": 500}
# Faults every gateway offers, beyond the scenarios that target it: they change how requests are served.
BEHAVIOURS = {
    "upstream_down": {"error_rate": 1.0, "error_type": "upstream_unreachable"},
    "upstream_errors": {"error_rate": 1.0, "error_type": "upstream_5xx"},
    "slow_upstream": {"latency_seconds": 2.0},
    "injected_errors": {"error_rate": 0.5, "error_type": "injected"},
}
CREATED = "2025-01-01T00:00:00Z"


class GatewayError(Exception):
    """A request that failed for a reason the errors counter names."""

    def __init__(self, error_type: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.status = status or ERROR_STATUS.get(error_type, 500)


@dataclass(frozen=True)
class Control:
    """How the gateway misbehaves on purpose; applies to every backend, before the upstream call."""

    latency_seconds: float = 0.0
    per_token_seconds: float = 0.001  # simulator only: generation time per completion token
    error_rate: float = 0.0
    error_type: str = "injected"

    def updated(self, doc: object, error_types: tuple[str, ...]) -> "Control":
        if not isinstance(doc, dict):
            raise BadRequest("control must be a JSON object")
        unknown = set(doc) - set(asdict(self))
        if unknown:
            raise BadRequest(f"unknown control keys: {', '.join(sorted(unknown))} (known: {', '.join(asdict(self))})")
        out = self
        for key in ("latency_seconds", "per_token_seconds", "error_rate"):
            if key in doc:
                val = doc[key]
                if isinstance(val, bool) or not isinstance(val, (int, float)) or val < 0 or math.isnan(val):
                    raise BadRequest(f"`{key}` must be a number >= 0, got {val!r}")
                if key == "error_rate" and val > 1:
                    raise BadRequest(f"`error_rate` is a fraction of requests, 0..1, got {val!r}")
                out = replace(out, **{key: float(val)})
        if "error_type" in doc:
            if doc["error_type"] not in error_types:
                raise BadRequest(f"`error_type` {doc['error_type']!r} is not declared; use one of {', '.join(error_types)}")
            out = replace(out, error_type=doc["error_type"])
        return out


def normalise_model(name: str) -> str:
    """Ollama's `family:tag` spelled the way the catalog's model label spells it."""
    name = name.strip()
    if name.endswith(":latest"):
        name = name[: -len(":latest")]
    return name.replace(":", "-")


def should_fail(seq: int, rate: float) -> bool:
    """Exactly `rate` of requests fail, spread evenly and reproducibly (no randomness)."""
    return rate > 0 and math.floor(seq * rate) != math.floor((seq - 1) * rate)


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


# backends -------------------------------------------------------------------------------------------

class SimulatorBackend:
    provider = "simulator"

    def __init__(self, models: tuple[str, ...]) -> None:
        self.models = models

    def run(self, endpoint: str, model: str, body: dict, control: Control) -> tuple[Completion, dict | None]:
        options = body.get("options") or {}
        limit = body.get("max_tokens") if endpoint == "openai_chat" else options.get("num_predict")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise GatewayError("bad_request", f"token limit must be an integer, got {limit!r}")
        if endpoint == "generate":
            prompt = body.get("prompt")
            if not isinstance(prompt, str):
                raise GatewayError("bad_request", "`prompt` must be a string")
            text = (str(body.get("system", "")) + "\n" + prompt) if body.get("system") else prompt
        else:
            messages = body.get("messages")
            if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
                raise GatewayError("bad_request", "`messages` must be a list of {role, content} objects")
            text = chat_prompt(messages)
        result = complete(model, text, limit)
        time.sleep(result.completion_tokens * control.per_token_seconds)
        return result, None

    def tags(self) -> dict:
        return {"models": [{
            "name": m, "model": m, "modified_at": CREATED, "size": 1000000 + len(m),
            "digest": hashlib.sha256(m.encode()).hexdigest(),
            "details": {"format": "gguf", "family": "simulator", "parameter_size": "0B", "quantization_level": "none"},
        } for m in self.models]}


class OllamaBackend:
    provider = "ollama"
    PATHS = {"generate": "/api/generate", "chat": "/api/chat", "openai_chat": "/v1/chat/completions"}

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, path: str, body: dict | None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            kind = "upstream_5xx" if exc.code >= 500 else "bad_request"
            raise GatewayError(kind, f"upstream {path} answered {exc.code}: {detail}",
                               502 if exc.code >= 500 else exc.code) from None
        except (TimeoutError, socket.timeout):
            raise GatewayError("timeout", f"upstream {path} did not answer within {self.timeout}s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise GatewayError("timeout", f"upstream {path} did not answer within {self.timeout}s") from None
            raise GatewayError("upstream_unreachable", f"upstream {self.url} unreachable: {exc.reason}") from None
        except (ConnectionError, OSError) as exc:
            raise GatewayError("upstream_unreachable", f"upstream {self.url} unreachable: {exc}") from None
        except ValueError as exc:
            raise GatewayError("upstream_5xx", f"upstream {path} answered non-JSON: {exc}") from None

    def run(self, endpoint: str, model: str, body: dict, control: Control) -> tuple[Completion, dict | None]:
        raw = self._call(self.PATHS[endpoint], {**body, "stream": False})
        if endpoint == "openai_chat":
            usage = raw.get("usage") or {}
            choices = raw.get("choices") or [{}]
            text = ((choices[0].get("message") or {}).get("content")) or ""
            return Completion(text, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)),
                              choices[0].get("finish_reason") or "stop"), raw
        text = raw.get("response", "") if endpoint == "generate" else (raw.get("message") or {}).get("content", "")
        return Completion(text, int(raw.get("prompt_eval_count", 0)), int(raw.get("eval_count", 0)),
                          raw.get("done_reason") or "stop"), raw

    def tags(self) -> dict:
        return self._call("/api/tags", None)


# metrics --------------------------------------------------------------------------------------------

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


class Overlay:
    """Applies active scenario effects to the natively recorded metrics, as extra synthetic traffic."""

    def __init__(self, engine: Engine, metrics: GatewayMetrics) -> None:
        self.engine = engine
        self.metrics = metrics
        self.by_name = {m.name: role for role, m in metrics.decl.items()}
        self._pending: dict[tuple, float] = {}

    def step(self, dt: float) -> None:
        for fault in (self.engine.faults[n] for n in self.engine.active):
            for e in fault.effects:
                role = self.by_name.get(e.metric)
                if role is None or e.rate is None and e.observe is None:
                    continue
                m = self.metrics.decl[role]
                wanted = dict(e.labels)
                wanted.setdefault("provider", self.metrics.provider)
                hit = [labels for labels, _ in combinations(m) if matches(labels, wanted)]
                rate = (e.rate if e.rate is not None else 1.0) / max(len(hit), 1)
                for labels in hit:
                    values = dict(labels)
                    child = self.metrics.obj[role].labels(*(values[k] for k in NATIVE[role][1]))
                    if m.type is MetricType.HISTOGRAM:
                        key = (fault.name, m.name, labels)
                        due = self._pending.get(key, 0.0) + rate * dt
                        for _ in range(int(due)):
                            child.observe(e.observe if e.observe is not None else m.baseline)
                        self._pending[key] = due - int(due)
                    else:
                        child.inc(rate * dt)


# the app --------------------------------------------------------------------------------------------

class GatewayApp:
    def __init__(self, project: Project, upstream: str = "", timeout: float = 120.0, seed: int = 0,
                 service: str = SERVICE) -> None:
        disable_created_metrics()
        self.backend = OllamaBackend(upstream, timeout) if upstream else SimulatorBackend(())
        self.provider = self.backend.provider
        self.registry = CollectorRegistry(auto_describe=False)
        decl = native_metrics(project, self.provider)
        self.metrics = GatewayMetrics(decl, self.provider, self.registry)
        if isinstance(self.backend, SimulatorBackend):
            self.backend.models = self.metrics.models
        job_metrics = [m for m in project.metrics if m.job == JOB]
        faults = faults_for(project.alerts, service)
        for name, behaviour in BEHAVIOURS.items():
            if behaviour.get("error_type", self.metrics.error_types[0]) not in self.metrics.error_types:
                continue
            known = faults.get(name)
            faults[name] = known or Fault(name, source="obsgate/sim/gateway.py (built-in)")
        self.engine = Engine(job_metrics, dict(sorted(faults.items())), seed=seed, job=JOB)
        native_names = {m.name for m in decl.values()}
        self.simulated = tuple(m.name for m in job_metrics if m.name not in native_names)
        self.registry.register(EngineCollector(self.engine, only=self.simulated))
        self.overlay = Overlay(self.engine, self.metrics)
        self.control = Control(error_type="injected" if "injected" in self.metrics.error_types
                               else self.metrics.error_types[0])
        self.upstream = upstream
        self.events = EventLog(next((s for s in project.log_streams if s.job == JOB), None))
        self.pusher: Pusher | None = None
        self._lock = threading.Lock()
        self._seq = 0

    def step(self, dt: float) -> None:
        self.engine.advance(dt)
        self.overlay.step(dt)

    def effective_control(self) -> Control:
        ctl = self.control
        for name in self.engine.active:
            behaviour = BEHAVIOURS.get(name)
            if behaviour:
                ctl = replace(ctl, latency_seconds=ctl.latency_seconds + behaviour.get("latency_seconds", 0.0),
                              error_rate=max(ctl.error_rate, behaviour.get("error_rate", 0.0)),
                              error_type=behaviour.get("error_type", ctl.error_type))
        return ctl

    # routing

    def handle(self, req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        if path in ENDPOINTS and req.method == "POST":
            return self.llm(ENDPOINTS[path], req.json())
        if req.method in ("GET", "HEAD"):
            if path == "/metrics":
                if self.engine.metrics_down:
                    return Response(503, b"metrics unavailable: a metrics_down fault is active\n", "text/plain")
                return Response(200, exposition(self.registry), CONTENT_TYPE)
            if path == "/healthz":
                return json_response({"status": "ok", "provider": self.provider, "upstream": self.upstream or None,
                                      "control": asdict(self.control), "effective": asdict(self.effective_control()),
                                      "active": list(self.engine.active), "simulated_metrics": list(self.simulated),
                                      "logs": self.pusher.stats() if self.pusher else None})
            if path == "/api/tags":
                try:
                    return json_response(self.backend.tags())
                except GatewayError as exc:
                    return error(exc.status, str(exc))
            if path == "/api/version":
                return json_response({"version": "0.0.0-obsgate-gateway"})
            if path == "/v1/models":
                return json_response({"object": "list", "data": [
                    {"id": m, "object": "model", "created": 1735689600, "owned_by": self.provider}
                    for m in self.metrics.models]})
        if path == "/control":
            if req.method == "GET":
                return json_response(asdict(self.control))
            if req.method in ("PUT", "POST"):
                with self._lock:
                    self.control = self.control.updated(req.json(), self.metrics.error_types)
                return json_response(asdict(self.control))
            if req.method == "DELETE":
                with self._lock:
                    self.control = replace(Control(), error_type=self.control.error_type)
                return json_response(asdict(self.control))
        resp = handle_faults(self.engine, req)
        if resp is not None:
            return resp
        return error(404, f"no route for {req.method} {req.path}")

    # serving a completion

    def llm(self, endpoint: str, body: object) -> Response:
        if not isinstance(body, dict):
            raise BadRequest("request body must be a JSON object")
        requested = body.get("model")
        if not isinstance(requested, str) or not requested:
            return self._error_body(endpoint, 400, "`model` is required", "invalid_request_error")
        model = normalise_model(requested)
        if model not in self.metrics.models:
            return self._error_body(endpoint, 404, f"model '{requested}' not found; declared models: "
                                    f"{', '.join(self.metrics.models)}", "model_not_found")
        stream = bool(body.get("stream", endpoint != "openai_chat"))
        with self._lock:
            self._seq += 1
            seq = self._seq
        ctl = self.effective_control()
        start = time.monotonic()
        try:
            if ctl.latency_seconds:
                time.sleep(ctl.latency_seconds)
            if should_fail(seq, ctl.error_rate):
                raise GatewayError(ctl.error_type, f"{ctl.error_type} error injected by the gateway control")
            result, raw = self.backend.run(endpoint, model, body, ctl)
        except GatewayError as exc:
            seconds = time.monotonic() - start
            self.metrics.record(model, endpoint, seconds, None, exc.error_type)
            self._log("error", endpoint, model, seconds, exc.error_type, str(exc))
            return self._error_body(endpoint, exc.status, str(exc), exc.error_type)
        seconds = time.monotonic() - start
        self.metrics.record(model, endpoint, seconds, result)
        self._log("info", endpoint, model, seconds, "", f"{result.prompt_tokens}+{result.completion_tokens} tokens")
        return self._reply(endpoint, requested, result, raw, seconds, stream)

    def _log(self, severity: str, endpoint: str, model: str, seconds: float, error_type: str, msg: str) -> None:
        self.events.record(severity, {
            "event": "request_failed" if error_type else "request_completed", "error_type": error_type,
            "provider": self.provider, "model": model, "status": "error" if error_type else "ok",
            "endpoint": endpoint, "duration_seconds": round(seconds, 4), "msg": msg})

    def _error_body(self, endpoint: str, status: int, message: str, kind: str) -> Response:
        if endpoint == "openai_chat":
            return json_response({"error": {"message": message, "type": kind, "code": status}}, status)
        return json_response({"error": message}, status)

    def _reply(self, endpoint: str, model: str, result: Completion, raw: dict | None, seconds: float,
               stream: bool) -> Response:
        if raw is not None and not stream:
            return json_response(raw)
        if endpoint == "openai_chat":
            return self._openai(model, result, stream)
        ns = int(seconds * 1e9)
        final = {"model": model, "created_at": now_rfc3339(), "done": True, "done_reason": result.done_reason,
                 "total_duration": ns, "load_duration": 0, "prompt_eval_count": result.prompt_tokens,
                 "prompt_eval_duration": ns // 10, "eval_count": result.completion_tokens,
                 "eval_duration": ns - ns // 10}
        if endpoint == "generate":
            piece = lambda text: {"response": text}  # noqa: E731
        else:
            piece = lambda text: {"message": {"role": "assistant", "content": text}}  # noqa: E731
        if not stream:
            return json_response({**final, **piece(result.text)})

        def lines() -> Iterator[bytes]:
            for part in chunks(result.text):
                yield (json.dumps({"model": model, "created_at": now_rfc3339(), **piece(part), "done": False})
                       + "\n").encode()
            yield (json.dumps({**final, **piece("")}) + "\n").encode()

        return Response(200, lines(), "application/x-ndjson")

    def _openai(self, model: str, result: Completion, stream: bool) -> Response:
        ident = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        usage = {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
                 "total_tokens": result.prompt_tokens + result.completion_tokens}
        if not stream:
            return json_response({"id": ident, "object": "chat.completion", "created": created, "model": model,
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text},
                                               "finish_reason": result.done_reason}],
                                  "usage": usage})

        def events() -> Iterator[bytes]:
            base = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model}
            for i, part in enumerate(chunks(result.text)):
                delta = {"role": "assistant", "content": part} if i == 0 else {"content": part}
                yield f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': delta, 'finish_reason': None}]})}\n\n".encode()
            last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": result.done_reason}], "usage": usage}
            yield f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode()

        return Response(200, events(), "text/event-stream")


class SelfTraffic:
    """Sends `rps` generate requests per second through the gateway itself, so dashboards move."""

    PROMPTS = ("Summarise today's scanner alerts.", "Review the retrieval stage output.",
               "Plan the next workflow stage.", "Explain the latency budget.")

    def __init__(self, app: GatewayApp, rps: float) -> None:
        self.app = app
        self.interval = 1.0 / rps
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="self-traffic", daemon=True)

    def start(self) -> "SelfTraffic":
        self._thread.start()
        return self

    def _run(self) -> None:
        i = 0
        models = self.app.metrics.models
        while not self._stop.wait(self.interval):
            body = {"model": models[i % len(models)], "prompt": self.PROMPTS[i % len(self.PROMPTS)], "stream": False}
            self.app.llm("generate", body)
            i += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.gateway", description=__doc__.split("\n")[0])
    add_server_args(p, port=8089)
    add_root_arg(p)
    p.add_argument("--upstream", default=os.environ.get("OBSGATE_LLM_UPSTREAM", ""),
                   help="Ollama base URL (default: env OBSGATE_LLM_UPSTREAM; unset = simulator backend)")
    p.add_argument("--upstream-timeout", type=float, default=120.0, help="seconds to wait for the upstream")
    p.add_argument("--service", default=SERVICE, help="stack service name the scenarios target")
    p.add_argument("--self-traffic", type=float,
                   default=float(os.environ.get("OBSGATE_GATEWAY_SELF_TRAFFIC") or 0),
                   help="requests per second the gateway sends itself (default 0: only real traffic)")
    p.add_argument("--loki", default=os.environ.get("OBSGATE_LOKI_URL") or None,
                   help="Loki base URL to push one log line per request to (default: env OBSGATE_LOKI_URL; off)")
    p.add_argument("--loki-tenant", default=os.environ.get("OBSGATE_LOKI_TENANT", ""))
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--tick", type=float, default=0.5)
    args = p.parse_args(argv)
    project = load_project(args.root, "gateway")
    try:
        app = GatewayApp(project, args.upstream, args.upstream_timeout,
                         default_seed(JOB) if args.seed is None else args.seed, args.service)
    except FaultError as exc:
        print(f"gateway: error: {exc}", file=sys.stderr)
        return 2
    ticker = Ticker(app.step, args.tick, name="gateway-ticker").start()
    traffic = SelfTraffic(app, args.self_traffic).start() if args.self_traffic > 0 else None
    if args.loki:
        app.pusher = Pusher(app.events, lambda: app.engine.log_effects, args.loki, args.loki_tenant).start()

    def stop() -> None:
        ticker.stop()
        if traffic:
            traffic.stop()
        if app.pusher:
            app.pusher.stop()

    name = f"gateway[{app.provider}{' ' + args.upstream if args.upstream else ''}]"
    return serve(app, bind_host(args.host), args.port, name, on_stop=stop, quiet=not args.verbose)


if __name__ == "__main__":
    sys.exit(main())
