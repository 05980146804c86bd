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
    (another service's port, e.g. `http://127.0.0.1:{ports[loki]}`) and {profile.FIELD} (the run's Profile,
    e.g. `{profile.loki_eval_interval}`).
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


RECEIVER_KINDS = ("webhook", "slack", "email", "pagerduty")
MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')


def parse_matcher(text: str) -> tuple[str, str, str] | None:
    """(label, operator, value) of an Alertmanager matcher such as `severity="critical"`; None if unreadable."""
    m = MATCHER.match(text)
    if not m:
        return None
    name, op, value = m.groups()
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error:
            return None
    return name, op, value


@dataclass(frozen=True)
class Button:
    """A Slack message button, e.g. `View Details` linking to the dashboard (the URL may be a template)."""

    text: str
    url: str


@dataclass(frozen=True)
class Receiver:
    """An Alertmanager receiver. Its secret (webhook or Slack URL, PagerDuty routing key) is only ever a file
    under the secrets directory, named `secret_file` (default: the receiver's name); nothing secret is generated.

    Kinds: webhook, slack (channel, title, text, color, buttons), email (to: comma-separated addresses,
    title = Subject, text = HTML body), pagerduty (title = description, severity).
    """

    name: str
    kind: str  # webhook | slack | email | pagerduty
    secret_file: str = ""
    channel: str = ""
    to: str = ""
    send_resolved: bool = True
    title: str = ""
    text: str = ""
    color: str = ""
    buttons: tuple[Button, ...] = ()
    severity: str = ""  # pagerduty: the event severity (a template), default `{{ .CommonLabels.severity }}`
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        src, n = self.source, self.name
        if self.kind not in RECEIVER_KINDS:
            fail(src, "receiver", n, "kind", self.kind, "is not a receiver kind", "use " + ", ".join(RECEIVER_KINDS))
        if self.kind == "email" and not self.to:
            fail(src, "receiver", n, "to", self.to, "is empty", "an email receiver needs its recipients")
        if self.buttons and self.kind != "slack":
            fail(src, "receiver", n, "buttons", self.buttons, "are only sent by Slack receivers")
        object.__setattr__(self, "buttons", tuple(self.buttons))

    @property
    def secret(self) -> str:
        return self.secret_file or self.name


@dataclass(frozen=True)
class Route:
    """A route of the tree: `matchers` in Alertmanager syntax, e.g. ('component="lancedb"',); children in
    `routes`. An empty receiver, group_by or timing is inherited from the parent route."""

    receiver: str = ""
    matchers: tuple[str, ...] = ()
    continue_: bool = False
    group_by: tuple[str, ...] = ()
    group_wait: str = ""
    group_interval: str = ""
    repeat_interval: str = ""
    routes: tuple["Route", ...] = ()

    def walk(self, parents: tuple["Route", ...] = ()):
        """(path from the root's first child down to this route, route) for this route and every descendant."""
        path = parents + (self,)
        yield path, self
        for child in self.routes:
            yield from child.walk(path)


@dataclass(frozen=True)
class Inhibit:
    """While an alert matching `source` fires, alerts matching `target` with the same `equal` labels are muted."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    equal: tuple[str, ...]


# The critical alert of a condition mutes its warning: both carry the same `family` (and `component`). An
# alert without a family is neither muted nor muting (Alertmanager treats two missing labels as equal).
FAMILY_INHIBIT = Inhibit(source=('severity="critical"', 'family=~".+"'), target=('severity="warning"', 'family=~".+"'),
                         equal=("family", "component"))


@dataclass(frozen=True)
class Routing:
    """The Alertmanager routing tree: the root's receiver and timings, child `routes` (in order), then one
    route per entry of `by_severity`; the inhibit rules; the SMTP settings of email receivers."""

    receivers: tuple[Receiver, ...]
    by_severity: Mapping[str, str] = field(default_factory=dict)
    group_by: tuple[str, ...] = ("alertname", "severity")
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "4h"
    routes: tuple[Route, ...] = ()
    receiver: str = ""  # the root's (default) receiver; by_severity["info"] or the first receiver when empty
    inhibit: tuple[Inhibit, ...] = (FAMILY_INHIBIT,)
    smtp_from: str = ""
    smtp_smarthost: str = ""
    smtp_username: str = ""
    smtp_password_file: str = ""
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = {r.name for r in self.receivers}
        object.__setattr__(self, "routes", tuple(self.routes))
        object.__setattr__(self, "inhibit", tuple(self.inhibit))
        if not self.receivers:
            fail(self.source, "routing", "alertmanager", "receivers", "()", "is empty")
        if not self.receiver:
            object.__setattr__(self, "receiver", self.by_severity.get("info", self.receivers[0].name))
        if self.receiver not in names:
            fail(self.source, "routing", "alertmanager", "receiver", self.receiver, "is not a declared receiver")
        for sev, recv in self.by_severity.items():
            if recv not in names:
                fail(self.source, "routing", "alertmanager", f"by_severity.{sev}", recv, "is not a declared receiver")
        for _, route in self.walk():
            if route.receiver and route.receiver not in names:
                fail(self.source, "routing", "alertmanager", "routes", route.receiver, "is not a declared receiver")
            for m in route.matchers:
                if parse_matcher(m) is None:
                    fail(self.source, "routing", "alertmanager", "routes.matchers", m, "is not a matcher",
                         'write it like `severity="critical"` or `component=~"api|rag"`')
            for fname in ("group_wait", "group_interval", "repeat_interval"):
                if getattr(route, fname):
                    check_duration(self.source, "routing", "alertmanager", f"routes.{fname}", getattr(route, fname),
                                   allow_zero=False)
        for rule in self.inhibit:
            for m in rule.source + rule.target:
                if parse_matcher(m) is None:
                    fail(self.source, "routing", "alertmanager", "inhibit", m, "is not a matcher")
        for fname in ("group_wait", "group_interval", "repeat_interval"):
            check_duration(self.source, "routing", "alertmanager", fname, getattr(self, fname), allow_zero=False)

    @property
    def severity_routes(self) -> tuple[Route, ...]:
        return tuple(Route(self.by_severity[s], (f'severity="{s}"',)) for s in ("critical", "warning", "info")
                     if s in self.by_severity)

    @property
    def tree(self) -> Route:
        """The root route with every child, as Alertmanager reads it."""
        return Route(self.receiver, (), group_by=self.group_by, group_wait=self.group_wait,
                     group_interval=self.group_interval, repeat_interval=self.repeat_interval,
                     routes=self.routes + self.severity_routes)

    def walk(self):
        """(path, route) for every route below the root, depth first in Alertmanager's order."""
        for child in self.tree.routes:
            yield from child.walk()

    def kind(self, receiver: str) -> str:
        return next((r.kind for r in self.receivers if r.name == receiver), "")

    def match(self, labels: Mapping[str, str]) -> list[tuple[tuple[Route, ...], str]]:
        """Alertmanager's Route.Match on the tree: (path of matched routes below the root, receiver) for each
        receiver notified, in order. Children are tried in order; one without `continue` ends the search."""
        def walk(route: Route, path: tuple[Route, ...], inherited: str):
            receiver = route.receiver or inherited
            found: list = []
            for child in route.routes:
                if all(matcher_matches(m, labels) for m in child.matchers):
                    found += walk(child, path + (child,), receiver)
                    if not child.continue_:
                        break
            return found or [(path, receiver)]
        return walk(self.tree, (), self.receiver)

    def receivers_for(self, labels: Mapping[str, str]) -> list[str]:
        return [receiver for _, receiver in self.match(labels)]


def matcher_matches(matcher: str, labels: Mapping[str, str]) -> bool:
    """Whether an alert with `labels` matches an Alertmanager matcher (a missing label is the empty string)."""
    parsed = parse_matcher(matcher)
    if parsed is None:
        raise ValueError(f"cannot read matcher `{matcher}`")
    name, op, value = parsed
    have = labels.get(name, "")
    if op == "=":
        return have == value
    if op == "!=":
        return have != value
    hit = re.fullmatch(value, have) is not None
    return hit if op == "=~" else not hit


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
