"""Telemetry simulator: exports every catalog metric of one job, with faults switchable over HTTP.

    python -m obsgate.sim.telemetry --job llm_guard --port 9101 [--service llm-guard-sim]
        [--root DIR] [--loki http://127.0.0.1:3100] [--host 0.0.0.0] [--seed N] [--tick 0.5]

Endpoints: GET /healthz, GET /metrics (503 while a `metrics_down` fault is active), GET /faults,
PUT /faults/<name>, DELETE /faults/<name>, DELETE /faults. The faults are the scenarios of the
project's alerts whose `target` is this simulator's service name.
"""
from __future__ import annotations

import argparse
import os
import sys
import zlib

from ..project import Project
from .clock import Ticker
from .common import add_root_arg, add_server_args, load_project
from .engine import Engine
from .exposition import exposition, registry_for
from .faultapi import handle_faults
from .faults import FaultError, faults_for
from .httpd import Request, Response, bind_host, error, json_response, serve
from .logs import LogSource, Pusher, vocabulary

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def default_seed(job: str) -> int:
    """Stable across runs and machines (unlike hash()), different per job."""
    return zlib.crc32(job.encode())


def service_for(project: Project, job: str) -> str:
    """The stack service exporting `job` (the name scenarios target); `<job>-sim` when the stack has none."""
    for svc in project.stack.services:
        if svc.job == job:
            return svc.name
    return job.replace("_", "-") + "-sim"


def build_engine(project: Project, job: str, service: str, seed: int) -> Engine:
    metrics = [m for m in project.metrics if m.job == job]
    if not metrics:
        jobs = sorted({m.job for m in project.metrics})
        raise FaultError(f"job `{job}` exports no catalog metric (jobs in the catalog: {', '.join(jobs)})")
    return Engine(metrics, faults_for(project.alerts, service), seed=seed, job=job)


class TelemetryApp:
    def __init__(self, engine: Engine, job: str, service: str, pusher: Pusher | None = None) -> None:
        self.engine = engine
        self.job = job
        self.service = service
        self.pusher = pusher
        self.registry = registry_for(engine)

    def handle(self, req: Request) -> Response:
        if req.path == "/metrics" and req.method in ("GET", "HEAD"):
            if self.engine.metrics_down:
                active = ", ".join(n for n in self.engine.active if self.engine.faults[n].metrics_down)
                return Response(503, f"metrics unavailable: fault {active} is active\n".encode(), "text/plain")
            return Response(200, exposition(self.registry), CONTENT_TYPE)
        if req.path == "/healthz" and req.method in ("GET", "HEAD"):
            return json_response({
                "status": "ok", "job": self.job, "service": self.service,
                "metrics": len(self.engine.metrics), "active": list(self.engine.active),
                "logs": self.pusher.stats() if self.pusher else None,
            })
        resp = handle_faults(self.engine, req)
        if resp is not None:
            return resp
        return error(404, f"no route for {req.method} {req.path}",
                     routes=["GET /healthz", "GET /metrics", "GET /faults", "PUT /faults/<name>",
                             "DELETE /faults/<name>", "DELETE /faults"])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.telemetry", description=__doc__.split("\n")[0])
    p.add_argument("--job", required=True, help="the catalog job whose metrics to export, e.g. llm_guard")
    add_server_args(p)
    add_root_arg(p)
    p.add_argument("--service", default=None,
                   help="stack service name the scenarios target (default: the stack service of --job)")
    p.add_argument("--loki", default=os.environ.get("OBSGATE_LOKI_URL") or None,
                   help="Loki base URL to push the job's log streams to (default: env OBSGATE_LOKI_URL; off)")
    p.add_argument("--loki-tenant", default=os.environ.get("OBSGATE_LOKI_TENANT", ""),
                   help="X-Scope-OrgID for pushes (Loki with auth_enabled: false ignores it)")
    p.add_argument("--seed", type=int, default=None, help="jitter seed (default: derived from --job)")
    p.add_argument("--tick", type=float, default=0.5, help="seconds between value updates")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    prog = f"telemetry[{args.job}]"
    project = load_project(args.root, prog)
    service = args.service or service_for(project, args.job)
    seed = default_seed(args.job) if args.seed is None else args.seed
    try:
        engine = build_engine(project, args.job, service, seed)
    except FaultError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    pusher = None
    if args.loki:
        streams = [s for s in project.log_streams if s.job == args.job]
        source = LogSource(streams, seed=seed, vocab=vocabulary(engine.metrics))
        pusher = Pusher(source, lambda: engine.log_effects, args.loki, args.loki_tenant)
    ticker = Ticker(engine.advance, args.tick, name=f"{args.job}-ticker")
    engine.advance(args.tick)  # the first scrape already sees moving counters and observations
    ticker.start()
    if pusher:
        pusher.start()

    def stop() -> None:
        ticker.stop()
        if pusher:
            pusher.stop()

    app = TelemetryApp(engine, args.job, service, pusher)
    return serve(app, bind_host(args.host), args.port, f"{prog} {service}", on_stop=stop, quiet=not args.verbose)


if __name__ == "__main__":
    sys.exit(main())
