"""`obsgate smoke`: live checks against the running stack; exit 1 when any case fails."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ..runtime.layout import Layout
from .. import report
from ..problem import Severity, exit_code
from ..smoke import FAMILIES, run_all
from ..smoke.base import Context
from .common import EXIT_PROBLEMS, EXIT_USAGE, BadInput, load_or_report


def add_arguments(parser) -> None:
    parser.add_argument("--junit", type=Path, help="write JUnit XML here")
    parser.add_argument("--summary", type=Path, help="append a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--json", type=Path, help="write every case with its evidence as JSON here")
    parser.add_argument("--family", action="append", choices=FAMILIES, help="run only this family (repeatable)")
    parser.add_argument("--scenario-budget", type=float, default=120.0,
                        help="skip scenarios that need longer than this many seconds to fire (default 120)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print passing cases with their evidence too")


def context(root: Path, project, budget: float = 120.0) -> Context | None:
    state = Layout(root).read_state()
    if not state.get("services"):
        return None
    return Context(project, root, state, runtime=state.get("runtime", "native"), profile=state.get("profile", "local"),
                   scenario_budget=budget)


def smoke(ctx: Context, args, out=sys.stdout) -> tuple[int, dict]:
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    cases = run_all(ctx, tuple(args.family or FAMILIES), timings)
    timings["smoke"] = time.monotonic() - t0
    problems = [c.problem() for c in cases]  # one findings pipeline: every case is a Problem
    shown = problems if args.verbose else [p for p in problems if p.severity > Severity.INFO]
    totals = totals_line(problems)
    print(report.text(shown, None, verdict_line=totals), file=out, end="")
    print("smoke timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()), file=out)
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(report.junit(problems, [], {(c.id, c.name): c.seconds for c in cases},
                                           name="obsgate smoke"))
    if args.summary:
        with open(args.summary, "a") as fh:
            stats = "timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
            fh.write(report.summary(problems, None, stats, title="obsgate smoke", informational="passed",
                                    verdict_text=totals))
    if getattr(args, "json", None):  # the cases with their evidence, as the live tests read them
        args.json.write_text(json.dumps([c.as_dict() for c in cases], indent=2) + "\n")
    return exit_code(problems), timings


def totals_line(problems) -> str:
    """`smoke: 40 passed, 1 failed, 2 skipped of 43 cases (targets 9/9, rules 12/12, ...)`."""
    per = report.tally(problems)
    total = sum(per.values(), start=report.Counter())
    return (f"smoke: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped of "
            f"{len(problems)} cases (" + ", ".join(f"{c.removeprefix('smoke/')} {n['passed']}/{sum(n.values())}"
                                                  for c, n in per.items()) + ")")


def run(args) -> int:
    try:
        project = load_or_report(args.root)
    except BadInput:
        return EXIT_USAGE
    ctx = context(args.root, project, args.scenario_budget)
    if ctx is None:
        print("error: no stack is running here (no .run/state.json with services)\n  hint: run `obsgate up` first",
              file=sys.stderr)
        return EXIT_PROBLEMS
    code, _ = smoke(ctx, args)
    return code
