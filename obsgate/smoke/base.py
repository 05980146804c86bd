"""What every smoke check returns (a Case with its evidence) and what it reads (the Context)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..problem import Problem, Severity
from . import http

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass
class Case:
    """One smoke case: pass/fail/skip, and the evidence a person can rerun (query, value, time taken)."""

    family: str
    name: str
    status: str = PASSED
    query: str = ""
    value: str = ""
    seconds: float = 0.0
    message: str = ""
    hint: str = ""
    path: str = ""
    line: int = 0

    @property
    def id(self) -> str:
        return f"smoke/{self.family}"

    def fail(self, message: str, hint: str = "") -> "Case":
        self.status, self.message, self.hint = FAILED, message, hint or self.hint
        return self

    def skip(self, reason: str) -> "Case":
        self.status, self.message = SKIPPED, reason
        return self

    def problem(self) -> Problem:
        """The case as the one reporter reads it: INFO passed, WARNING `skipped: why`, ERROR failed;
        the case's name is the subject, its query and value the details."""
        sev = {PASSED: Severity.INFO, FAILED: Severity.ERROR}.get(self.status, Severity.WARNING)
        details = "\n".join(x for x in (f"query: {self.query}" if self.query else "",
                                        f"value: {self.value}" if self.value else "") if x)
        message = {PASSED: f"passed in {self.seconds:.2f}s", FAILED: self.message}.get(
            self.status, f"skipped: {self.message}")
        return Problem(self.id, sev, message, self.path, self.line, self.hint if self.status == FAILED else "",
                       details, subject=self.name)

    def as_dict(self) -> dict:
        return {"family": self.family, "name": self.name, "status": self.status, "query": self.query,
                "value": self.value, "seconds": round(self.seconds, 3), "message": self.message,
                "path": self.path, "line": self.line}


class timed:
    """`with timed(case): ...` records the seconds the block took into the case."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def __enter__(self) -> Case:
        self.t0 = time.monotonic()
        return self.case

    def __exit__(self, *exc) -> bool:
        self.case.seconds = time.monotonic() - self.t0
        return False


@dataclass
class Context:
    """The running stack as the checks see it: the project, its profile and the services' URLs."""

    project: object
    root: Path
    state: dict = field(default_factory=dict)
    runtime: str = "native"
    profile: str = "local"
    scenario_budget: float = 120.0

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.project.stack.service(service).port}"

    def has(self, service: str) -> bool:
        return self.project.stack.has(service)

    def skipped_reason(self, service: str) -> str:
        """Why the runtime did not start `service` ("" when it runs)."""
        return self.state.get("skipped", {}).get(service, "")

    @property
    def prom(self) -> str:
        return self.url("prometheus")

    def promql(self, expr: str, **params) -> list:
        """An instant query's result vector (raises http.HTTPError with Prometheus' error text)."""
        data = http.get(self.prom + "/api/v1/query", {"query": expr, **params})
        return data["data"]["result"]

    def stack_profile(self):
        return self.project.stack.profile(self.profile)


def poll(fn, timeout: float, interval: float = 0.25):
    """Call fn() until it returns something truthy or `timeout` passes; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        out = fn()
        if out or time.monotonic() >= deadline:
            return out
        time.sleep(interval)
