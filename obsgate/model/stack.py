"""The stack: which services run, how (image or native binary), their ports and health checks.

One Stack model feeds docker-compose.infra.yml, the docker runtime and the native runtime, so the
three cannot disagree about ports or health endpoints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from .rules import check_duration
from .source import SourceRef, caller_source, fail

SECRET_HINT = re.compile(r"(password|secret|token|api_key|webhook)", re.I)
ENV_REF = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(:?[-?][^}]*)?\}$")


@dataclass(frozen=True)
class Native:
    """How the native runtime starts a service: a binary (in .tools/bin or a Python module) and args.

    Args may use {gen} (rendered config dir), {data} (data dir), {tools} (.tools/bin), {port}, {root}
    (project root), {run} (.run/), {home} (the install dir above the binary's bin/) and {ports[NAME]}
    (another service's port, e.g. `http://127.0.0.1:{ports[loki]}`).
    """

    binary: str = ""
    args: tuple[str, ...] = ()
    python_module: str = ""
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Volume:
    """A mount. `source` is a path under generated/ (bind, read-only) or a named volume."""

    source: str
    target: str
    read_only: bool = True

    @property
    def named(self) -> bool:
        return "/" not in self.source and not self.source.startswith(".")


@dataclass(frozen=True)
class Service:
    name: str
    image: str
    tag: str
    port: int
    container_port: int = 0
    health: str = "/metrics"
    health_kind: str = "http"  # http | tcp
    metrics_path: str = ""
    job: str = ""
    command: tuple[str, ...] = ()
    native: Native | None = None
    volumes: tuple[Volume, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    build: str = ""
    runtimes: tuple[str, ...] = ("docker", "native")
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        src, n = self.source, self.name
        if not re.match(r"^[a-z][a-z0-9-]*$", n):
            fail(src, "service", n, "name", n, "is not a lower-case dns name", "e.g. `llm-gateway`")
        if not self.build and (not self.tag or self.tag == "latest"):
            fail(src, "service", n, "tag", self.tag, "is not a pinned image tag", "pin a version, e.g. `v3.5.1`")
        if not (1024 <= self.port <= 65535):
            fail(src, "service", n, "port", self.port, "is not an unprivileged port")
        if self.health_kind not in ("http", "tcp"):
            fail(src, "service", n, "health_kind", self.health_kind, "is not a health check kind", "use http or tcp")
        for key, value in self.env.items():
            if SECRET_HINT.search(key) and not ENV_REF.match(str(value)) and not key.endswith("_FILE"):
                fail(src, "service", n, f"env.{key}", value, "is a literal secret",
                     "pass it from the environment, e.g. `${GF_SECURITY_ADMIN_PASSWORD:?set it}`, or use a *_FILE variable")
        if not self.container_port:
            object.__setattr__(self, "container_port", self.port)
        if not self.job and self.metrics_path:
            object.__setattr__(self, "job", n)
        object.__setattr__(self, "env", dict(sorted(self.env.items())))


@dataclass(frozen=True)
class Receiver:
    """An Alertmanager receiver; its secret (URL, password) is only ever a file path."""

    name: str
    kind: str  # webhook | slack | email
    secret_file: str = ""
    channel: str = ""
    to: str = ""
    send_resolved: bool = True
    title: str = ""
    text: str = ""
    color: str = ""


@dataclass(frozen=True)
class Route:
    """A child route: `matchers` in Alertmanager syntax, e.g. ('alertname=~"LLMscope.*"',)."""

    receiver: str
    matchers: tuple[str, ...]
    continue_: bool = False
    group_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Routing:
    receivers: tuple[Receiver, ...]
    by_severity: Mapping[str, str]
    group_by: tuple[str, ...] = ("alertname", "severity")
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "4h"
    routes: tuple[Route, ...] = ()
    smtp_from: str = ""
    smtp_smarthost: str = ""
    smtp_username: str = ""
    smtp_password_file: str = ""
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = {r.name for r in self.receivers}
        for sev, recv in self.by_severity.items():
            if recv not in names:
                fail(self.source, "routing", "alertmanager", f"by_severity.{sev}", recv, "is not a declared receiver")
        for route in self.routes:
            if route.receiver not in names:
                fail(self.source, "routing", "alertmanager", "routes", route.receiver, "is not a declared receiver")
        for fname in ("group_wait", "group_interval", "repeat_interval"):
            check_duration(self.source, "routing", "alertmanager", fname, getattr(self, fname), allow_zero=False)


@dataclass(frozen=True)
class Profile:
    """Settings that differ between the committed files (default) and a live run (local, ci)."""

    name: str
    scrape_interval: str = "15s"
    evaluation_interval: str = "15s"
    # ci compresses time: every `for`, range window and offset is divided by this (windows keep >= 4 scrapes)
    time_scale: int = 1
    group_wait: str = ""
    group_interval: str = ""
    loki_eval_interval: str = "1m"


@dataclass(frozen=True)
class Stack:
    name: str
    services: tuple[Service, ...]
    routing: Routing
    runbook_base_url: str
    scrape_interval: str = "15s"
    evaluation_interval: str = "15s"
    profiles: tuple[Profile, ...] = ()
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "services", tuple(self.services))
        seen: dict[str, Service] = {}
        ports: dict[int, str] = {}
        for svc in self.services:
            if svc.name in seen:
                fail(svc.source, "service", svc.name, "name", svc.name, "is declared twice in the stack")
            if svc.port in ports:
                fail(svc.source, "service", svc.name, "port", svc.port, f"is already used by `{ports[svc.port]}`")
            seen[svc.name] = svc
            ports[svc.port] = svc.name
        for svc in self.services:
            for dep in svc.depends_on:
                if dep not in seen:
                    fail(svc.source, "service", svc.name, "depends_on", dep, "is not a service of the stack")
        for fname in ("scrape_interval", "evaluation_interval"):
            check_duration(self.source, "stack", self.name, fname, getattr(self, fname), allow_zero=False)
        if not self.runbook_base_url:
            fail(self.source, "stack", self.name, "runbook_base_url", "", "is empty", "where runbooks are browsed")

    def service(self, name: str) -> Service:
        for svc in self.services:
            if svc.name == name:
                return svc
        raise KeyError(name)

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.services)

    def profile(self, name: str) -> Profile:
        if name == "default":
            return Profile("default", self.scrape_interval, self.evaluation_interval)
        for p in self.profiles:
            if p.name == name:
                return p
        raise KeyError(f"unknown profile `{name}`; known: default, " + ", ".join(p.name for p in self.profiles))

    @property
    def scraped(self) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.metrics_path)
