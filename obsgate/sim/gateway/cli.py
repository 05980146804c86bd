"""`python -m obsgate.sim.gateway`: arguments, then the app, its ticker, self-traffic and log pusher."""
from __future__ import annotations

import argparse
import os
import sys

from ..clock import Ticker
from ..common import add_root_arg, add_server_args, load_project
from ..faults import FaultError
from ..httpd import bind_host, serve
from ..logs import Pusher
from ..telemetry import default_seed
from .app import SERVICE, GatewayApp
from .metrics import JOB
from .traffic import SelfTraffic


def main(argv: list[str] | None = None) -> int:
    summary = (sys.modules[__package__].__doc__ or "").split("\n")[0]
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.gateway", description=summary)
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
