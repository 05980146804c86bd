"""prom/config, prom/rules, prom/rule-tests: promtool, one batched call per command, findings per file."""
from __future__ import annotations

import glob
import re
from pathlib import Path

from ..problem import Problem, Severity
from ..wrappers import promtool
from .base import Check, Subject, failed_on, finding, per_file, tool_missing
from .files import PROM_CONFIG, PROM_RULES, PROM_TESTS, SourceFile

_QUOTED = re.compile(r'"([^"\s]+)"')


def _inputs(ctx, kind: str) -> tuple[list[str], dict[str, SourceFile]]:
    """Arguments to pass (relative to the scratch tree in project runs) and the file each names."""
    by_arg: dict[str, SourceFile] = {}
    for f in ctx.of(kind):
        if f.error is None:
            by_arg[f.path if ctx.workdir is not None else str(f.disk)] = f
    return list(by_arg), by_arg


def _shown(ctx, by_arg: dict, arg: str) -> str:
    f = by_arg.get(arg)
    return f.path if f is not None else ctx.shown(arg)


def _rule_line(ctx, f: SourceFile | None, rule: str) -> int:
    """The last rule of that name in the file (a duplicate is reported where it repeats)."""
    if f is None or not rule:
        return 0
    lines = [r.file_line() for r in ctx.rules if r.file is f and r.rule_name == rule]
    return lines[-1] if lines else 0


def _guess_line(f: SourceFile | None, message: str) -> int:
    """promtool names no line for some errors (`unknown unit "x" in duration "15x"`): find the value."""
    if f is None:
        return 0
    for value in [v for v in _QUOTED.findall(message) if len(v) > 1][::-1]:
        for n, text in enumerate(f.text.splitlines(), 1):
            if value in text:
                return n
    return 0


def _run_check(ctx, check_id: str, kind: str, call) -> list[Problem]:
    args, by_arg = _inputs(ctx, kind)
    if not args:
        return []
    tool = ctx.tool("promtool")
    if not tool.found:
        return [tool_missing(check_id, "promtool")]
    found, failed = per_file(lambda a: call(tool.path, a, ctx.workdir, timings=ctx.timings)[0], args)
    problems = [failed_on(check_id, "promtool", _shown(ctx, by_arg, arg), str(exc)) for arg, exc in failed]
    for fd in found:
        f = by_arg.get(fd.file)
        path = f.path if f is not None else ctx.shown(fd.file)
        line = fd.line or _rule_line(ctx, f, fd.rule) or _guess_line(f, fd.message)
        sev = Severity.WARNING if fd.severity == "warning" else Severity.ERROR
        hint = "fix the file so that promtool accepts it" if sev is Severity.ERROR else \
            "give each rule a unique name and label set"
        problems.append(Problem(check_id, sev, f"promtool: {fd.message}", path, line, hint))
    return problems


def check_config(ctx) -> list[Problem]:
    return _run_check(ctx, "prom/config", PROM_CONFIG, promtool.check_config)


def check_rules(ctx) -> list[Problem]:
    return _run_check(ctx, "prom/rules", PROM_RULES, promtool.check_rules)


def check_rule_tests(ctx) -> list[Problem]:
    args, by_arg = _inputs(ctx, PROM_TESTS)
    if not args:
        return []
    problems = _missing_rule_files(ctx, by_arg.values())
    tool = ctx.tool("promtool")
    if not tool.found:
        return [tool_missing("prom/rule-tests", "promtool")]
    results, failed = per_file(lambda a: promtool.test_rules(tool.path, a, ctx.workdir, timings=ctx.timings)[0],
                               args)
    problems += [failed_on("prom/rule-tests", "promtool", _shown(ctx, by_arg, arg), str(exc)) for arg, exc in failed]
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
        problems.append(finding("prom/rule-tests", subject, Severity.ERROR, message,
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
                problems.append(Problem("prom/rule-tests", Severity.ERROR,
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


CHECKS = (
    Check("prom/config", "promtool check config accepts prometheus.yml", check_config, (PROM_CONFIG,), ("promtool",)),
    Check("prom/rules", "promtool check rules accepts every rule file", check_rules, (PROM_RULES,), ("promtool",)),
    Check("prom/rule-tests", "promtool test rules passes every unit test", check_rule_tests, (PROM_TESTS,),
          ("promtool",)),
)
