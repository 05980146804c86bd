"""docker-compose.infra.yml from the stack model: pinned images, healthchecks, named volumes, 127.0.0.1 ports."""
from __future__ import annotations

from ..model import Service
from ..project import Project
from .target import Target

COMPOSE_PATH = "docker-compose.infra.yml"


def healthcheck(svc: Service) -> dict:
    """Probe from inside the container; every official image used here ships busybox wget or bash."""
    if svc.health_kind == "tcp":
        test = ["CMD-SHELL", f"bash -c '</dev/tcp/127.0.0.1/{svc.container_port}' || exit 1"]
    elif svc.build:
        test = ["CMD", "python", "-c",
                f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{svc.container_port}{svc.health}')"]
    elif svc.image == "ollama/ollama":
        test = ["CMD", "ollama", "list"]
    else:
        test = ["CMD", "wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{svc.container_port}{svc.health}"]
    return {"test": test, "interval": "5s", "timeout": "3s", "retries": 30, "start_period": "5s"}


def image_ref(svc: Service) -> str:
    return f"{svc.image}:{svc.tag}"


def service_dict(svc: Service, docker_names: set[str]) -> dict:
    doc: dict = {"image": image_ref(svc)}
    if svc.build:
        doc["build"] = {"context": svc.build}
    if svc.command:
        doc["command"] = list(svc.command)
    doc["ports"] = [f"127.0.0.1:{svc.port}:{svc.container_port}"]
    if svc.env:
        doc["environment"] = dict(svc.env)
    if svc.volumes:
        doc["volumes"] = [f"{v.source}:{v.target}" + (":ro" if v.read_only and not v.named else "")
                          for v in svc.volumes]
    deps = [d for d in svc.depends_on if d in docker_names]
    if deps:
        doc["depends_on"] = {d: {"condition": "service_healthy"} for d in deps}
    doc["healthcheck"] = healthcheck(svc)
    doc["networks"] = ["obsgate"]
    doc["restart"] = "unless-stopped"
    return doc


def compose(project: Project) -> dict:
    services = [s for s in project.stack.services if "docker" in s.runtimes]
    names = {s.name for s in services}
    volumes = sorted({v.source for s in services for v in s.volumes if v.named})
    return {
        "name": f"obsgate-{project.stack.name}",
        "services": {s.name: service_dict(s, names) for s in services},
        "networks": {"obsgate": {"name": f"obsgate-{project.stack.name}"}},
        "volumes": {v: {} for v in volumes},
    }


def files(project: Project, target: Target) -> dict[str, object]:
    if target.runtime != "docker":
        return {}
    return {COMPOSE_PATH: compose(project)}
