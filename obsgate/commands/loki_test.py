"""`obsgate loki-test [FILES] [--loki URL]`: LogQL rule unit tests on obsgate's LogQL engine.

Default files: generated/loki/tests/*.test.yml. With `--loki URL` the same files run against that
real Loki through its push and query APIs. Exit 0 when every test passes, 1 on a failing test, 2 on
bad input or an unreachable Loki (never a pass).
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from .. import report as findings
from ..problem import exit_code
from ..logql.ruletest import loading, report, runner
from ..validate.loki_rule_tests import CHECK, problems, read

# The usage exit code (commands/common.py), not imported from there: common imports the project
# loader and, through it, grafanalib, which cost loki-test a third of its run time and are not needed.
EXIT_USAGE = 2

DEFAULT_GLOB = "generated/loki/tests/*.test.yml"


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="*", type=Path, help=f"test files (default: {DEFAULT_GLOB})")
    parser.add_argument("--loki", metavar="URL", default="",
                        help="run the tests against this real Loki (push + query APIs) instead of obsgate's engine")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: promtool's layout (default); json: the failures as obsgate findings")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report (one case per file)")


def run(args) -> int:
    root = Path(args.root)
    paths = [p if p.is_absolute() else Path.cwd() / p for p in args.files] or sorted(root.glob(DEFAULT_GLOB))
    if not paths:
        print(f"error: no LogQL test files: nothing matches {DEFAULT_GLOB}", file=sys.stderr)
        print("  hint: give LokiAlertRule(tests=...) in rules_src/ and run `obsgate generate`", file=sys.stderr)
        return EXIT_USAGE
    try:
        files = [loading.load_test_file(read, str(p), _shown(p, root)) for p in paths]
    except loading.LoadError as exc:
        where = f"{exc.path}:{exc.line}" if exc.line else exc.path
        print(f"{where}: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return EXIT_USAGE
    started = time.monotonic()
    if getattr(args, "loki", ""):
        from ..loki_client import LokiClient
        backend = LokiClient(args.loki)
        try:
            version = backend.ready()
        except runner.BackendError as exc:
            print(f"error: {exc}", file=sys.stderr)
            print("  hint: start Loki (e.g. `obsgate up` under the docker runtime) or drop --loki", file=sys.stderr)
            return EXIT_USAGE
        label = f"against loki {version} at {backend.url}"
        results = runner.run(files, backend, bases=_loki_bases(files, time.time()))
    else:
        backend, label = runner.EngineBackend(), "on obsgate's LogQL engine"
        results = runner.run(files, backend)
    found = problems(results)
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(findings.junit(found, [(CHECK, r.path) for r in results], name="obsgate loki-test"))
    if args.format == "json":
        sys.stdout.write(findings.as_json(found))
        return exit_code(found)
    sys.stdout.write(report.report(results))
    tests = sum(r.tests for r in results)
    failed = sum(len(r.failures) for r in results)
    print(f"{tests} tests in {len(results)} files {label}: "
          f"{'all passed' if not failed else f'{failed} failing alert_rule_test(s)'} ({time.monotonic() - started:.2f}s)")
    return exit_code(found)


def _loki_bases(files, now: float) -> list[int]:
    """A real Loki may keep every test in one tenant (auth off, as in the official image's default
    config), so each test also gets a time slot of its own, back to back up to a minute before now:
    longer than its lines and its rules' reach (for, keep_firing_for, interval, longest range), so no
    query of one test sees another's lines. Slots are as short as each test allows: Loki's queriers
    read recent data from the ingesters only (query_ingesters_within, 3h by default)."""
    from ..logql import LogQLError, parse
    reach: dict[str, float] = {}
    for f in files:
        for name, r in f.rules.items():
            try:
                rng = parse(r.expr).range_ns() / 1e9
            except LogQLError:
                rng = 0.0
            reach[name] = r.for_s + r.keep_firing_for_s + r.interval_s + rng
    slots = []
    for f in files:
        for t in f.tests:
            longest = max((reach.get(a.alertname, 0.0) for a in t.alert_tests), default=0.0)
            slots.append(int(math.ceil((t.horizon_s + longest + 60) / 60) * 60))
    start = int((now - 60 - sum(slots) - 60) // 60 * 60)
    bases, at = [], start
    for slot in slots:
        bases.append(at)
        at += slot
    return bases


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
