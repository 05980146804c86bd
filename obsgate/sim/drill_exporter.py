"""The DR drill's exporter: the figures `obsgate drill` measured, read from its state file at each scrape.

    python -m obsgate.sim.drill_exporter --port 9113 --state .run/drill/metrics.json [--root .]

Not simulated: every value is what the last drill measured (backup time, size and duration per component,
restore durations, verification failures, result, duration, RTO, RPO). Only the series the catalog declares
for the `obsgate_drill` job are served, with their catalog help and type; before any drill there are none.
GET /metrics, GET /healthz.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from ..model import MetricType
from .common import add_root_arg, add_server_args, load_project
from .httpd import Request, Response, bind_host, error, json_response, serve

JOB = "obsgate_drill"


def read_samples(path: Path) -> list[dict]:
    """The drill's samples ([] before the first drill, or while the file is unreadable)."""
    try:
        return list(json.loads(path.read_text()).get("samples", []))
    except (OSError, ValueError, AttributeError):
        return []


class DrillCollector:
    def __init__(self, metrics: dict, state: Path) -> None:
        self.metrics, self.state = metrics, state

    def collect(self):
        by_name: dict[str, list[dict]] = {}
        for s in read_samples(self.state):
            if s.get("name") in self.metrics:
                by_name.setdefault(s["name"], []).append(s)
        for name, samples in sorted(by_name.items()):
            metric = self.metrics[name]
            names = list(metric.label_names)
            fam = GaugeMetricFamily(name, metric.help, labels=names)
            for s in samples:
                fam.add_metric([str(s["labels"].get(n, "")) for n in names], float(s["value"]))
            yield fam


class DrillExporterApp:
    def __init__(self, metrics: dict, state: Path) -> None:
        self.state = state
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(DrillCollector(metrics, state))

    def handle(self, req: Request) -> Response:
        if req.path == "/metrics" and req.method == "GET":
            return Response(200, generate_latest(self.registry), "text/plain; version=0.0.4")
        if req.path == "/healthz" and req.method in ("GET", "HEAD"):
            return json_response({"status": "ok", "state": str(self.state), "samples": len(read_samples(self.state))})
        return error(404, f"no route for {req.method} {req.path}", routes=["GET /metrics", "GET /healthz"])


def drill_metrics(project) -> dict:
    """The catalog's gauges of the drill's job, by name."""
    return {m.name: m for m in project.metrics if m.job == JOB and m.type is MetricType.GAUGE}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.drill_exporter", description=__doc__.split("\n")[0])
    add_server_args(p, port=9113)
    add_root_arg(p)
    p.add_argument("--state", type=Path, required=True, help="the drill's metrics.json (written by `obsgate drill`)")
    args = p.parse_args(argv)
    metrics = drill_metrics(load_project(args.root, p.prog))
    if not metrics:
        print(f"drill-exporter: error: the catalog declares no gauge for job `{JOB}`", file=sys.stderr)
        return 2
    return serve(DrillExporterApp(metrics, args.state), bind_host(args.host), args.port, "drill-exporter",
                 quiet=not args.verbose)


if __name__ == "__main__":
    sys.exit(main())
