"""`python -m obsgate.sim.logstore`: obsgate's log store, a Loki-API-compatible stand-in for machines
without Loki, not Loki. Serves Loki's push and query API on one port; with --rules it runs the ruler.

    python -m obsgate.sim.logstore --port 3100 --data DIR [--rules DIR --eval-interval 1m
        --alertmanager http://127.0.0.1:9093] [--retention 6h --max-bytes 64MiB] [--host 0.0.0.0]
"""
from __future__ import annotations

import argparse
import re
import socket
import sys
from pathlib import Path

from ...analysis.durations import seconds
from ..clock import Ticker
from ..common import add_server_args
from ..httpd import bind_host, serve
from . import NAME
from .api import LogStoreApp
from .metrics import Metrics
from .notifier import Notifier
from .ruler import RESEND_DELAY, Ruler
from .storage import Store

SIZE_RE = re.compile(r"^(\d+)\s*(B|KiB|MiB|GiB)?$")
UNITS = {None: 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def duration(text: str) -> float:
    try:
        value = seconds(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"`{text}` is not a positive duration (e.g. 10s, 5m, 6h)")
    return value


def size(text: str) -> int:
    m = SIZE_RE.match(text.strip())
    if not m or int(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"`{text}` is not a positive size (e.g. 32MiB, 1GiB, 500000)")
    return int(m.group(1)) * UNITS[m.group(2)]


def external_url(host: str, port: int) -> str:
    """Where the alerts' generatorURL points by default: the bind address, or (bound to every address, as in
    a container) the host name, as Prometheus does."""
    return f"http://{socket.gethostname() if host in ('0.0.0.0', '::', '') else host}:{port}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.logstore", description=NAME)
    add_server_args(p, port=3100)
    p.add_argument("--data", type=Path, default=None,
                   help="directory for the per-tenant append-only files (default: none, logs live in memory only)")
    p.add_argument("--retention", type=duration, default=duration("6h"),
                   help="how far back entries are kept, in memory and on disk (default 6h)")
    p.add_argument("--max-bytes", type=size, default=size("64MiB"),
                   help="memory for log entries per tenant (line bytes plus about 176 bytes per entry); the "
                        "oldest entries go first beyond it (default 64MiB)")
    p.add_argument("--rules", type=Path, default=None,
                   help="Loki rule directory, <dir>/<tenant>/*.yml (default: no ruler)")
    p.add_argument("--eval-interval", type=duration, default=duration("1m"),
                   help="evaluation interval of groups that set none (Loki's ruler.evaluation_interval; default 1m)")
    p.add_argument("--alertmanager", default="",
                   help="Alertmanager base URL(s), comma-separated, to POST alerts to (/api/v2/alerts)")
    p.add_argument("--resend-delay", type=duration, default=RESEND_DELAY,
                   help="how often a firing alert is re-sent (default 1m, as Loki's ruler.resend_delay)")
    p.add_argument("--external-url", default="",
                   help="base of the alerts' generatorURL (default: http://<bind address or host name>:<port>)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    host = bind_host(args.host)
    try:
        store = Store(args.data, args.retention, args.max_bytes)
    except OSError as exc:
        print(f"logstore: error: cannot use the data dir {args.data}: {exc}", file=sys.stderr)
        return 2
    held = store.stats()
    print(f"logstore: {NAME}; data {args.data or 'in memory only'}: "
          f"{sum(s.entries for s in held.values())} entries in {sum(s.streams for s in held.values())} streams "
          f"reloaded, retention {args.retention:g}s, at most {args.max_bytes} bytes per tenant", file=sys.stderr,
          flush=True)
    ruler = None
    if args.rules is not None:
        urls = [u.strip() for u in args.alertmanager.split(",") if u.strip()]
        ruler = Ruler(store, args.rules, args.eval_interval, Notifier(urls),
                      args.external_url or external_url(host, args.port), resend_delay=args.resend_delay)
    sweeper = Ticker(lambda dt: store.enforce_retention(), min(60.0, args.retention / 10), name="logstore-retention")
    app = LogStoreApp(store, ruler, Metrics(store, ruler))
    if ruler is not None:
        ruler.start()
    sweeper.start()

    def stop() -> None:
        sweeper.stop()
        if ruler is not None:
            ruler.stop()

    return serve(app, host, args.port, NAME, on_stop=stop, quiet=not args.verbose)
