"""Unit-test cases for rules: promtool's format for PromQL, the same shape for LogQL."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import promql_parser

from .limits import parse_promql
from .source import SourceRef, caller_source, fail


@dataclass(frozen=True)
class Expect:
    """One expected alert: the labels it carries beyond the rule's own, and optional annotations."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    """An expected sample of a `promql_expr_test`."""

    labels: str
    value: float


def _expects(raw) -> tuple[Expect, ...]:
    return tuple(e if isinstance(e, Expect) else Expect(labels=dict(e)) for e in raw)


@dataclass(frozen=True)
class TestCase:
    """Input series in promtool's expanding notation, one evaluation time, the alerts expected.

    `alerts=()` makes a quiet case: the rule must not fire at `at`.
    `promql` adds expression checks (`{expr: (Sample, ...)}`), used for recording rules.
    """

    __test__ = False  # not a pytest class

    name: str
    series: Mapping[str, str]
    at: str
    alerts: tuple = ()
    interval: str = "1m"
    promql: Mapping[str, tuple] = field(default_factory=dict)
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "alerts", _expects(self.alerts))
        if not self.series:
            fail(self.source, "test", self.name, "series", "{}", "is empty", "give the input series")
        for sel in self.series:
            try:
                parse_promql(sel)
            except Exception as exc:
                fail(self.source, "test", self.name, "series", sel, f"is not a series selector: {exc}")
        for fname in ("at", "interval"):
            try:
                promql_parser.parse_duration(getattr(self, fname))
            except Exception:
                fail(self.source, "test", self.name, fname, getattr(self, fname), "is not a duration", "e.g. `10m`")

    @property
    def fires(self) -> bool:
        return bool(self.alerts)


@dataclass(frozen=True)
class LokiTestCase:
    """Log lines pushed into a short-lived Loki, then each rule's query evaluated at `at`.

    `streams` maps a stream selector to `(offset, line)` pairs, offsets relative to the test start.
    """

    __test__ = False

    name: str
    streams: Mapping[str, tuple]
    at: str
    alerts: tuple = ()
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "alerts", _expects(self.alerts))
        if not self.streams:
            fail(self.source, "loki test", self.name, "streams", "{}", "is empty", "give the input log lines")
        for sel, lines in self.streams.items():
            if not sel.startswith("{") or not sel.endswith("}"):
                fail(self.source, "loki test", self.name, "streams", sel, "is not a stream selector",
                     'write it like `{service="llm-gateway"}`')
            for item in lines:
                if not (isinstance(item, tuple) and len(item) == 2):
                    fail(self.source, "loki test", self.name, "streams", item, "is not an (offset, line) pair")
                try:
                    if item[0] != "0s":
                        promql_parser.parse_duration(item[0])
                except Exception:
                    fail(self.source, "loki test", self.name, "streams", item[0], "is not a duration offset")

    @property
    def fires(self) -> bool:
        return bool(self.alerts)
