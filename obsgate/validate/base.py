"""What every check shares: the Check record, the things findings are about, and suppression.

A check is `run(ctx) -> list[Problem]` with a stable id (`family/name`), as in pint: the id is the
name in reports, in JUnit, in docs and in `Suppress("id", "reason")`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..model.rules import suppression
from ..problem import Problem, Severity


@dataclass(frozen=True)
class Check:
    id: str
    summary: str
    run: Callable[[Any], list]
    kinds: tuple[str, ...] = ()  # the file kinds it reads (one JUnit testcase per file); () = project-wide
    tools: tuple[str, ...] = ()  # external binaries it runs (shown in the report header)


@dataclass
class Subject:
    """A rule, a panel or a file that a finding is about: where to point, and what is suppressed on it.

    `line_at` is a line number or a function giving it: file lines are looked up only when reported.
    """

    path: str
    line_at: Any = 0
    name: str = ""
    suppress: tuple = ()
    external: bool = False

    @property
    def line(self) -> int:
        return self.line_at() if callable(self.line_at) else int(self.line_at or 0)

    def suppressed(self, check: str):
        return suppression(self.suppress, check)


def finding(check: str, subject: Subject, severity: Severity, message: str, hint: str = "", details: str = "",
            line=None) -> Problem:
    """A Problem about `subject`; a check suppressed there becomes INFO `suppressed: reason`."""
    sup = subject.suppressed(check)
    where = subject.line if line is None else (line() if callable(line) else line)
    if sup is not None:
        return Problem(check, Severity.INFO, f"suppressed: {sup.reason} ({message})", subject.path, where)
    return Problem(check, severity, message, subject.path, where, hint, details)


def skipped(check: str, why: str, hint: str = "", path: str = "") -> Problem:
    """A check that could not run says so (never a silent pass)."""
    return Problem(check, Severity.WARNING, f"skipped: {why}", path, 0, hint)


def tool_missing(check: str, tool: str) -> Problem:
    """A required tool is absent: FATAL, which makes validate exit 2."""
    return Problem(check, Severity.FATAL, f"`{tool}` is not installed",
                   hint="run `make tools` (pinned build into .tools/bin) or install it on PATH; see `obsgate doctor`")


def tool_crashed(check: str, tool: str, detail: str, path: str = "") -> Problem:
    last = (detail.strip().splitlines() or ["no output"])[-1][:300]
    return Problem(check, Severity.FATAL, f"`{tool}` failed unexpectedly: {last}", path, 0,
                   "run the command by hand to see its full output", detail[-4000:])


def per_file(call, args: list[str]) -> tuple[list, list[tuple[str, Exception]]]:
    """One batched tool call; if the tool breaks on it (a crash, a timeout: ToolError), each file alone, so
    that one file's failure is a finding on that file and the others are still judged."""
    from ..wrappers.run import ToolError

    try:
        return list(call(args)), []
    except ToolError as exc:
        if len(args) == 1:
            return [], [(args[0], exc)]
    found, failed = [], []
    for arg in args:
        try:
            found += call([arg])
        except ToolError as exc:
            failed.append((arg, exc))
    return found, failed


_AT_LINE = re.compile(r"\bline (\d+)\b|^(\d+):\d+: ", re.M)


def failed_on(check: str, tool: str, path: str, detail: str) -> Problem:
    """The tool failed on this one file: an ERROR there, at the line it names, never a FATAL of the run."""
    last = (detail.strip().splitlines() or ["no output"])[-1][:300]
    at = _AT_LINE.search(detail)
    line = int(at.group(1) or at.group(2)) if at else 0
    return Problem(check, Severity.ERROR, f"{tool} failed on this file: {last}", path, line,
                   f"run {tool} on this file by hand to see its full output", detail[-4000:])


def tick(value: Any) -> str:
    """Values in messages are shown in backticks."""
    return f"`{value}`"


def ctx_files(ctx, kind: str, fallback_glob: str) -> dict[Path, str]:
    """{file on disk: path as reports show it} from validate's Context, or a glob under ctx.root."""
    if hasattr(ctx, "of"):
        return {Path(f.disk): f.path for f in ctx.of(kind) if f.error is None}
    root = Path(ctx.root)
    return {p: p.relative_to(root).as_posix() for p in sorted(root.glob(fallback_glob))}
