"""compose/ports: a published port binds 127.0.0.1, not every interface of the host.

`"3000:3000"` publishes Grafana (and its admin login) on 0.0.0.0, to the whole network. Binding the
loopback address (`"127.0.0.1:3000:3000"`) keeps the stack local; a reverse proxy publishes what
must be reached. An ERROR in files obsgate writes, a WARNING in files users bring.
"""
from __future__ import annotations

from ..problem import Problem, Severity
from .base import Check, Subject, finding
from .files import COMPOSE

CHECK = "compose/ports"
ALL_INTERFACES = ("", "0.0.0.0", "::", "[::]")


def host_ip(port) -> str | None:
    """The host address a `ports:` entry binds ("" for every interface); None when nothing is published."""
    if isinstance(port, dict):
        if port.get("published") is None:
            return None
        return str(port.get("host_ip") or "")
    text = str(port).split("/")[0]
    if ":" not in text:
        return None if text.isdigit() or "-" in text else ""  # `"80"`: a random host port, on every interface
    if text.startswith("["):  # `[::1]:8080:80`
        return text[: text.index("]") + 1]
    parts = text.split(":")
    return parts[0] if len(parts) == 3 else ""


def check(ctx) -> list[Problem]:
    out: list[Problem] = []
    for f in ctx.of(COMPOSE):
        services = f.data.get("services") if isinstance(f.data, dict) else None
        if not isinstance(services, dict):
            continue
        for name, service in services.items():
            ports = service.get("ports") if isinstance(service, dict) else None
            for i, port in enumerate(ports if isinstance(ports, list) else []):
                ip = host_ip(port)
                if ip is None or ip not in ALL_INTERFACES:
                    continue
                subject = Subject(f.path, f.line(("services", name, "ports", i)), external=f.external)
                shown = port if isinstance(port, str) else f"published {port.get('published')}"
                out.append(finding(CHECK, subject, Severity.WARNING if f.external else Severity.ERROR,
                                   f"service `{name}` publishes `{shown}` on every interface of the host",
                                   "bind the loopback address: `127.0.0.1:<host>:<container>` (long syntax: "
                                   "host_ip: 127.0.0.1)"))
    return out


CHECKS = (Check(CHECK, "published ports bind 127.0.0.1, not every interface", check, (COMPOSE,)),)
