"""`obsgate validate [PATH ...]`: the static gate (exit 0 no errors, 1 errors, 2 usage/tool/unreadable input).

Without paths: the project's sources, rendered in memory as `generate` would, checked file by file,
plus drift against the committed generated/. With paths: those files, whoever wrote them, checked
against the project's catalog when the root holds a project.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .. import render, report
from .. import validate as gate
from ..problem import Severity
from ..validate import context
from ..validate.files import Unreadable
from ..validate.registry import CHECKS
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, BadInput, load_or_report
from .generate import produce

ALWAYS_SHOWN_TOOLS = ("promtool", "amtool")


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories to check (default: the whole project)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    parser.add_argument("--summary", type=Path, metavar="FILE",
                        help="also append a Markdown summary (e.g. \"$GITHUB_STEP_SUMMARY\")")
    parser.add_argument("--schemas", type=Path, metavar="DIR",
                        help="JSON schema directory (default: <root>/../shared/schemas)")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "checks (suppress one on a rule or panel with Suppress(\"<id>\", \"<reason>\")):\n" + "\n".join(
        f"  {c.id:30} {c.summary}" for c in CHECKS) + "\n\nexit codes: 0 no errors, 1 errors, 2 usage, missing/crashed tool, " \
        "unreadable input"


def has_project(root: Path) -> bool:
    return (root / "stacks").is_dir() or (root / "catalog").is_dir()


def run(args) -> int:
    started = time.perf_counter()
    root = args.root
    try:
        if args.paths:
            project = load_or_report(root) if has_project(root) else None
            ctx = context.for_paths(root, project, args.paths, args.schemas)
            return _gate(args, ctx, started)
        if not has_project(root):
            print(f"{root}: error: no project here (no stacks/ or catalog/)", file=sys.stderr)
            print("  hint: run inside an obsgate project, pass --root, or name files to check", file=sys.stderr)
            return EXIT_USAGE
        project, outputs = produce(root)
        with tempfile.TemporaryDirectory(prefix="obsgate-validate-") as tmp:
            render.write_tree(Path(tmp), outputs)
            ctx = context.for_project(root, project, outputs, Path(tmp), args.schemas)
            return _gate(args, ctx, started)
    except BadInput:
        return EXIT_USAGE
    except Unreadable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _gate(args, ctx, started: float) -> int:
    problems, seconds = gate.run(ctx, CHECKS)
    for name in ALWAYS_SHOWN_TOOLS:
        ctx.tool(name)
    tools = list(ctx._tools.values())
    elapsed = time.perf_counter() - started
    tool_time = sum(t for _, t in ctx.timings)
    stats = (f"{len(ctx.files)} files, {len(CHECKS)} checks, {elapsed:.2f} s, "
             f"of which external tools {tool_time:.2f} s")
    if args.format == "json":
        sys.stdout.write(report.as_json(problems))
        print(f"obsgate validate — tools: {report.tool_line(tools)}; {report.verdict(problems)} ({stats})",
              file=sys.stderr)
    else:
        sys.stdout.write(report.text(problems, tools, stats))
    try:
        if args.junit:
            args.junit.parent.mkdir(parents=True, exist_ok=True)
            args.junit.write_text(report.junit(problems, _cases(ctx), seconds))
        if args.summary is not None and str(args.summary) in ("", "."):
            print("note: --summary is empty ($GITHUB_STEP_SUMMARY is only set on GitHub Actions); no summary "
                  "written", file=sys.stderr)
        elif args.summary:
            with open(args.summary, "a", encoding="utf-8") as out:
                out.write(report.summary(problems, tools, stats))
    except OSError as exc:
        print(f"error: cannot write report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    worst = max((p.severity for p in problems), default=None)
    if worst is Severity.FATAL:
        return EXIT_USAGE
    return EXIT_PROBLEMS if worst is Severity.ERROR else EXIT_OK


def _cases(ctx) -> list[tuple[str, str]]:
    """(check, file) for every file each check reads; project-wide checks get one case."""
    cases = []
    for check in CHECKS:
        if check.kinds:
            cases += [(check.id, f.path) for f in ctx.files if f.kind in check.kinds]
        else:
            cases.append((check.id, report.NO_FILE))
    return cases
