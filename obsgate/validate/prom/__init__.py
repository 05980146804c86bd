"""prom/*: the real promtool judges Prometheus files, one module per check (named after its id); the shared
pieces here run it over the checked files and point each finding at its file and line."""
from __future__ import annotations

import re

from ...problem import Problem, Severity
from ..base import failed_on, per_file, tool_missing
from ..files import SourceFile
from .. import toolcache
from ...wrappers import promtool

_QUOTED = re.compile(r'"([^"\s]+)"')


def inputs(ctx, kind: str) -> tuple[list[str], dict[str, SourceFile]]:
    """Arguments to pass (relative to the scratch tree in project runs) and the file each names."""
    by_arg: dict[str, SourceFile] = {}
    for f in ctx.of(kind):
        if f.error is None:
            by_arg[f.path if ctx.workdir is not None else str(f.disk)] = f
    return list(by_arg), by_arg


def shown(ctx, by_arg: dict, arg: str) -> str:
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


def run_check(ctx, check_id: str, kind: str, call) -> list[Problem]:
    args, by_arg = inputs(ctx, kind)
    if not args:
        return []
    tool = ctx.tool("promtool")
    if not tool.found:
        return [tool_missing(check_id, "promtool")]
    found, failed = toolcache.per_file(
        ctx, f"{check_id} {call.__name__}", tool.path, args, by_arg, kind=promtool.Finding,
        run=lambda todo: per_file(lambda a: call(tool.path, a, ctx.workdir, timings=ctx.timings)[0], todo))
    problems = [failed_on(check_id, "promtool", shown(ctx, by_arg, arg), str(exc)) for arg, exc in failed]
    for fd in found:
        f = by_arg.get(fd.file)
        path = f.path if f is not None else ctx.shown(fd.file)
        line = fd.line or _rule_line(ctx, f, fd.rule) or _guess_line(f, fd.message)
        sev = Severity.WARNING if fd.severity == "warning" else Severity.ERROR
        hint = "fix the file so that promtool accepts it" if sev is Severity.ERROR else \
            "give each rule a unique name and label set"
        problems.append(Problem(check_id, sev, f"promtool: {fd.message}", path, line, hint))
    return problems
