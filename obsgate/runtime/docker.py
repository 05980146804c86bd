"""The stack as containers, through the docker SDK, from the same Stack model as docker-compose.infra.yml.

Two image sets. `official` (the default, for users and GitHub): the pinned official images and the
project's image built from the repo. `local` (machines without a registry): the images
`obsgate images build --local` makes here, with named stand-ins where no local image exists (LOCAL).
A private bridge network where services find each other by name, ports published on 127.0.0.1 only,
rendered configs mounted read-only. `container_params` is pure (model -> create() arguments), so it is
unit-tested where no engine runs; the rest talks to the engine.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import tools
from ..generate.compose import healthcheck, image_ref
from ..analysis.durations import seconds
from . import backfill, config, health, httpjson, images, ports
from .base import PortInUse, Runtime, ServiceState, StackError, UpResult
from .layout import Layout, tail
from .native import start_order
from .signals import deferred

GENERATED_PREFIX = "./generated/"
SECRETS_SOURCE = "./secrets/alertmanager"
LABEL = "io.obsgate.stack"
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
OLLAMA_MODEL = "tinyllama"
IMAGE_SETS = ("official", "local")
PROM_UID = 65534  # `nobody`, the user of the official (and the local) Prometheus image
PROM_DATA = "/prometheus"


@dataclass(frozen=True)
class Substitute:
    """How a service runs under `--images local`: an image of images.local_refs (and what that image
    needs differently: command, environment, mount targets, health test), or `skip` with the reason."""

    image: str = ""
    skip: str = ""
    stand_in: str = ""  # said in the status and in the state file, so nobody takes it for the original
    command: tuple[str, ...] | None = None
    native: bool = False  # run the service's native `python -m` command, translated for the container
    env: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)  # official mount target -> this image's
    health: tuple[str, ...] | None = None


def _python_probe(port: int, path: str) -> tuple[str, ...]:
    return ("CMD", "python", "-c", f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}{path}')")


# Keyed by the official image name (Service.image). Prometheus and Alertmanager mirror their official
# images exactly, so nothing else changes for them.
LOCAL = {
    "prom/prometheus": Substitute(image="prometheus"),
    "prom/alertmanager": Substitute(image="alertmanager"),
    "obsgate-sim": Substitute(image="project"),
    "mongo": Substitute(
        image="ferretdb", stand_in="FerretDB (MongoDB wire protocol on SQLite) stands in for MongoDB",
        env={"FERRETDB_HANDLER": "sqlite", "FERRETDB_TELEMETRY": "disable"}, targets={"/data/db": "/state"},
        health=("NONE",)),
    "grafana/loki": Substitute(
        image="project", stand_in="obsgate's log store (a Loki-API stand-in on obsgate's LogQL engine) stands in for Loki",
        native=True, targets={"/loki": "/var/lib/obsgate"}, health=_python_probe(3100, "/ready")),
    "ollama/ollama": Substitute(skip="no local Ollama image (no registry to pull it from); the LLM gateway's "
                                     "built-in simulator backend stands in for it"),
    "grafana/grafana": Substitute(skip="no local Grafana image: Grafana is AGPL, so obsgate builds none, and no "
                                       "registry is reachable to pull the official one"),
}


PROJECT_DATA = "/var/lib/obsgate"  # the project image's data dir (owned by its user; see the Dockerfile)
LOOPBACK_PORT = re.compile(r"127\.0\.0\.1:(\d+)")


def native_command(svc, stack, profile) -> list[str]:
    """A `python -m` service's native command, for a container: `{gen}/...` becomes the mount target of
    that generated path, `{data}` the project image's data dir, `127.0.0.1:<port of X>` becomes `X:<port>`
    on the stack's network."""
    by_port = {s.port: s for s in stack.services}
    values = {"gen": "./generated", "data": PROJECT_DATA, "port": str(svc.container_port), "root": "/app",
              "run": "/tmp", "tools": "", "home": "", "profile": profile,
              "ports": {s.name: s.port for s in stack.services}}
    mounts = sorted(((v.source, v.target) for v in svc.volumes if not v.named), key=lambda st: -len(st[0]))
    out = []
    for arg in svc.native.args:
        arg = arg.format_map(values)
        for src, dst in mounts:
            if arg == src or arg.startswith(src.rstrip("/") + "/"):
                arg = dst + arg[len(src.rstrip("/")):]
                break
        arg = LOOPBACK_PORT.sub(lambda m: f"{by_port[int(m.group(1))].name}:{by_port[int(m.group(1))].container_port}"
                                if int(m.group(1)) in by_port else m.group(0), arg)
        out.append(arg)
    return ["python", "-m", svc.native.python_module, *out]


def substitute(svc, image_set: str) -> Substitute:
    """What runs for `svc` in this image set (the official set runs every service as declared)."""
    if image_set == "official":
        return Substitute()
    sub = LOCAL.get(svc.image)
    if sub is None:
        return Substitute(skip=f"no local image for `{image_ref(svc)}`; add one to obsgate.runtime.docker.LOCAL")
    return sub


def skipped(stack, image_set: str) -> dict[str, str]:
    """{service: reason} of the docker services that do not run in this image set."""
    return {s.name: substitute(s, image_set).skip for s in stack.services
            if "docker" in s.runtimes and substitute(s, image_set).skip}


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


def container_params(svc, stack, root: Path, layout: Layout, environ=os.environ, image_set: str = "official",
                     refs: dict | None = None, profile=None) -> dict:
    """The keyword arguments of `client.containers.create(...)` for one service (in one image set;
    `refs` are images.local_refs for the local set)."""
    sub = substitute(svc, image_set)
    if sub.skip:
        raise ValueError(f"service `{svc.name}` does not run with --images {image_set}: {sub.skip}")
    hc = healthcheck(svc)
    if sub.health:
        hc = {**hc, "test": list(sub.health)}
    volumes = {}
    for v in svc.volumes:
        src, mode = host_source(v, root, layout, stack)
        volumes[src] = {"bind": sub.targets.get(v.target, v.target), "mode": mode}
    gone = set(skipped(stack, image_set))
    env = {k: interpolate(str(v), environ) for k, v in svc.env.items()
           if not any(f"//{name}:" in str(v) for name in gone)}  # e.g. the gateway's upstream when Ollama is skipped
    labels = {LABEL: stack.name, "io.obsgate.service": svc.name, "io.obsgate.images": image_set}
    if sub.stand_in:
        labels["io.obsgate.stand-in"] = sub.stand_in
    params = {
        "image": image_ref(svc) if not sub.image else (refs or {})[sub.image],
        "name": f"{project_name(stack)}-{svc.name}",
        "hostname": svc.name,
        "detach": True,
        "ports": {f"{svc.container_port}/tcp": ("127.0.0.1", svc.port)},
        "environment": {**env, **sub.env},
        "volumes": volumes,
        "labels": labels,
        "healthcheck": {"test": hc["test"], "interval": _ns(hc["interval"]), "timeout": _ns(hc["timeout"]),
                        "retries": hc["retries"], "start_period": _ns(hc["start_period"])},
        "restart_policy": {"Name": "unless-stopped"},
        "init": True,  # docker-init as pid 1 forwards SIGTERM: `down` does not wait out the stop timeout
        # the stack's own network only (never the default bridge); other services find it by its name
        "network": project_name(stack),
        "networking_config": {project_name(stack): {"Aliases": [svc.name]}},
    }
    command = sub.command if sub.command is not None else svc.command
    if sub.native:
        command = native_command(svc, stack, profile or stack.profile("default"))
    if command:
        params["command"] = list(command)
    return params


def volume_params(stack) -> list[dict]:
    """The stack's named volumes, labelled so `down --wipe` removes exactly these."""
    names = sorted({v.source for s in stack.services if "docker" in s.runtimes for v in s.volumes if v.named})
    return [{"name": f"{project_name(stack)}_{n}", "labels": {LABEL: stack.name}} for n in names]


def network_params(stack) -> dict:
    """A private user-defined bridge: name resolution between services, nothing published but the ports."""
    return {"name": project_name(stack), "driver": "bridge", "labels": {LABEL: stack.name}}


def connect(timeout: int = 120):
    """A docker SDK client whose engine answers (honours DOCKER_HOST), else a StackError with the fix."""
    import docker

    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:  # the SDK raises several types for "no engine"
        raise StackError(f"no Docker engine answers: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}",
                         hint="start Docker (or set DOCKER_HOST), or use `--runtime native`") from None
    return client


def _tar_dir(src: Path, uid: int) -> bytes:
    """`src`'s contents as a tar owned by `uid` (what the container's user must own)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(src.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(src)))
            info.uid = info.gid = uid
            info.uname = info.gname = ""
            if path.is_file():
                with open(path, "rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    return buf.getvalue()


class DockerRuntime(Runtime):
    name = "docker"

    def __init__(self, root: Path, project, profile: str = "local", images: str = "") -> None:
        super().__init__(root, project, profile)
        self.layout = Layout(self.root)
        state = self.layout.read_state()
        # a running stack keeps its image set until `down`; then the flag, else official
        running = state.get("runtime") == self.name and state.get("services")
        self.image_set = (state.get("images") if running else "") or images or state.get("images") or "official"
        if self.image_set not in IMAGE_SETS:
            raise StackError(f"unknown image set `{self.image_set}`", hint="use --images official or --images local")
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = connect()
        return self._client

    def services(self) -> list:
        gone = skipped(self.project.stack, self.image_set)
        return start_order([s for s in self.project.stack.services if "docker" in s.runtimes and s.name not in gone])

    def _containers(self) -> dict:
        found = self.client.containers.list(all=True, filters={"label": f"{LABEL}={self.project.stack.name}"})
        return {c.labels.get("io.obsgate.service"): c for c in found}

    def up(self) -> UpResult:
        result = UpResult(skipped=skipped(self.project.stack, self.image_set))
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
        result.timings["render"] = time.monotonic() - t0
        t0 = time.monotonic()
        refs = self._images(todo)
        params = {s.name: container_params(s, stack, self.root, self.layout, image_set=self.image_set, refs=refs,
                                          profile=stack.profile(self.profile))
                  for s in todo}
        result.timings["images"] = time.monotonic() - t0
        state = {"runtime": self.name, "images": self.image_set, "profile": self.profile, "root": str(self.root),
                 "started_at": time.time(), "skipped": result.skipped,
                 "stand_ins": {s.name: substitute(s, self.image_set).stand_in for s in self.services()
                               if substitute(s, self.image_set).stand_in},
                 "services": {s.name: {"container": f"{project_name(stack)}-{s.name}"} for s in self.services()}}
        self.layout.write_state(state)  # before anything is created: `down` finds it from any process
        t0 = time.monotonic()
        with deferred(reraise=True):  # a network or volume is recorded by its label the moment it exists
            if not self.client.networks.list(names=[project_name(stack)]):
                self.client.networks.create(**network_params(stack))
            have = {v.name for v in self.client.volumes.list(filters={"label": f"{LABEL}={stack.name}"})}
            for vol in volume_params(stack):
                if vol["name"] not in have:
                    self.client.volumes.create(**vol)
        # Prometheus last: its backfilled history must end as late as possible before the smoke reads it.
        last = [s for s in todo if s.name == "prometheus" and not any("prometheus" in o.depends_on for o in todo)]
        first = [s for s in todo if s not in last]

        def create(svc):
            old = existing.get(svc.name)
            if old is not None:
                old.remove(force=True)
            container = self.client.containers.create(**params[svc.name])
            if svc.name == "prometheus":
                t1 = time.monotonic()
                state["backfill"] = self._backfill(container)
                result.timings["backfill"] = time.monotonic() - t1
            container.start()
            return svc.name

        # Held signals: every container created is started and findable by its label before SIGTERM acts;
        # `down` then removes them all. Creating them in parallel keeps the hold short.
        with deferred(reraise=True):
            with ThreadPoolExecutor(max_workers=6) as pool:
                for batch in (first, last):
                    result.started += list(pool.map(create, batch))
            self.layout.write_state(state)
        result.timings["start"] = time.monotonic() - t0
        return result

    def _images(self, todo) -> dict:
        """Image references by set: local images are built (or found cached); official ones pulled/built."""
        if self.image_set == "local":
            images.build_local(self.client, self.root)
            return images.local_refs(self.root)
        done = set()
        for svc in todo:
            ref = image_ref(svc)
            if ref in done:
                continue
            if svc.build:
                self.client.images.build(path=str((self.root / svc.build).resolve()), tag=ref, rm=True)
            else:
                self.client.images.pull(svc.image, tag=svc.tag)
            done.add(ref)
        return {}

    def _backfill(self, container) -> dict:
        """History blocks written by the host's promtool, copied into Prometheus' data volume before it starts."""
        promtool = tools.find("promtool", self.root)
        if not promtool.found:
            return {"skipped": "promtool is not installed on the host (run `make tools`)"}
        work = self.layout.service_dir("prometheus") / "backfill"
        shutil.rmtree(work, ignore_errors=True)
        target = config.target_for(self.project, self.layout, "docker", self.profile)
        done = backfill.prepare(self.project, target, self.profile, promtool.path, work / "blocks", work)
        if "skipped" in done or not (work / "blocks").is_dir():
            return done
        container.put_archive(PROM_DATA, _tar_dir(work / "blocks", PROM_UID))
        return done

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
        model = os.environ.get("OBSGATE_OLLAMA_MODEL", OLLAMA_MODEL)
        httpjson.post(f"http://127.0.0.1:{self.project.stack.service('ollama').port}/api/pull",
                      {"model": model, "stream": False}, timeout=900)

    def logs(self, service: str, lines: int = 20) -> str:
        c = self._containers().get(service)
        if c is None:
            return tail(self.layout.log(service), lines)
        return c.logs(tail=lines).decode(errors="replace")

    def down(self, wipe: bool = False) -> list[str]:
        stack = self.project.stack
        found = self._containers()
        stopped = [n for n, c in found.items() if c.status == "running"]

        def stop(name: str) -> None:
            c = found[name]
            if c.status == "running":
                c.stop(timeout=10)
            path = self.layout.log(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(c.logs())  # kept for CI artifacts after the container is gone
            c.remove(force=True)

        with ThreadPoolExecutor(max_workers=8) as pool:  # each stop waits for its process; in parallel
            list(pool.map(stop, list(found)))
        for net in self.client.networks.list(names=[project_name(stack)]):
            net.remove()
        if wipe:
            for vol in self.client.volumes.list(filters={"label": f"{LABEL}={stack.name}"}):
                vol.remove(force=True)
            for vol in self.client.volumes.list(filters={"name": project_name(stack) + "_"}):
                vol.remove(force=True)  # volumes an older obsgate (or compose) made without the label
            shutil.rmtree(self.layout.config, ignore_errors=True)
        # No services any more, but the runtime is remembered: a later `down --wipe` removes these volumes.
        self.layout.write_state({"runtime": self.name, "images": self.image_set, "stopped_at": time.time()})
        return stopped

    def status(self) -> list[ServiceState]:
        found = self._containers()
        gone = skipped(self.project.stack, self.image_set)
        out = []
        for svc in self.project.stack.services:
            if "docker" not in svc.runtimes:
                out.append(ServiceState(svc.name, "skipped", svc.port, reason="native only"))
                continue
            if svc.name in gone:
                out.append(ServiceState(svc.name, "skipped", svc.port, reason=gone[svc.name]))
                continue
            c = found.get(svc.name)
            state = "stopped" if c is None else ("running" if c.status == "running" else c.status)
            out.append(ServiceState(svc.name, state, svc.port, url=f"http://127.0.0.1:{svc.port}",
                                    reason=substitute(svc, self.image_set).stand_in))
        return out
