"""Alert and recording rules (Prometheus and Loki), their runbooks, tests and live scenarios."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

import promql_parser

from .limits import parse_promql
from .source import SourceRef, caller_source, fail
from .testcase import LokiTestCase, TestCase

CAMEL = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$|^[A-Z][A-Za-z0-9]*$")
SEVERITIES = ("critical", "warning", "info")
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
TEMPLATE_REF = re.compile(r"{{\s*(.*?)\s*}}")
LABEL_REF = re.compile(r"^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$")
LABEL_VALUE = re.compile(r"^[a-z][a-z0-9_-]*$")
# Labels obsgate sets from fields: `component` routes the alert, `family` ties the warning and critical
# alerts of one condition together so that the critical one inhibits the other.
FIELD_LABELS = ("severity", "alertname", "component", "family")


def check_duration(src: SourceRef, kind: str, name: str, fname: str, value: str, allow_zero: bool = True) -> None:
    zero = isinstance(value, str) and re.fullmatch(r"0+(ms|s|m|h|d|w|y)", value) is not None
    ok = isinstance(value, str) and (DURATION.match(value) is not None) and (allow_zero or not zero)
    if ok and not zero:
        try:
            promql_parser.parse_duration(value)
        except Exception:  # the parser is the authority on what Prometheus accepts
            ok = False
    if not ok:
        fail(src, kind, name, fname, value, "is not a valid duration", "write it like `30s`, `5m`, `1h30m`")


def expand_labels(template: str, labels: Mapping[str, str]) -> str | None:
    """Expand `{{ $labels.x }}` references; None when the template needs more (e.g. `$value`)."""
    out, pos = [], 0
    for m in TEMPLATE_REF.finditer(template):
        ref = LABEL_REF.match(m.group(1))
        if not ref:
            return None
        out.append(template[pos:m.start()])
        out.append(labels.get(ref.group(1), "<no value>"))
        pos = m.end()
    out.append(template[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Suppress:
    """Silences one check for one rule or panel; the reason is mandatory and shown in reports."""

    check: str
    reason: str

    def __post_init__(self) -> None:
        if not self.reason or len(self.reason.strip()) < 8:
            raise ValueError(f"suppression of `{self.check}` needs a reason of a few words")


def suppression(suppress, check: str) -> Suppress | None:
    """The Suppress of `check` among a definition's (or a finding's subject's) suppressions, if any."""
    return next((s for s in suppress if s.check == check), None)


class Suppressible:
    """A definition with `suppress=(Suppress(...), ...)`: rules and alerts."""

    def suppressed(self, check: str) -> Suppress | None:
        return suppression(self.suppress, check)


STEP_KINDS = ("promql", "logql", "shell", "link")
LIKELIHOODS = ("high", "medium", "low")


@dataclass(frozen=True)
class Step:
    """An investigation step; define shared ones once and reuse them across runbooks.

    `lang` is its kind: `promql` or `logql` (a query, checked against the catalog and run by the live gate),
    `shell` (a command to run on the host), or `link` (`query` is the URL: a Langfuse or trace search, a
    Grafana panel). Write a value the reader fills in as `<name>`, e.g. `persona="<persona>"`.
    """

    title: str
    query: str = ""
    lang: str = "promql"
    note: str = ""
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.lang not in STEP_KINDS:
            fail(self.source, "runbook step", self.title, "lang", self.lang, "is not a step kind",
                 "use " + ", ".join(STEP_KINDS))
        if self.lang in ("shell", "link") and not self.query.strip():
            fail(self.source, "runbook step", self.title, "query", self.query, "is empty",
                 "a shell step needs its command, a link step its URL")
        if self.lang == "link" and not self.query.startswith(("http://", "https://")):
            fail(self.source, "runbook step", self.title, "query", self.query, "is not an http(s) URL")


@dataclass(frozen=True)
class Cause:
    """A likely root cause: how to confirm it, how to fix it, and how likely it is (high, medium, low)."""

    cause: str
    confirm: str
    fix: str
    likelihood: str = ""
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.likelihood and self.likelihood not in LIKELIHOODS:
            fail(self.source, "root cause", self.cause, "likelihood", self.likelihood, "is not a likelihood",
                 "use high, medium or low")


@dataclass(frozen=True)
class Runbook:
    """What a responder reads: impact, investigation steps, likely causes (a table with likelihood), fixes
    (Markdown: fenced code blocks are kept), a prevention checklist (a tuple of items, or one sentence)."""

    impact: str
    causes: tuple[Cause, ...]
    quick_fix: str
    long_term_fix: str
    prevention: str | tuple[str, ...]
    steps: tuple[Step, ...] = ()
    related: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "causes", tuple(self.causes))
        object.__setattr__(self, "steps", tuple(self.steps))
        if not isinstance(self.prevention, str):
            object.__setattr__(self, "prevention", tuple(self.prevention))

    @property
    def checklist(self) -> tuple[str, ...]:
        return self.prevention if isinstance(self.prevention, tuple) else ()


@dataclass(frozen=True)
class Effect:
    """What a simulator fault does to one series: counter rate, gauge value, or histogram observations."""

    metric: object  # a catalog Metric (or its name)
    labels: Mapping[str, str] = field(default_factory=dict)
    rate: float | None = None  # counters: increments per second; histograms: observations per second
    value: float | None = None  # gauges: the value to hold
    observe: float | None = None  # histograms: the value each observation records

    def __post_init__(self) -> None:
        object.__setattr__(self, "metric", getattr(self.metric, "name", self.metric))
        if self.rate is None and self.value is None and self.observe is None:
            raise ValueError(f"effect on `{self.metric}` sets none of rate, value, observe")


@dataclass(frozen=True)
class LogEffect:
    """A simulator fault that pushes log lines to Loki: `line` (a JSON/logfmt line) `per_second` times."""

    stream: Mapping[str, str]
    line: str
    per_second: float = 5.0


@dataclass(frozen=True)
class History:
    """An alert driven by history rather than a fault: a linear series the live gate backfills.

    The series ends at `end_value` when Prometheus starts and changed by `slope` per second over
    `span` before that; it carries the metric's job and `labels`.
    """

    metric: object  # a catalog Metric (or its name)
    labels: Mapping[str, str] = field(default_factory=dict)
    end_value: float = 0.0
    slope: float = 0.0
    span: str = "30m"

    def __post_init__(self) -> None:
        object.__setattr__(self, "metric", getattr(self.metric, "name", self.metric))


@dataclass(frozen=True)
class Scenario:
    """How the live gate drives an alert: a named simulator fault, its effects, the labels expected.

    Faults with the same name on the same target must have the same effects (define them once).
    `metrics_down` makes the target answer /metrics with 503, so `up` drops to 0.
    """

    fault: str
    target: str
    effects: tuple[Effect, ...] = ()
    logs: tuple[LogEffect, ...] = ()
    metrics_down: bool = False
    expect_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "effects", tuple(self.effects))
        object.__setattr__(self, "logs", tuple(self.logs))
        if not (self.effects or self.logs or self.metrics_down):
            raise ValueError(f"scenario `{self.fault}` has no effect: give effects, logs or metrics_down=True")


def _check_tests_tuple(rule, kind: str, name: str) -> None:
    """`tests=TestCase(...)` (no tuple) is the usual slip; say so instead of "not iterable"."""
    if not isinstance(rule.tests, (tuple, list)):
        fail(rule.source, kind, name, "tests", type(rule.tests).__name__, "is not a tuple of test cases",
             "write `tests=(TestCase(...),)`: one case needs the trailing comma")


def _common_alert_checks(rule, kind: str) -> None:
    src, n = rule.source, rule.name
    _check_tests_tuple(rule, kind, str(n))
    if not isinstance(n, str) or not CAMEL.match(n) or "_" in n:
        fail(src, kind, str(n), "name", n, "is not CamelCase", "name alerts like `HighErrorRate`")
    if rule.severity not in SEVERITIES:
        fail(src, kind, n, "severity", rule.severity, "is not a severity", "use one of critical, warning, info")
    for fname in ("summary", "description"):
        if not getattr(rule, fname) or not str(getattr(rule, fname)).strip():
            fail(src, kind, n, fname, getattr(rule, fname), "is empty", f"every alert needs a {fname}")
    check_duration(src, kind, n, "for_", rule.for_)
    if rule.keep_firing_for:
        check_duration(src, kind, n, "keep_firing_for", rule.keep_firing_for)
    for key in FIELD_LABELS:
        if key in rule.labels:
            fail(src, kind, n, f"labels.{key}", rule.labels[key], "is set by obsgate",
                 f"use the {key if key != 'alertname' else 'name'} field")
    for key in ("component", "family"):
        value = getattr(rule, key)
        if value and not LABEL_VALUE.match(value):
            fail(src, kind, n, key, value, "is not a lower-case label value", "e.g. `lancedb` or `lancedb-disk`")
    if rule.deviation and len(rule.deviation.strip()) < 12:
        fail(src, kind, n, "deviation", rule.deviation, "is too short to be a reason",
             "say which specified value differs and why ours is kept")
    for key in ("summary", "description", "runbook_url"):
        if key in rule.annotations:
            fail(src, kind, n, f"annotations.{key}", rule.annotations[key], "is set by obsgate", f"use the {key} field")
    object.__setattr__(rule, "labels", dict(sorted(rule.labels.items())))
    object.__setattr__(rule, "annotations", dict(sorted(rule.annotations.items())))
    object.__setattr__(rule, "tests", tuple(rule.tests))
    object.__setattr__(rule, "suppress", tuple(rule.suppress))


@dataclass(frozen=True)
class AlertRule(Suppressible):
    name: str
    expr: str
    severity: str
    summary: str
    description: str
    for_: str = "0s"
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    category: str = ""
    tests: tuple[TestCase, ...] = ()
    runbook: Runbook | None = None
    scenario: Scenario | None = None
    no_scenario: str = ""
    history: History | None = None
    keep_firing_for: str = ""
    suppress: tuple[Suppress, ...] = ()
    component: str = ""  # routes the alert; the rule group's component when empty
    family: str = ""  # one condition's warning and critical alerts share it, so the critical inhibits the warning
    deviation: str = ""  # why a value differs from the monitored system's specification (shown in docs, runbook)
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        _common_alert_checks(self, "alert")
        try:
            parse_promql(self.expr)
        except Exception as exc:
            fail(self.source, "alert", self.name, "expr", self.expr, f"does not parse: {exc}")
        for test in self.tests:
            if not isinstance(test, TestCase):
                fail(self.source, "alert", self.name, "tests", type(test).__name__, "is not a TestCase")
        for text in (self.summary, self.description):
            if expand_labels(text, {}) is None:
                for test in self.tests:
                    for exp in test.alerts:
                        if not exp.annotations:
                            fail(test.source, "alert", self.name, "tests", test.name,
                                 "expects an alert whose annotations use more than `$labels`",
                                 "give Expect(annotations={...}) with the rendered summary and description")


@dataclass(frozen=True)
class RecordingRule(Suppressible):
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)
    tests: tuple[TestCase, ...] = ()
    suppress: tuple[Suppress, ...] = ()
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.record

    def __post_init__(self) -> None:
        if not re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$", self.record) or ":" not in self.record:
            fail(self.source, "recording rule", self.record, "record", self.record,
                 "is not a level:metric:operations name", "name it like `job:http_requests:rate5m`")
        try:
            parse_promql(self.expr)
        except Exception as exc:
            fail(self.source, "recording rule", self.record, "expr", self.expr, f"does not parse: {exc}")
        object.__setattr__(self, "labels", dict(sorted(self.labels.items())))
        _check_tests_tuple(self, "recording rule", self.record)
        object.__setattr__(self, "tests", tuple(self.tests))


@dataclass(frozen=True)
class LokiAlertRule(Suppressible):
    """A Loki ruler alert: `expr` is LogQL, checked by the real Loki toolchain.

    Write the range of a range aggregation as `$window` (e.g. `count_over_time({...}[$window])`): the
    ci profile compresses it, because LogQL cannot be rewritten through a PromQL AST.
    """

    name: str
    expr: str
    severity: str
    summary: str
    description: str
    for_: str = "0s"
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    category: str = ""
    tests: tuple[LokiTestCase, ...] = ()
    runbook: Runbook | None = None
    scenario: Scenario | None = None
    no_scenario: str = ""
    keep_firing_for: str = ""
    suppress: tuple[Suppress, ...] = ()
    window: str = "5m"
    component: str = ""
    family: str = ""
    deviation: str = ""
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        _common_alert_checks(self, "loki alert")
        if not self.expr.strip():
            fail(self.source, "loki alert", self.name, "expr", self.expr, "is empty")
        check_duration(self.source, "loki alert", self.name, "window", self.window, allow_zero=False)

    def expr_with_window(self, window: str) -> str:
        return self.expr.replace("$window", window)

    @property
    def rendered_expr(self) -> str:
        return self.expr_with_window(self.window)


def _default_component(group, alerts) -> None:
    if group.component and not LABEL_VALUE.match(group.component):
        fail(group.source, "rule group", group.name, "component", group.component, "is not a lower-case label value")
    for rule in alerts:
        if not rule.component and group.component:
            object.__setattr__(rule, "component", group.component)


@dataclass(frozen=True)
class RuleGroup:
    """One domain's Prometheus rules -> generated/prometheus/rules/<name>.yml."""

    name: str
    rules: tuple
    interval: str = ""
    component: str = ""  # the `component` of every alert of the group that names none itself
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not re.match(r"^[a-z][a-z0-9_]*$", self.name):
            fail(self.source, "rule group", self.name, "name", self.name, "is not snake_case", "it names the file")
        if self.interval:
            check_duration(self.source, "rule group", self.name, "interval", self.interval, allow_zero=False)
        object.__setattr__(self, "rules", tuple(self.rules))
        if not self.rules:
            fail(self.source, "rule group", self.name, "rules", "()", "is empty", "a group needs at least one rule")
        for rule in self.rules:
            if not isinstance(rule, (AlertRule, RecordingRule)):
                fail(self.source, "rule group", self.name, "rules", type(rule).__name__,
                     "is not an AlertRule or RecordingRule", "put Loki rules in a LokiRuleGroup")
        _default_component(self, self.alerts)

    @property
    def alerts(self) -> tuple[AlertRule, ...]:
        return self._split()[0]

    @property
    def recordings(self) -> tuple[RecordingRule, ...]:
        return self._split()[1]

    def _split(self) -> tuple[tuple, tuple]:
        """(alerts, recordings), sorted out once: generate and validate ask a group for them per rule."""
        split = self.__dict__.get("_split_rules")
        if split is None:
            split = (tuple(r for r in self.rules if isinstance(r, AlertRule)),
                     tuple(r for r in self.rules if isinstance(r, RecordingRule)))
            object.__setattr__(self, "_split_rules", split)
        return split


@dataclass(frozen=True)
class LokiRuleGroup:
    """One domain's Loki ruler rules -> generated/loki/rules/<tenant>/<name>.yml."""

    name: str
    rules: tuple
    tenant: str = "fake"
    interval: str = ""
    component: str = ""
    source: SourceRef = field(default_factory=caller_source, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not re.match(r"^[a-z][a-z0-9_]*$", self.name):
            fail(self.source, "loki rule group", self.name, "name", self.name, "is not snake_case")
        object.__setattr__(self, "rules", tuple(self.rules))
        if not self.rules:
            fail(self.source, "loki rule group", self.name, "rules", "()", "is empty")
        for rule in self.rules:
            if not isinstance(rule, LokiAlertRule):
                fail(self.source, "loki rule group", self.name, "rules", type(rule).__name__, "is not a LokiAlertRule")
        _default_component(self, self.rules)

    @property
    def alerts(self) -> tuple[LokiAlertRule, ...]:
        return self.rules
