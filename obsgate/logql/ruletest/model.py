"""The data of a LogQL rule test run: rules, test cases, expectations, alerts and failures."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    name: str
    expr: str
    for_s: float
    keep_firing_for_s: float
    labels: dict
    annotations: dict
    interval_s: float
    group: str
    path: str
    line: int


@dataclass(frozen=True)
class ExpAlert:
    labels: dict
    annotations: dict


@dataclass(frozen=True)
class AlertTest:
    eval_time: str
    eval_s: float
    alertname: str
    exp_alerts: tuple
    line: int


@dataclass(frozen=True)
class InputStream:
    labels: dict
    lines: tuple  # (offset seconds, line text), in file order


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class

    name: str
    streams: tuple
    alert_tests: tuple
    line: int

    @property
    def horizon_s(self) -> float:
        """The latest instant the test touches (a line or an evaluation), relative to its start."""
        times = [ts for s in self.streams for ts, _ in s.lines] + [t.eval_s for t in self.alert_tests]
        return max(times, default=0.0)


@dataclass(frozen=True)
class TestFile:
    __test__ = False

    path: str
    rules: dict  # alertname -> Rule
    tests: tuple
    line: int = 1


@dataclass(frozen=True)
class Alert:
    labels: dict
    annotations: dict

    def key(self) -> tuple:
        return (sorted(self.labels.items()), sorted(self.annotations.items()))


@dataclass
class Failure:
    test: str
    alertname: str
    eval_time: str
    exp: list = field(default_factory=list)
    got: list = field(default_factory=list)
    error: str = ""
    line: int = 0


@dataclass
class FileResult:
    path: str
    tests: int = 0
    failures: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures
