"""prom/rule-tests: `promtool test rules` passes every unit test; a failing one points at its TestCase."""
from __future__ import annotations

import glob
import re
from pathlib import Path

from ...problem import Problem, Severity
from ...wrappers import promtool
from ..base import Check, Subject, failed_on, finding, per_file, tool_missing
from ..files import PROM_TESTS, SourceFile
from .. import toolcache
from . import inputs, shown

CHECK = "prom/rule-tests"


def check(ctx) -> list[Problem]:
    args, by_arg = inputs(ctx, PROM_TESTS)
    if not args:
        return []
    problems = _missing_rule_files(ctx, by_arg.values())
    tool = ctx.tool("promtool")
    if not tool.found:
        return [tool_missing(CHECK, "promtool")]
    results, failed = toolcache.per_file(
        ctx, "test rules", tool.path, args, by_arg, kind=promtool.TestResult, reads=toolcache.rule_files,
        run=lambda todo: per_file(lambda a: promtool.test_rules(tool.path, a, ctx.workdir, timings=ctx.timings)[0],
                                  todo))
    problems += [failed_on(CHECK, "promtool", shown(ctx, by_arg, arg), str(exc)) for arg, exc in failed]
    cases = _model_cases(ctx)
    for r in results:
        if r.ok:
            continue
        f = by_arg.get(r.file)
        path = f.path if f is not None else ctx.shown(r.file)
        at = re.search(r"\bline (\d+):", r.message) if r.name == "unknown" else None
        subject = Subject(path, int(at.group(1)) if at else _test_line(f, r.name), external=f.external if f else True)
        model = cases.get(r.name) if f is not None and not f.external else None
        if model is not None:
            rule, case = model
            subject = Subject(case.source.path, case.source.line, rule.name, tuple(getattr(rule, "suppress", ())))
        summary = _summary(r.message)
        if r.name == "unknown":
            message = f"promtool could not run the tests of this file: {summary}"
        else:
            message = f"unit test `{r.name}` failed: {summary}"
        problems.append(finding(CHECK, subject, Severity.ERROR, message,
                                "run `promtool test rules` on the file to see the full comparison",
                                details=r.message.strip()))
    return problems


def _missing_rule_files(ctx, files) -> list[Problem]:
    """promtool only warns when `rule_files` matches nothing, and then tests nothing: an error here."""
    problems = []
    for f in files:
        entries = f.data.get("rule_files") if isinstance(f.data, dict) else None
        for i, pattern in enumerate(entries or []):
            if not isinstance(pattern, str):
                continue
            base = Path(f.disk).parent
            if not glob.glob(str(base / pattern)):
                problems.append(Problem(CHECK, Severity.ERROR,
                                        f"rule_files entry `{pattern}` matches no file", f.path,
                                        f.line(("rule_files", i)),
                                        "paths in rule_files are relative to the test file's directory"))
    return problems


def _model_cases(ctx) -> dict:
    """`Rule: case` (the generated test names) -> (rule, TestCase) of the project."""
    out = {}
    if ctx.project is None:
        return out
    for group in ctx.project.groups:
        for rule in group.rules:
            for case in rule.tests:
                out[f"{rule.name}: {case.name}"] = (rule, case)
    return out


def _test_line(f: SourceFile | None, name: str) -> int:
    if f is None or not isinstance(f.data, dict):
        return 0
    for i, test in enumerate(f.data.get("tests") or []):
        if isinstance(test, dict) and test.get("name") == name:
            return f.line(("tests", i))
    return f.line(("tests",)) if f.data.get("tests") else 1


_LABELS = re.compile(r"Labels:(\{.*?\})")
_ALERT_AT = re.compile(r"alertname: (?P<name>[^,]+), time: (?P<time>[^,\s]+)")
_EXPR_AT = re.compile(r'expr: "(?P<expr>.*)", time: (?P<time>[^,\s]+)')


def _summary(message: str) -> str:
    """promtool's exp/got dump as one line: what was expected and what the rule produced."""
    text = message.strip()
    alert = _ALERT_AT.search(text)
    if alert and "got:" in text:
        exp_part, got_part = text.split("got:", 1)
        exp, got = _LABELS.findall(exp_part), _LABELS.findall(got_part)
        return (f"at {alert.group('time')} expected {_alerts(exp)}, got {_alerts(got)}")
    expr = _EXPR_AT.search(text)
    if expr and "got:" in text:
        rest = text[expr.end():]
        exp = re.search(r"exp:\s*(.*?)\s*got:", rest, re.S)
        got = re.search(r"got:\s*(.*)", rest, re.S)
        flat = lambda m: re.sub(r"\s+", " ", m.group(1)).strip() if m else "?"  # noqa: E731
        return f"`{expr.group('expr')}` at {expr.group('time')}: expected {flat(exp)}, got {flat(got)}"
    lines = [l.strip().rstrip(",") for l in text.splitlines() if l.strip() and not l.strip().startswith("name:")]
    flat_text = re.sub(r"\s+", " ", " ".join(lines)) or "no details"
    return flat_text if len(flat_text) <= 400 else flat_text[:397] + "..."


def _alerts(labels: list[str]) -> str:
    if not labels:
        return "no alert"
    shown = "; ".join(labels[:3]) + ("; ..." if len(labels) > 3 else "")
    return f"{len(labels)} alert{'s' if len(labels) > 1 else ''} {shown}"


CHECKS = (Check(CHECK, "promtool test rules passes every unit test", check, (PROM_TESTS,), ("promtool",)),)
