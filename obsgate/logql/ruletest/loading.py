"""Test and rule files -> the model, with `path:line` errors and the compact notation for repeated lines.

Reading the files is the caller's job (commands/loki_test.py passes `read`), so this stays pure.
"""
from __future__ import annotations

import os
import re
from typing import Callable

from ...inputs import InputError, yamlload
from ..errors import LogQLError
from ..parser import parse
from ..units import prom_duration_ns
from .model import AlertTest, ExpAlert, InputStream, Rule, TestCase, TestFile

DEFAULT_INTERVAL = 60.0  # Loki's ruler evaluation_interval default
MAX_REPEAT = 100_000  # lines one `START+STEPxN` item may write

Reader = Callable[[str], str]  # path on disk -> text (raises OSError or InputError)


class LoadError(Exception):
    """Bad input: reported as `path:line: message` with a hint."""

    def __init__(self, path: str, line: int, message: str, hint: str = ""):
        super().__init__(message)
        self.path, self.line, self.message, self.hint = path, line, message, hint

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


def _yaml(text: str, shown: str):
    """The project's one YAML loader (bounded aliases and nesting, libyaml); mappings carry `.line`."""
    try:
        return yamlload.load(text, marked=True)
    except InputError as exc:
        raise LoadError(shown, exc.line, f"invalid YAML: {exc.message}", exc.hint or "fix the YAML syntax") from None


def _read(read: Reader, path: str, shown: str) -> str:
    try:
        return read(path)
    except InputError as exc:
        raise LoadError(shown, 0, f"cannot read file: {exc.message}", exc.hint) from None
    except OSError as exc:
        raise LoadError(shown, 0, f"cannot read file: {exc.strerror or exc}") from None


def duration(value, path: str, line: int, what: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if text in ("0", "0s"):
        return 0.0
    ns = prom_duration_ns(text)
    if ns is None:
        raise LoadError(path, line, f"`{what}` is not a duration: `{value}`", "write it like `90s`, `5m` or `1h30m`")
    return ns / 1e9


_REPEAT = re.compile(r"^\s*([^+x\s]+)\s*(?:\+\s*([^x\s]+)\s*)?x\s*([0-9]+)\s*$")


def timestamps(value, path: str, line: int) -> list[float]:
    """`ts` of a line item: a duration, `START+STEPxN` (N+1 lines) or `STARTxN` (N lines at START)."""
    text = str(value)
    m = _REPEAT.match(text) if isinstance(value, str) else None
    if not m:
        return [duration(value, path, line, "ts")]
    start = duration(m.group(1), path, line, "ts")
    count = int(m.group(3))
    if m.group(2) is None:
        times = [start] * count
    else:
        step = duration(m.group(2), path, line, "ts step")
        if step <= 0:
            raise LoadError(path, line, f"`ts: {text}`: the step must be positive", "e.g. `30s+5sx25`")
        times = [start + i * step for i in range(count + 1)]
    if len(times) > MAX_REPEAT:
        raise LoadError(path, line, f"`ts: {text}` writes {len(times)} lines; the limit is {MAX_REPEAT}")
    return times


def parse_stream_labels(text: str) -> dict:
    """`{service="api", level="error"}` -> labels; input streams name exact labels only."""
    body = text.strip()
    if not body.startswith("{"):
        raise ValueError(f"`{text}` is not a stream selector like `{{service=\"api\"}}`")
    if body.replace(" ", "") == "{}":
        raise ValueError(f"`{text}` has no labels; Loki needs at least one")
    try:
        q = parse(body)
    except LogQLError as exc:
        raise ValueError(f"`{text}`: {exc}") from None
    matchers = q.root.matchers
    if q.root.stages or any(m.op != "=" for m in matchers):
        bad = next((str(m) for m in matchers if m.op != "="), text)
        raise ValueError(f"`{text}`: input streams need exact labels `name=\"value\"`, found `{bad}`")
    return {m.name: m.value for m in matchers}


def load_rules(read: Reader, path: str, shown: str) -> dict:
    doc = _yaml(_read(read, path, shown), shown)
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise LoadError(shown, 1, "not a rule file: expected `groups: [...]`")
    rules = {}
    for group in doc["groups"]:
        if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
            raise LoadError(shown, getattr(group, "line", 0), "a group needs `name` and `rules`")
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
                interval_s=interval or DEFAULT_INTERVAL, group=str(group.get("name", "")), path=shown,
                line=_expr_line(r))
    return rules


def _expr_line(rule) -> int:
    return getattr(rule, "line", 0)


def load_test_file(read: Reader, path: str, shown: str | None = None) -> TestFile:
    shown = shown or path
    doc = _yaml(_read(read, path, shown), shown)
    if not isinstance(doc, dict) or not isinstance(doc.get("tests"), list):
        raise LoadError(shown, 1, "not a LogQL test file: expected `rule_files` and `tests`",
                        "see the format in obsgate/logql/ruletest/__init__.py")
    rules: dict = {}
    for rf in doc.get("rule_files") or []:
        rule_path = os.path.join(os.path.dirname(path), str(rf))
        rules.update(load_rules(read, rule_path, os.path.normpath(os.path.join(os.path.dirname(shown), str(rf)))))
    tests = tuple(_test_case(t, shown) for t in doc["tests"])
    return TestFile(shown, rules, tests, doc.line)


def _test_case(t, path: str) -> TestCase:
    if not isinstance(t, dict):
        raise LoadError(path, 0, "each test must be a mapping with `name`, `input_streams`, `alert_rule_test`")
    line = t.line
    streams = []
    for s in t.get("input_streams") or []:
        if not isinstance(s, dict):
            raise LoadError(path, line, "an input stream is `{stream: '{label=\"value\"}', lines: [...]}`")
        try:
            labels = parse_stream_labels(str(s.get("stream", "")))
        except ValueError as exc:
            raise LoadError(path, s.line, str(exc)) from None
        lines = []
        for item in s.get("lines") or []:
            if not isinstance(item, dict) or "line" not in item or "ts" not in item:
                raise LoadError(path, getattr(item, "line", s.line), "a line needs `ts` and `line`",
                                "e.g. `{ts: 30s, line: 'level=error'}` or `{ts: 30s+5sx9, line: ...}`")
            text = str(item["line"])
            lines += [(ts, text) for ts in timestamps(item["ts"], path, item.line)]
        streams.append(InputStream(labels, tuple(lines)))
    alert_tests = []
    for a in t.get("alert_rule_test") or []:
        if not isinstance(a, dict):
            raise LoadError(path, line, "an alert_rule_test is `{eval_time, alertname, exp_alerts}`")
        exp = []
        for e in a.get("exp_alerts") or []:
            if not isinstance(e, dict):
                raise LoadError(path, a.line, "an expected alert is `{exp_labels: {...}, exp_annotations: {...}}`")
            exp.append(ExpAlert({str(k): str(v) for k, v in (e.get("exp_labels") or {}).items()},
                                {str(k): str(v) for k, v in (e.get("exp_annotations") or {}).items()}))
        alert_tests.append(AlertTest(str(a.get("eval_time", "0s")),
                                     duration(a.get("eval_time", 0), path, a.line, "eval_time"),
                                     str(a.get("alertname", "")), tuple(exp), a.line))
    return TestCase(str(t.get("name", f"test at line {line}")), tuple(streams), tuple(alert_tests), line)
