"""Digest coverage exporter: daily digests per channel over the latest 30 days, measured in MongoDB.

    python -m obsgate.sim.coverage --port 9112 --mongo mongodb://127.0.0.1:27017/obsgate [--root .]

Each scrape counts, per channel the catalog declares for `benchmark_channel_daily_digests`, the distinct
days that have a digest in the window [today - 30 d, today] (UTC), in the `digests` collection that
obsgate.sim.datasets seeds. Measured, not simulated: a channel whose documents are removed drops at once.

The live gate removes data through the fault API: PUT /faults/<name> takes, for each effect of that
scenario on the metric, the channel's newest digests out of MongoDB until the count is the effect's
value (keeping them here); DELETE /faults/<name> puts them back, DELETE /faults puts back every fault's
(what `up` does to a reused stack). GET /metrics, GET /healthz, GET /faults.
"""
from __future__ import annotations

import argparse
import sys
import threading
from datetime import datetime

from ..model import MetricType
from .common import add_root_arg, add_server_args, load_project
from .datasets import window
from .faults import faults_for
from .httpd import Request, Response, bind_host, error, json_response, serve

METRIC = "benchmark_channel_daily_digests"


def coverage(db, channels: list[str], now: datetime | None = None) -> dict[str, int]:
    """Channel -> distinct days with a digest in the window (0 for a channel without any)."""
    first, last = window(now)
    return {ch: len(db.digests.distinct("date", {"channel": ch, "date": {"$gte": first, "$lte": last}}))
            for ch in channels}


def exposition(metric, counts: dict[str, int]) -> bytes:
    lines = [f"# HELP {metric.name} {metric.help}", f"# TYPE {metric.name} gauge"]
    lines += [f'{metric.name}{{channel="{ch}"}} {n}' for ch, n in sorted(counts.items())]
    return ("\n".join(lines) + "\n").encode()


class CoverageApp:
    def __init__(self, db, metric, faults: dict) -> None:
        if metric.type is not MetricType.GAUGE:
            raise ValueError(f"`{metric.name}` must be a gauge")
        self.db, self.metric, self.faults = db, metric, faults
        self.channels = list(next(l.values for l in metric.labels if l.name == "channel"))
        self._lock = threading.Lock()
        self._removed: dict[str, list[dict]] = {}  # fault name -> the documents it took out

    def _apply(self, name: str) -> dict:
        fault = self.faults[name]
        taken: list[dict] = []
        for effect in fault.effects:
            channel = dict(effect.labels).get("channel")
            if effect.metric != self.metric.name or channel is None or effect.value is None:
                continue
            first, last = window()
            days = sorted(self.db.digests.distinct("date", {"channel": channel, "date": {"$gte": first, "$lte": last}}))
            for day in days[int(effect.value):]:  # the newest days beyond the count the effect asks for
                taken += list(self.db.digests.find({"channel": channel, "date": day}))
                self.db.digests.delete_many({"channel": channel, "date": day})
        self._removed[name] = self._removed.get(name, []) + taken
        return {"fault": name, "removed": len(taken)}

    def _restore(self, name: str) -> dict:
        docs = self._removed.pop(name, [])
        for doc in docs:
            self.db.digests.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        return {"fault": name, "restored": len(docs)}

    def handle(self, req: Request) -> Response:
        if req.path == "/metrics" and req.method == "GET":
            body = exposition(self.metric, coverage(self.db, self.channels))
            return Response(200, body, "text/plain; version=0.0.4")
        if req.path == "/healthz" and req.method in ("GET", "HEAD"):
            return json_response({"status": "ok", "channels": self.channels})
        if req.path == "/faults" and req.method == "GET":
            return json_response({"faults": [f.describe() for f in self.faults.values()],
                                  "active": sorted(self._removed)})
        if req.path == "/faults" and req.method == "DELETE":  # every fault off, as the simulators' fault API
            with self._lock:
                return json_response({"restored": [self._restore(name) for name in sorted(self._removed)],
                                      "active": []})
        if req.path.startswith("/faults/"):
            name = req.path[len("/faults/"):]
            if name not in self.faults:
                return error(404, f"no fault `{name}`", known=sorted(self.faults))
            with self._lock:
                if req.method == "PUT":
                    return json_response(self._apply(name))
                if req.method == "DELETE":
                    return json_response(self._restore(name))
        return error(404, f"no route for {req.method} {req.path}",
                     routes=["GET /metrics", "GET /healthz", "GET|DELETE /faults", "PUT|DELETE /faults/<name>"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.coverage", description=__doc__.split("\n")[0])
    add_server_args(p, port=9112)
    add_root_arg(p)
    p.add_argument("--mongo", required=True, help="MongoDB URI with the database name")
    p.add_argument("--service", default="coverage-exporter", help="this service's name in the stack (its faults)")
    args = p.parse_args(argv)
    import pymongo

    project = load_project(args.root, p.prog)
    metric = next((m for m in project.metrics if m.name == METRIC), None)
    if metric is None:
        print(f"coverage: error: the catalog declares no `{METRIC}`", file=sys.stderr)
        return 2
    client = pymongo.MongoClient(args.mongo, serverSelectionTimeoutMS=5000)
    db = client.get_default_database(default="obsgate")
    app = CoverageApp(db, metric, faults_for(project.alerts, args.service))
    try:
        return serve(app, bind_host(args.host), args.port, "coverage-exporter", quiet=not args.verbose)
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
