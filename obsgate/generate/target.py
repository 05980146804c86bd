"""Where the generated files will run: container paths and service names, or local ones.

`generated/` is written for the docker target with the default profile. The live runtimes render
the same generators for their own target (native paths, ci profile) under .run/.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Profile, Stack


@dataclass(frozen=True)
class Target:
    profile: Profile
    runtime: str = "docker"  # docker: service names and container paths; native: 127.0.0.1 and .run/
    paths: dict = field(default_factory=dict)
    # a live run: PagerDuty events and SMTP go to the stack's own sinks (alert-sink, smtp-sink), not the real services
    sinks: bool = False

    def addr(self, stack: Stack, service: str) -> str:
        svc = stack.service(service)
        if self.runtime == "docker":
            return f"{svc.name}:{svc.container_port}"
        return f"127.0.0.1:{svc.port}"

    def path(self, key: str) -> str:
        return self.paths.get(key, DOCKER_PATHS[key])


DOCKER_PATHS = {
    "prom_rules": "/etc/prometheus/rules",
    "loki_rules": "/etc/loki/rules",
    "loki_data": "/loki",
    "am_secrets": "/etc/alertmanager/secrets",
    "grafana_dashboards": "/var/lib/grafana/dashboards",
}


def default_target(stack: Stack) -> Target:
    return Target(profile=stack.profile("default"))
