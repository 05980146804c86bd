"""`python -m obsgate.runtime.urls`: where to look at the running stack (printed by `make day-23-up`)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..load import LoadError, load
from .layout import Layout

# The page worth opening first, per service (the port alone for the rest).
PAGES = {
    "prometheus": "/alerts", "alertmanager": "/#/alerts", "grafana": "/dashboards", "loki": "/ready",
    "alert-sink": "/notifications", "llm-gateway": "/api/tags",
}


def lines(project, state: dict) -> list[str]:
    running = state.get("services", {})
    out = []
    for svc in project.stack.services:
        if svc.name in running:
            if svc.health_kind == "tcp":
                out.append(f"  {svc.name:<20} mongodb://127.0.0.1:{svc.port}" if svc.name == "mongo"
                           else f"  {svc.name:<20} 127.0.0.1:{svc.port}")
            else:
                page = PAGES.get(svc.name, svc.metrics_path or svc.health)
                out.append(f"  {svc.name:<20} http://127.0.0.1:{svc.port}{page}")
        elif svc.name in state.get("skipped", {}):
            out.append(f"  {svc.name:<20} not running: {state['skipped'][svc.name]}")
    return out


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0] if argv else ".").resolve()
    state = Layout(root).read_state()
    if not state.get("services"):
        print("no stack is running here; start it with `make day-23-up` (or `obsgate up`)", file=sys.stderr)
        return 1
    try:
        project = load(root)
    except LoadError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"stack `{project.stack.name}` ({state.get('runtime')}, profile {state.get('profile')}):")
    print("\n".join(lines(project, state)))
    print("stop it with `make day-23-down`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
