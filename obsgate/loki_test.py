"""LogQL rule unit tests: promtool's `alert_rule_test` semantics, evaluated by a real Loki.

Upstream Loki has no unit-test command for rules (grafana/loki#7655, #16659), so obsgate runs its own:
each test's `input_streams` are pushed into a short-lived Loki under a tenant of their own, at a fixed
base time + `ts`; each `alert_rule_test` then evaluates the rule's LogQL with instant queries on the
rule group's evaluation grid (0, interval, 2*interval, ...) up to `eval_time`, and derives the alerts
the way Prometheus' rule manager does (pending until `for` has passed, `keep_firing_for` after).

Loading reads the test and rule files; evaluation is pure; `run` talks to a server object with `push`
and `query` (obsgate.loki_server.LokiServer, or a stand-in in unit tests).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from .analysis.durations import seconds as _seconds
from .loki_server import LokiError

DEFAULT_INTERVAL = 60.0  # Loki's ruler evaluation_interval default


class LokiTestError(Exception):
    """Bad input (unreadable test or rule file): reported as `path:line: message` with a hint."""

    def __init__(self, path: str, line: int, message: str, hint: str = ""):
        super().__init__(message)
        self.path, self.line, self.message, self.hint = path, line, message, hint

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


# --- input model ------------------------------------------------------------------------------------

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
class Stream:
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


# --- results ----------------------------------------------------------------------------------------

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


# --- loading ----------------------------------------------------------------------------------------

class _Map(dict):
    line = 0


class _LineLoader(yaml.SafeLoader):
    """Mappings remember the line they start on, so that errors point into the test file."""


def _construct_mapping(loader, node, deep=False):
    m = _Map(loader.construct_mapping(node, deep=True))
    m.line = node.start_mark.line + 1
    return m


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(path: Path, shown: str):
    try:
        text = path.read_text()
    except OSError as exc:
        raise LokiTestError(shown, 0, f"cannot read file: {exc.strerror or exc}") from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LokiTestError(shown, mark.line + 1 if mark else 0, f"invalid YAML: {getattr(exc, 'problem', exc)}",
                            "fix the YAML syntax") from None


def duration(value, path: str, line: int, what: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if text in ("0", "0s"):
        return 0.0
    try:
        return _seconds(text)
    except Exception:
        raise LokiTestError(path, line, f"`{what}` is not a duration: `{value}`", "write it like `90s`, `5m` or `1h30m`") \
            from None


_SELECTOR_PAIR = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_selector(text: str) -> dict:
    """`{service="llm-gateway", level="error"}` -> labels; input streams name exact labels only."""
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise ValueError(f"`{text}` is not a stream selector like `{{service=\"api\"}}`")
    body, labels, pos = body[1:-1].strip(), {}, 0
    while pos < len(body):
        m = _SELECTOR_PAIR.match(body, pos)
        if not m:
            raise ValueError(f"`{text}`: input streams need exact labels `name=\"value\"`, found `{body[pos:]}`")
        labels[m.group(1)] = re.sub(r'\\(.)', r'\1', m.group(2))
        pos = m.end()
    if not labels:
        raise ValueError(f"`{text}` has no labels; Loki needs at least one")
    return labels


def load_rules(path: Path, shown: str) -> dict:
    doc = _load_yaml(path, shown)
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise LokiTestError(shown, 1, "not a rule file: expected `groups: [...]`")
    rules = {}
    for group in doc["groups"]:
        if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
            raise LokiTestError(shown, getattr(group, "line", 0), "a group needs `name` and `rules`")
        interval = duration(group.get("interval", DEFAULT_INTERVAL), shown, group.line, "interval")
        for r in group["rules"]:
            if not isinstance(r, dict) or "alert" not in r:
                continue  # recording rules have nothing to fire
            rules[str(r["alert"])] = Rule(
                name=str(r["alert"]), expr=str(r.get("expr", "")),
                for_s=duration(r.get("for", 0), shown, r.line, "for"),
                keep_firing_for_s=duration(r.get("keep_firing_for", 0), shown, r.line, "keep_firing_for"),
                labels={str(k): str(v) for k, v in (r.get("labels") or {}).items()},
                annotations={str(k): str(v) for k, v in (r.get("annotations") or {}).items()},
                interval_s=interval or DEFAULT_INTERVAL, group=str(group.get("name", "")), path=shown, line=r.line)
    return rules


def load_test_file(path: Path, shown: str | None = None) -> TestFile:
    shown = shown or str(path)
    doc = _load_yaml(path, shown)
    if not isinstance(doc, dict) or not isinstance(doc.get("tests"), list):
        raise LokiTestError(shown, 1, "not a LogQL test file: expected `rule_files` and `tests`",
                            "see obsgate/generate/loki.py test_file() for the format")
    rules: dict = {}
    for rf in doc.get("rule_files") or []:
        rule_path = (path.parent / str(rf))
        rules.update(load_rules(rule_path, _shown_beside(shown, str(rf))))
    tests = tuple(_test_case(t, shown) for t in doc["tests"])
    if not tests:
        raise LokiTestError(shown, doc.line, "`tests` is empty: 0 tests is an error")
    return TestFile(shown, rules, tests)


def _shown_beside(shown: str, rel: str) -> str:
    return os.path.normpath(os.path.join(os.path.dirname(shown), rel))


def _test_case(t, path: str) -> TestCase:
    if not isinstance(t, dict):
        raise LokiTestError(path, 0, "each test must be a mapping with `name`, `input_streams`, `alert_rule_test`")
    line = t.line
    streams = []
    for s in t.get("input_streams") or []:
        try:
            labels = parse_selector(str(s.get("stream", "")))
        except ValueError as exc:
            raise LokiTestError(path, s.line, str(exc)) from None
        lines = []
        for item in s.get("lines") or []:
            if not isinstance(item, dict) or "line" not in item or "ts" not in item:
                raise LokiTestError(path, getattr(item, "line", s.line), "a line needs `ts` and `line`")
            lines.append((duration(item["ts"], path, item.line, "ts"), str(item["line"])))
        streams.append(Stream(labels, tuple(lines)))
    alert_tests = []
    for a in t.get("alert_rule_test") or []:
        exp = tuple(ExpAlert({str(k): str(v) for k, v in (e.get("exp_labels") or {}).items()},
                             {str(k): str(v) for k, v in (e.get("exp_annotations") or {}).items()})
                    for e in (a.get("exp_alerts") or []))
        alert_tests.append(AlertTest(str(a.get("eval_time", "0s")), duration(a.get("eval_time", 0), path, a.line,
                                                                              "eval_time"),
                                     str(a.get("alertname", "")), exp, a.line))
    if not alert_tests:
        raise LokiTestError(path, line, f"test `{t.get('name', '')}` has no `alert_rule_test`")
    return TestCase(str(t.get("name", f"test at line {line}")), tuple(streams), tuple(alert_tests), line)


# --- what Loki is asked -----------------------------------------------------------------------------

def push_streams(case: TestCase, base_ns: int) -> list[tuple[dict, list[tuple[int, str]]]]:
    """The test's lines as Loki push streams at base + ts, in time order.

    Loki drops an entry whose timestamp and text repeat one already in the stream, so lines that
    share a `ts` are spread 1 ns apart: a test that writes the same line twice counts it twice.
    """
    merged: dict[tuple, list] = {}
    for s in case.streams:
        merged.setdefault(tuple(sorted(s.labels.items())), []).extend(s.lines)
    out = []
    for key, lines in merged.items():
        values, seen = [], {}
        for ts, text in sorted(lines, key=lambda x: x[0]):
            ns = base_ns + int(round(ts * 1e9))
            bump = seen.get(ns, 0)
            seen[ns] = bump + 1
            values.append((ns + bump, text))
        values.sort(key=lambda v: v[0])
        out.append((dict(key), values))
    return out


def eval_grid(eval_s: float, step_s: float, lookback_s: float) -> list[float]:
    """Evaluation instants (relative to the test start) that decide the alert state at `eval_s`."""
    last = math.floor(eval_s / step_s + 1e-9) * step_s
    first = max(0.0, math.floor((last - lookback_s) / step_s + 1e-9) * step_s)
    n = int(round((last - first) / step_s))
    return [first + i * step_s for i in range(n + 1)]


def series_of(data: dict) -> list[tuple[dict, float]]:
    """Instant-query result -> [(labels, value)]; a scalar is one series without labels, as in Prometheus."""
    kind = data.get("resultType")
    if kind == "vector":
        return [({k: v for k, v in s["metric"].items() if k != "__name__"}, float(s["value"][1]))
                for s in data.get("result", [])]
    if kind == "scalar":
        return [({}, float(data["result"][1]))]
    raise ValueError(f"the expression returns `{kind}`, not a metric vector: an alert needs a metric query "
                     "(e.g. `sum(count_over_time({...}[5m])) > 0`)")


def alerts_at(rule: Rule, results: list[tuple[float, list[tuple[dict, float]]]]) -> list[Alert]:
    """Firing alerts after evaluating `rule` at each (t, series) in order (Prometheus' state machine)."""
    state: dict[tuple, dict] = {}  # series key -> active_at, fired (time), labels, value, keep_since
    for t, series in results:
        present = set()
        for labels, value in series:
            key = tuple(sorted(labels.items()))
            present.add(key)
            s = state.setdefault(key, {"active_at": t, "fired": None})
            s.update(labels=labels, value=value, keep_since=None)
            if s["fired"] is None and t - s["active_at"] >= rule.for_s:
                s["fired"] = t
        for key in list(state):
            if key in present:
                continue
            s = state[key]
            if s["fired"] is not None and rule.keep_firing_for_s > 0:
                s["keep_since"] = s["keep_since"] if s["keep_since"] is not None else t
                if t - s["keep_since"] < rule.keep_firing_for_s:
                    continue  # keep_firing_for: stays firing for that long after the condition clears
            del state[key]
    alerts = []
    for s in state.values():
        if s["fired"] is None:
            continue
        labels = {**s["labels"]}
        for k, v in rule.labels.items():
            labels[k] = expand(v, s["labels"], s["value"])
        labels["alertname"] = rule.name
        annotations = {k: expand(v, s["labels"], s["value"]) for k, v in rule.annotations.items()}
        alerts.append(Alert(labels, annotations))
    return sorted(alerts, key=Alert.key)


def expected(test: AlertTest) -> list[Alert]:
    return sorted((Alert({**e.labels, "alertname": test.alertname}, dict(e.annotations)) for e in test.exp_alerts),
                  key=Alert.key)


def run(files: list[TestFile], server, base_unix: int) -> list[FileResult]:
    """Push every test's lines (tenant per test) and compare each alert_rule_test; server = push/query."""
    results = []
    for fi, tf in enumerate(files):
        fr = FileResult(tf.path, len(tf.tests))
        for ti, case in enumerate(tf.tests):
            tenant = f"obsgate-test-{fi}-{ti}"
            server.push(tenant, push_streams(case, base_unix * 10**9))
            for at in case.alert_tests:
                failure = _check(tf, case, at, server, tenant, base_unix)
                if failure is not None:
                    fr.failures.append(failure)
        results.append(fr)
    return results


def _check(tf: TestFile, case: TestCase, at: AlertTest, server, tenant: str, base_unix: int) -> Failure | None:
    rule = tf.rules.get(at.alertname)
    exp = expected(at)
    if rule is None:
        return Failure(case.name, at.alertname, at.eval_time, exp, [], "no alerting rule with this name in "
                       f"rule_files ({', '.join(sorted(tf.rules)) or 'none'})", at.line)
    evaluations = []
    try:
        keep = rule.keep_firing_for_s + rule.interval_s if rule.keep_firing_for_s else 0.0
        for t in eval_grid(at.eval_s, rule.interval_s, rule.for_s + keep):
            evaluations.append((t, series_of(server.query(tenant, rule.expr, base_unix + t))))
        got = alerts_at(rule, evaluations)
    except (ValueError, TemplateError) as exc:
        return Failure(case.name, at.alertname, at.eval_time, exp, [], str(exc), at.line)
    except LokiError as exc:  # Loki refused the query: its reason is the finding
        why = f"loki: {exc} (rule at {rule.path}:{rule.line})"
        if "log queries are not supported" in str(exc):
            why += "; an alert needs a metric query, e.g. `sum(count_over_time({...}[5m])) > 0`"
        return Failure(case.name, at.alertname, at.eval_time, exp, [], why, at.line)
    if [a.key() for a in got] != [a.key() for a in exp]:
        return Failure(case.name, at.alertname, at.eval_time, exp, got, "", at.line)
    return None


# --- annotation and label templates (the subset Prometheus rules commonly use) ---------------------

class TemplateError(ValueError):
    pass


_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_LABEL = re.compile(r"^(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)$")
_INDEX = re.compile(r'^index\s+(?:\$labels|\.Labels)\s+"([^"]+)"$')
_PRINTF = re.compile(r'^printf\s+"((?:[^"\\]|\\.)*)"$')


def expand(template: str, labels: dict, value: float) -> str:
    """Expand `{{ $labels.x }}`, `{{ $value }}` and pipes to humanize/humanizePercentage/printf."""
    def action(m: re.Match) -> str:
        parts = [p.strip() for p in m.group(1).split("|")]
        current = _operand(parts[0], labels, value, template)
        for fn in parts[1:]:
            current = _pipe(fn, current, template)
        return current if isinstance(current, str) else go_float(current)

    return _ACTION.sub(action, template)


def _operand(text: str, labels: dict, value: float, template: str):
    if text in ("$value", ".Value"):
        return value
    m = _LABEL.match(text) or _INDEX.match(text)
    if m:
        return labels.get(m.group(1), "<no value>")
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    raise TemplateError(f"template `{template}` uses `{text}`, which obsgate's LogQL test runner does not expand "
                        "(supported: $labels.x, $value, | humanize, | humanizePercentage, | printf)")


def _pipe(fn: str, current, template: str):
    num = current if isinstance(current, float) else _to_float(current, template)
    if fn == "humanize":
        return humanize(num)
    if fn == "humanizePercentage":
        return f"{_g4(num * 100)}%"
    m = _PRINTF.match(fn)
    if m:
        fmt = m.group(1).encode().decode("unicode_escape")
        try:
            return fmt % (current,) if "%" in fmt else fmt
        except (TypeError, ValueError):
            raise TemplateError(f"template `{template}`: printf `{fmt}` does not fit `{current}`") from None
    raise TemplateError(f"template `{template}` pipes to `{fn}`, which obsgate's LogQL test runner does not expand")


def _to_float(value, template: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TemplateError(f"template `{template}`: `{value}` is not a number") from None


def go_float(v: float) -> str:
    """A float64 as Go's fmt prints it with %v (shortest digits; exponent below 1e-4 or from 1e21)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    d = Decimal(repr(v))
    exp = d.adjusted()
    if -4 <= exp < 21:
        text = format(d, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    sign, digits, _ = d.as_tuple()
    digits = "".join(map(str, digits)).rstrip("0") or "0"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'+' if exp >= 0 else '-'}{abs(exp):02d}"


def _g4(v: float) -> str:
    """Go's %.4g."""
    text = f"{v:.4g}"
    m = re.match(r"^(-?[\d.]+)e([+-])(\d+)$", text)
    return f"{m.group(1)}e{m.group(2)}{int(m.group(3)):02d}" if m else text


def humanize(v: float) -> str:
    """Prometheus' humanize: SI prefixes, four significant digits (1234 -> 1.234k)."""
    if v == 0 or math.isnan(v) or math.isinf(v):
        return _g4(v) if not math.isinf(v) else ("+Inf" if v > 0 else "-Inf")
    if abs(v) >= 1:
        prefix = ""
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(v) < 1000:
                break
            prefix, v = p, v / 1000
        return _g4(v) + prefix
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix, v = p, v * 1000
    return _g4(v) + prefix


# --- report (promtool's layout) ---------------------------------------------------------------------

def _fmt_alerts(alerts: list[Alert], indent: str) -> str:
    if not alerts:
        return "[]"
    lines = ["["]
    for i, a in enumerate(alerts):
        labels = ", ".join(f'{k}="{v}"' for k, v in sorted(a.labels.items()))
        annotations = ", ".join(f'{k}="{v}"' for k, v in sorted(a.annotations.items()))
        lines += [f"{indent}    {i}:", f"{indent}      Labels:{{{labels}}}", f"{indent}      Annotations:{{{annotations}}}"]
    lines.append(f"{indent}    ]")
    return "\n".join(lines)


def diff(exp: list[Alert], got: list[Alert]) -> list[str]:
    """Per alert: what is missing (-) and what is extra (+), field by field when the label sets match."""
    out = []
    got_left = list(got)
    for e in exp:
        match = next((g for g in got_left if g.labels == e.labels), None)
        if match is None:
            out.append(f"- missing alert {_labels(e.labels)}")
            continue
        got_left.remove(match)
        for k in sorted(set(e.annotations) | set(match.annotations)):
            if e.annotations.get(k) != match.annotations.get(k):
                out.append(f"~ {_labels(e.labels)} annotation {k}: expected {e.annotations.get(k)!r}, "
                           f"got {match.annotations.get(k)!r}")
    for g in got_left:
        out.append(f"+ unexpected alert {_labels(g.labels)}")
    return out


def _labels(labels: dict) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def report(results: list[FileResult]) -> str:
    lines = []
    for fr in results:
        lines.append(f"Unit Testing:  {fr.path}")
        if fr.ok:
            lines.append(f"  SUCCESS ({fr.tests} tests)")
            continue
        lines.append("  FAILED:")
        for f in fr.failures:
            lines.append(f"    name: {f.test},")
            lines.append(f"    alertname: {f.alertname}, time: {f.eval_time}, ")
            if f.error:
                lines.append(f"        error: {f.error}")
            else:
                lines.append(f"        exp:{_fmt_alerts(f.exp, '        ')}, ")
                lines.append(f"        got:{_fmt_alerts(f.got, '        ')}")
                lines += [f"        {d}" for d in diff(f.exp, f.got)]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def base_time(now: float, horizon_s: float) -> int:
    """A whole hour far enough back that every line and evaluation of every test lies in the past."""
    return int((now - horizon_s - 120) // 3600 * 3600)
