"""The one interface both runtimes implement (up, wait_healthy, logs, down, status) and its errors."""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path


class StackError(Exception):
    """A failure the user can act on: a message, a hint, and evidence (e.g. the last log lines)."""

    def __init__(self, message: str, hint: str = "", details: str = "") -> None:
        super().__init__(message)
        self.message, self.hint, self.details = message, hint, details

    def render(self) -> str:
        out = f"error: {self.message}"
        if self.hint:
            out += f"\n  hint: {self.hint}"
        if self.details:
            out += "\n" + "\n".join("  | " + line for line in self.details.rstrip("\n").splitlines())
        return out


class PortInUse(StackError):
    pass


class HealthTimeout(StackError):
    pass


@dataclass
class ServiceState:
    """What `status` reports per service; `state` is running, stopped, exited, skipped or starting."""

    name: str
    state: str
    port: int = 0
    pid: int = 0
    reason: str = ""
    log: str = ""
    url: str = ""

    def line(self) -> str:
        extra = f" pid {self.pid}" if self.pid else ""
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.name:<20} {self.state:<8} {('127.0.0.1:' + str(self.port)) if self.port else '':<16}{extra}{why}"


@dataclass
class UpResult:
    """What `up` did: services it started, those already running, those skipped with the reason."""

    started: list[str] = field(default_factory=list)
    already_running: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class Runtime(abc.ABC):
    """Start, probe, inspect and stop the stack of one project with one profile."""

    name = "base"

    def __init__(self, root: Path, project, profile: str = "local") -> None:
        self.root = Path(root).resolve()
        self.project = project
        self.profile = profile

    @abc.abstractmethod
    def up(self) -> UpResult:
        """Start every service not running yet; raise StackError (after cleaning up) on failure."""

    @abc.abstractmethod
    def wait_healthy(self, timeout: float = 60.0, names=None) -> dict[str, float]:
        """Block until every started service answers its health check; seconds each took."""

    @abc.abstractmethod
    def logs(self, service: str, lines: int = 20) -> str:
        """The last `lines` lines a service logged."""

    @abc.abstractmethod
    def down(self, wipe: bool = False) -> list[str]:
        """Stop every service (never raises for one that is already gone); data survives unless wipe."""

    @abc.abstractmethod
    def status(self) -> list[ServiceState]:
        """Every service of the stack and whether it runs."""
