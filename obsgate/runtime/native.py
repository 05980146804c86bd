"""The stack as local processes: .tools/bin binaries and `python -m` modules, on 127.0.0.1, same ports.

Each service runs in its own process group (so `down` takes its children too), with its data dir, log
file and pid file under .run/<service>/. The state file lists what runs, so a second `up` starts nothing
twice and `down` works from another process.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from .. import tools
from . import backfill, config, health, ports, procs
from .base import PortInUse, Runtime, ServiceState, StackError, UpResult
from .layout import Layout, tail
from .signals import deferred

# Why a docker-only service has no local process (the smoke report repeats it).
STAND_INS = {"ollama": "docker only; the LLM gateway's built-in simulator backend stands in for it"}
# Ports a service opens beyond its main one (checked before start, released after down). The native `loki`
# is obsgate's log store (obsgate.sim.logstore), which serves everything on its HTTP port.
EXTRA_PORTS: dict[str, tuple[int, ...]] = {}


def start_order(services) -> list:
    """Dependencies first (depends_on), otherwise the stack's order."""
    by_name = {s.name: s for s in services}
    done: list = []

    def visit(svc, path=()):
        if svc in done or svc.name in path:
            return
        for dep in svc.depends_on:
            if dep in by_name:
                visit(by_name[dep], path + (svc.name,))
        done.append(svc)

    for svc in services:
        visit(svc)
    return done


class NativeRuntime(Runtime):
    name = "native"

    def __init__(self, root: Path, project, profile: str = "local") -> None:
        super().__init__(root, project, profile)
        self.layout = Layout(self.root)

    # --- which services run, and how -------------------------------------------------------------
    def plan(self) -> tuple[list, dict[str, str]]:
        """(services to run, {skipped service: reason})."""
        run, skipped = [], {}
        for svc in self.project.stack.services:
            if "native" not in svc.runtimes or svc.native is None:
                binary = svc.native.binary if svc.native else svc.name
                if svc.name in STAND_INS:
                    skipped[svc.name] = STAND_INS[svc.name]
                elif binary in tools.UNOBTAINABLE and not self._binary(binary):
                    skipped[svc.name] = f"no `{binary}` binary in .tools/bin or PATH: {tools.UNOBTAINABLE[binary]}"
                else:
                    skipped[svc.name] = "docker only (the stack gives it no native command)"
                continue
            if svc.native.binary and not self._binary(svc.native.binary) and svc.native.binary in tools.UNOBTAINABLE:
                skipped[svc.name] = f"no `{svc.native.binary}` binary: {tools.UNOBTAINABLE[svc.native.binary]}"
                continue
            run.append(svc)
        return start_order(run), skipped

    def _binary(self, name: str) -> str:
        built = tools.bin_dir(self.root) / name
        if built.is_file() and os.access(built, os.X_OK):
            return str(built)
        return shutil.which(name) or ""

    def command(self, svc) -> tuple[list[str], dict[str, str]]:
        nat = svc.native
        binary = self._binary(nat.binary) if nat.binary else ""
        values = {"gen": str(self.layout.gen), "data": str(self.layout.data(svc.name)),
                  "tools": str(tools.bin_dir(self.root)), "port": str(svc.port), "root": str(self.root),
                  "run": str(self.layout.run), "home": str(Path(binary).resolve().parent.parent) if binary else "",
                  "ports": {s.name: s.port for s in self.project.stack.services},
                  "profile": self.project.stack.profile(self.profile)}
        args = [a.format_map(values) for a in nat.args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **{k: v.format_map(values) for k, v in nat.env.items()}}
        if nat.python_module:
            return [sys.executable, "-m", nat.python_module, *args], env
        if not binary:
            raise StackError(f"service `{svc.name}` needs the `{nat.binary}` binary, which is not installed",
                             hint="run `make tools` (builds the pinned binaries into .tools/bin)")
        return [binary, *args], env

    # --- state ------------------------------------------------------------------------------------
    def recorded(self) -> dict[str, procs.Proc]:
        """Processes recorded by earlier `up`s: the state file, plus pid files (if the state was lost)."""
        found: dict[str, procs.Proc] = {}
        for name, rec in self.layout.read_state().get("services", {}).items():
            found[name] = procs.Proc(rec["pid"], rec["start"])
        for svc in self.project.stack.services:
            if svc.name in found:
                continue
            try:
                pid, start = self.layout.pid_file(svc.name).read_text().split()
                found[svc.name] = procs.Proc(int(pid), int(start))
            except (OSError, ValueError):
                continue
        return found

    def running(self) -> dict[str, procs.Proc]:
        return {n: p for n, p in self.recorded().items() if procs.alive(p)}

    def record(self, state: dict, name: str, proc: procs.Proc, cmd: list[str], port: int) -> None:
        state.setdefault("services", {})[name] = {**proc.as_dict(), "port": port, "cmd": cmd}
        self.layout.write_state(state)
        self.layout.pid_file(name).write_text(f"{proc.pid} {proc.start}\n")

    # --- the interface ----------------------------------------------------------------------------
    def up(self) -> UpResult:
        result = UpResult()
        t0 = time.monotonic()
        services, result.skipped = self.plan()
        alive = self.running()
        state = self.layout.read_state() if alive else {}
        if alive and state.get("profile") and state["profile"] != self.profile:
            self.profile = state["profile"]  # a running stack keeps its profile until `down`
        result.already_running = [s.name for s in services if s.name in alive]
        todo = [s for s in services if s.name not in alive]
        self._started = [s.name for s in todo]
        if not todo:
            return result
        self._check_ports(todo)
        commands = {}
        target = config.target_for(self.project, self.layout, "native", self.profile)
        if not alive:
            config.render_or_fail(self.project, self.layout, target)
        config.write_secrets(self.project, self.layout, target)
        result.timings["render"] = time.monotonic() - t0
        for svc in todo:
            commands[svc.name] = self.command(svc)  # fails on a missing binary before anything starts
        state = {**state, "runtime": self.name, "profile": self.profile, "root": str(self.root),
                 "started_at": state.get("started_at") or time.time(), "skipped": result.skipped}
        state.setdefault("services", {})
        if any(s.name == "prometheus" for s in todo):
            t1 = time.monotonic()
            state["backfill"] = self._backfill()
            result.timings["backfill"] = time.monotonic() - t1
        self.layout.write_state(state)
        t1 = time.monotonic()
        for svc in todo:
            self.layout.data(svc.name).mkdir(parents=True, exist_ok=True)
            cmd, env = commands[svc.name]
            with deferred(reraise=True):  # no signal between starting a process and recording its pid
                proc = procs.spawn(cmd, self.layout.log(svc.name), self.layout.service_dir(svc.name), env)
                self.record(state, svc.name, proc, cmd, svc.port)
                result.started.append(svc.name)
        result.timings["spawn"] = time.monotonic() - t1
        return result

    def _backfill(self) -> dict:
        target = config.target_for(self.project, self.layout, "native", self.profile)
        return backfill.prepare(self.project, target, self.profile, self._binary("promtool"),
                                self.layout.data("prometheus"), self.layout.service_dir("prometheus"))

    def _check_ports(self, services) -> None:
        busy = []
        for svc in services:
            for port in (svc.port, *EXTRA_PORTS.get(svc.name, ())):
                if ports.in_use(port):
                    who = ports.holder(port)
                    busy.append(f"port {port} (service `{svc.name}`) is in use by {who or 'another process (owner not visible)'}")
        if busy:
            raise PortInUse(busy[0] if len(busy) == 1 else f"{len(busy)} ports are in use",
                            hint="stop that process (or `obsgate down` if it is an earlier stack) and retry",
                            details="\n".join(busy))

    def wait_healthy(self, timeout: float = 60.0, names=None) -> dict[str, float]:
        names = list(names if names is not None else getattr(self, "_started", []))
        stack = self.project.stack
        checks = {n: health.Check(stack.service(n).health_kind, stack.service(n).port, stack.service(n).health or "/")
                  for n in names}
        recorded = self.recorded()
        return health.wait_all(checks, timeout, running=lambda n: n in recorded and procs.alive(recorded[n]),
                               log_tail=lambda n: self.logs(n, 20))

    def logs(self, service: str, lines: int = 20) -> str:
        return tail(self.layout.log(service), lines)

    def down(self, wipe: bool = False) -> list[str]:
        recorded = self.recorded()
        stack = self.project.stack
        order = [s.name for s in reversed(start_order(list(stack.services))) if s.name in recorded]
        order += [n for n in recorded if n not in order]
        was_alive = [n for n in order if procs.alive(recorded[n])]
        left = procs.stop_all({n: recorded[n] for n in order})
        stopped = [n for n in was_alive if n not in left]
        for name in order:
            if name not in left:
                self.layout.pid_file(name).unlink(missing_ok=True)
        busy = self.wait_ports_released([s for s in stack.services if s.name in recorded])
        if left:
            self.layout.write_state({**self.layout.read_state(),
                                     "services": {n: recorded[n].as_dict() for n in left}})
            raise StackError("some processes survived `down`: " + ", ".join(f"{n} (pids {p})" for n, p in left.items()),
                             hint="kill them by pid, then run `obsgate down` again")
        self.layout.clear_state()
        if wipe:
            for svc in stack.services:
                shutil.rmtree(self.layout.data(svc.name), ignore_errors=True)
            shutil.rmtree(self.layout.config, ignore_errors=True)
            shutil.rmtree(self.layout.secrets, ignore_errors=True)
        if busy:
            raise StackError("ports still in use after `down`: " + ", ".join(busy),
                             hint="another process holds them; see `obsgate up` for its pid")
        return stopped

    def wait_ports_released(self, services, timeout: float = 5.0) -> list[str]:
        deadline = time.monotonic() + timeout
        wanted = [p for s in services for p in (s.port, *EXTRA_PORTS.get(s.name, ()))]
        while True:
            busy = [f"{p} ({ports.holder(p) or 'owner not visible'})" for p in wanted if ports.in_use(p)]
            if not busy or time.monotonic() > deadline:
                return busy
            time.sleep(0.1)

    def status(self) -> list[ServiceState]:
        services, skipped = self.plan()
        recorded = self.recorded()
        out = []
        for svc in self.project.stack.services:
            if svc.name in skipped:
                out.append(ServiceState(svc.name, "skipped", svc.port, reason=skipped[svc.name]))
                continue
            proc = recorded.get(svc.name)
            if proc and procs.alive(proc):
                out.append(ServiceState(svc.name, "running", svc.port, proc.pid, log=str(self.layout.log(svc.name)),
                                        url=f"http://127.0.0.1:{svc.port}"))
            elif proc:
                out.append(ServiceState(svc.name, "exited", svc.port, proc.pid, reason="process is gone",
                                        log=str(self.layout.log(svc.name))))
            else:
                out.append(ServiceState(svc.name, "stopped", svc.port))
        return out

    def state(self) -> dict:
        return self.layout.read_state()
