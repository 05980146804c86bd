"""The gateway application: routes requests, serves completions through a backend, records metrics and logs."""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, replace

from prometheus_client import CollectorRegistry, disable_created_metrics

from ...project import Project
from ..engine import Engine
from ..exposition import EngineCollector, exposition
from ..faultapi import handle_faults
from ..faults import Fault, faults_for
from ..httpd import BadRequest, Request, Response, error, json_response
from ..logs import EventLog, Pusher
from ..telemetry import CONTENT_TYPE
from . import protocols
from .backends import OllamaBackend, SimulatorBackend
from .control import BEHAVIOURS, Control, GatewayError, should_fail
from .metrics import JOB, GatewayMetrics, native_metrics, normalise_model
from .overlay import Overlay

SERVICE = "llm-gateway"


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
            faults[name] = known or Fault(name, source="obsgate/sim/gateway/control.py (built-in)")
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
        if path in protocols.ENDPOINTS and req.method == "POST":
            return self.llm(protocols.ENDPOINTS[path], req.json())
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
            return protocols.error_body(endpoint, 400, "`model` is required", "invalid_request_error")
        model = normalise_model(requested)
        if model not in self.metrics.models:
            return protocols.error_body(endpoint, 404, f"model '{requested}' not found; declared models: "
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
            return protocols.error_body(endpoint, exc.status, str(exc), exc.error_type)
        seconds = time.monotonic() - start
        self.metrics.record(model, endpoint, seconds, result)
        self._log("info", endpoint, model, seconds, "", f"{result.prompt_tokens}+{result.completion_tokens} tokens")
        return protocols.reply(endpoint, requested, result, raw, seconds, stream)

    def _log(self, severity: str, endpoint: str, model: str, seconds: float, error_type: str, msg: str) -> None:
        self.events.record(severity, {
            "event": "request_failed" if error_type else "request_completed", "error_type": error_type,
            "provider": self.provider, "model": model, "status": "error" if error_type else "ok",
            "endpoint": endpoint, "duration_seconds": round(seconds, 4), "msg": msg})
