"""`obsgate loki-test [FILES]`: LogQL rule unit tests against one short-lived, real Loki.

Default files: generated/loki/tests/*.test.yml. Exit 0 when every test passes, 1 on a failing test,
2 on bad input or when Loki is not installed (a missing tool is never a pass).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .. import loki_test
from ..loki_server import LokiError, LokiServer
from ..tools import find
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

DEFAULT_GLOB = "generated/loki/tests/*.test.yml"


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="*", type=Path, help=f"test files (default: {DEFAULT_GLOB})")


def run(args) -> int:
    root = Path(args.root)
    paths = [p if p.is_absolute() else Path.cwd() / p for p in args.files] or sorted(root.glob(DEFAULT_GLOB))
    if not paths:
        print(f"error: no LogQL test files: nothing matches {DEFAULT_GLOB}", file=sys.stderr)
        print("  hint: give LokiAlertRule(tests=...) in rules_src/ and run `obsgate generate`", file=sys.stderr)
        return EXIT_USAGE
    try:
        files = [loki_test.load_test_file(p, _shown(p, root)) for p in paths]
    except loki_test.LokiTestError as exc:
        where = f"{exc.path}:{exc.line}" if exc.line else exc.path
        print(f"{where}: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return EXIT_USAGE
    loki = find("loki", root)
    if not loki.found:
        print("error: loki is not installed; LogQL rule tests need a real Loki", file=sys.stderr)
        print("  hint: run `make tools` (builds the pinned Loki into .tools/bin); see `obsgate doctor`", file=sys.stderr)
        return EXIT_USAGE
    horizon = max((t.horizon_s for f in files for t in f.tests), default=0.0)
    base = loki_test.base_time(time.time(), horizon)
    started = time.monotonic()
    try:
        with LokiServer(loki.path) as server:
            results = loki_test.run(files, server, base)
    except LokiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(loki_test.report(results))
    tests = sum(r.tests for r in results)
    failed = sum(len(r.failures) for r in results)
    print(f"{tests} tests in {len(results)} files against loki {loki.version}: "
          f"{'all passed' if not failed else f'{failed} failing alert_rule_test(s)'} ({time.monotonic() - started:.1f}s)")
    return EXIT_PROBLEMS if failed else EXIT_OK


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
