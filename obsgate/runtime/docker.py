"""The stack as containers, through the docker SDK, from the same Stack model as docker-compose.infra.yml.

Pinned official images (and the project's image built from the repo), a private bridge network where
services find each other by name, ports published on 127.0.0.1 only, rendered configs mounted
read-only. `container_params` is pure (model -> create() arguments), so it is unit-tested where no
engine runs; the rest talks to the engine.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from ..generate.compose import healthcheck, image_ref
from ..analysis.durations import seconds
from . import config, health, ports
from .base import PortInUse, Runtime, ServiceState, StackError, UpResult
from .layout import Layout, tail
from .native import start_order

GENERATED_PREFIX = "./generated/"
SECRETS_SOURCE = "./secrets/alertmanager"
LABEL = "io.obsgate.stack"
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
OLLAMA_MODEL = "tinyllama"


def project_name(stack) -> str:
    return f"obsgate-{stack.name}"


def interpolate(value: str, environ) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` against `environ`."""
    def sub(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        have = environ.get(name)
        if op.endswith("?") and not have:
            raise StackError(f"environment variable {name} is required: {arg or 'not set'}",
                             hint=f"export {name}=... before `obsgate up --runtime docker`")
        if op.endswith("-") and not have:
            return arg
        return have or ""

    return INTERPOLATION.sub(sub, value)


def _ns(duration: str) -> int:
    return int(seconds(duration) * 1_000_000_000)


def host_source(volume, root: Path, layout: Layout, stack) -> tuple[str, str]:
    """(host path or named volume, mode): generated/ paths come from the rendered config dir."""
    if volume.named:
        return f"{project_name(stack)}_{volume.source}", "rw"
    src = volume.source
    if src.startswith(GENERATED_PREFIX):
        path = layout.gen / src[len(GENERATED_PREFIX):]
    elif src == SECRETS_SOURCE:
        path = layout.secrets
    else:
        path = (root / src).resolve()
    return str(path), "ro" if volume.read_only else "rw"


def container_params(svc, stack, root: Path, layout: Layout, environ=os.environ) -> dict:
    """The keyword arguments of `client.containers.create(...)` for one service."""
    hc = healthcheck(svc)
    volumes = {}
    for v in svc.volumes:
        src, mode = host_source(v, root, layout, stack)
        volumes[src] = {"bind": v.target, "mode": mode}
    params = {
        "image": image_ref(svc),
        "name": f"{project_name(stack)}-{svc.name}",
        "hostname": svc.name,
        "detach": True,
        "ports": {f"{svc.container_port}/tcp": ("127.0.0.1", svc.port)},
        "environment": {k: interpolate(str(v), environ) for k, v in svc.env.items()},
        "volumes": volumes,
        "labels": {LABEL: stack.name, "io.obsgate.service": svc.name},
        "healthcheck": {"test": hc["test"], "interval": _ns(hc["interval"]), "timeout": _ns(hc["timeout"]),
                        "retries": hc["retries"], "start_period": _ns(hc["start_period"])},
        "restart_policy": {"Name": "unless-stopped"},
    }
    if svc.command:
        params["command"] = list(svc.command)
    return params


def network_params(stack) -> dict:
    """A private user-defined bridge: name resolution between services, nothing published but the ports."""
    return {"name": project_name(stack), "driver": "bridge", "labels": {LABEL: stack.name}}


class DockerRuntime(Runtime):
    name = "docker"

    def __init__(self, root: Path, project, profile: str = "local") -> None:
        super().__init__(root, project, profile)
        self.layout = Layout(self.root)
        self._client = None

    @property
    def client(self):
        if self._client is None:
            import docker

            try:
                self._client = docker.from_env(timeout=30)
                self._client.ping()
            except Exception as exc:  # the SDK raises several types for "no engine"
                raise StackError(f"no Docker engine answers: {str(exc).splitlines()[0][:200]}",
                                 hint="start Docker, or use `--runtime native`") from None
        return self._client

    def services(self) -> list:
        return start_order([s for s in self.project.stack.services if "docker" in s.runtimes])

    def _containers(self) -> dict:
        found = self.client.containers.list(all=True, filters={"label": f"{LABEL}={self.project.stack.name}"})
        return {c.labels.get("io.obsgate.service"): c for c in found}

    def up(self) -> UpResult:
        result = UpResult()
        stack = self.project.stack
        existing = self._containers()
        running = {n for n, c in existing.items() if c.status == "running"}
        result.already_running = [s.name for s in self.services() if s.name in running]
        todo = [s for s in self.services() if s.name not in running]
        self._started = [s.name for s in todo]
        if not todo:
            return result
        busy = [f"port {s.port} (service `{s.name}`) is in use by {ports.holder(s.port) or 'another process'}"
                for s in todo if ports.in_use(s.port)]
        if busy:
            raise PortInUse(busy[0] if len(busy) == 1 else f"{len(busy)} ports are in use", details="\n".join(busy),
                            hint="stop that process (or `obsgate down`) and retry")
        t0 = time.monotonic()
        target = config.target_for(self.project, self.layout, "docker", self.profile)
        if not running:
            config.render_or_fail(self.project, self.layout, target)
        config.write_secrets(self.project, self.layout, target, mode=0o644)  # read by the container's user
        params = {s.name: container_params(s, stack, self.root, self.layout) for s in todo}
        result.timings["render"] = time.monotonic() - t0
        t0 = time.monotonic()
        built = set()
        for svc in todo:
            if svc.build and image_ref(svc) not in built:
                self.client.images.build(path=str((self.root / svc.build).resolve()), tag=image_ref(svc), rm=True)
                built.add(image_ref(svc))
            elif not svc.build:
                self.client.images.pull(svc.image, tag=svc.tag)
        result.timings["images"] = time.monotonic() - t0
        t0 = time.monotonic()
        nets = self.client.networks.list(names=[project_name(stack)])
        net = nets[0] if nets else self.client.networks.create(**network_params(stack))
        self.layout.write_state({"runtime": self.name, "profile": self.profile, "root": str(self.root),
                                 "started_at": time.time(), "skipped": {},
                                 "services": {s.name: {"container": params[s.name]["name"]} for s in self.services()}})
        for svc in todo:
            old = existing.get(svc.name)
            if old is not None:
                old.remove(force=True)
            container = self.client.containers.create(**params[svc.name])
            net.connect(container, aliases=[svc.name])
            container.start()
            result.started.append(svc.name)
        result.timings["start"] = time.monotonic() - t0
        return result

    def wait_healthy(self, timeout: float = 180.0, names=None) -> dict[str, float]:
        names = list(names if names is not None else getattr(self, "_started", []))
        stack = self.project.stack
        checks = {n: health.Check(stack.service(n).health_kind, stack.service(n).port, stack.service(n).health or "/")
                  for n in names}

        def running(name: str) -> bool:
            c = self._containers().get(name)
            return c is not None and c.status in ("running", "created", "restarting")

        took = health.wait_all(checks, max(timeout, 180.0), running, lambda n: self.logs(n, 20))
        if "ollama" in names:
            self._pull_model()
        return took

    def _pull_model(self) -> None:
        """The gateway's upstream needs a model; a small one keeps CI fast."""
        from ..smoke import http

        model = os.environ.get("OBSGATE_OLLAMA_MODEL", OLLAMA_MODEL)
        http.post(f"http://127.0.0.1:{self.project.stack.service('ollama').port}/api/pull",
                  {"model": model, "stream": False}, timeout=900)

    def logs(self, service: str, lines: int = 20) -> str:
        c = self._containers().get(service)
        if c is None:
            return tail(self.layout.log(service), lines)
        return c.logs(tail=lines).decode(errors="replace")

    def down(self, wipe: bool = False) -> list[str]:
        stack = self.project.stack
        stopped = []
        for name, c in self._containers().items():
            path = self.layout.log(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(c.logs())  # kept for CI artifacts after the container is gone
            if c.status == "running":
                c.stop(timeout=10)
                stopped.append(name)
            c.remove(force=True)
        for net in self.client.networks.list(names=[project_name(stack)]):
            net.remove()
        if wipe:
            for vol in self.client.volumes.list(filters={"name": project_name(stack)}):
                vol.remove(force=True)
            shutil.rmtree(self.layout.config, ignore_errors=True)
        self.layout.clear_state()
        return stopped

    def status(self) -> list[ServiceState]:
        found = self._containers()
        out = []
        for svc in self.project.stack.services:
            if "docker" not in svc.runtimes:
                out.append(ServiceState(svc.name, "skipped", svc.port, reason="native only"))
                continue
            c = found.get(svc.name)
            state = "stopped" if c is None else ("running" if c.status == "running" else c.status)
            out.append(ServiceState(svc.name, state, svc.port, url=f"http://127.0.0.1:{svc.port}"))
        return out
