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

from ..inputs import reading
from ..logql.ruletest import loading, report, runner
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

DEFAULT_GLOB = "generated/loki/tests/*.test.yml"


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="*", type=Path, help=f"test files (default: {DEFAULT_GLOB})")
    parser.add_argument("--loki", metavar="URL", default="",
                        help="run the tests against this real Loki (push + query APIs) instead of obsgate's engine")


def run(args) -> int:
    root = Path(args.root)
    paths = [p if p.is_absolute() else Path.cwd() / p for p in args.files] or sorted(root.glob(DEFAULT_GLOB))
    if not paths:
        print(f"error: no LogQL test files: nothing matches {DEFAULT_GLOB}", file=sys.stderr)
        print("  hint: give LokiAlertRule(tests=...) in rules_src/ and run `obsgate generate`", file=sys.stderr)
        return EXIT_USAGE
    try:
        files = [loading.load_test_file(_read, str(p), _shown(p, root)) for p in paths]
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
        base, slot = _loki_slots(files, time.time())
    else:
        backend, label = runner.EngineBackend(), "on obsgate's LogQL engine"
        base, slot = runner.ENGINE_BASE_UNIX, 0
    results = runner.run(files, backend, base, slot)
    sys.stdout.write(report.report(results))
    tests = sum(r.tests for r in results)
    failed = sum(len(r.failures) for r in results)
    print(f"{tests} tests in {len(results)} files {label}: "
          f"{'all passed' if not failed else f'{failed} failing alert_rule_test(s)'} ({time.monotonic() - started:.2f}s)")
    return EXIT_PROBLEMS if failed else EXIT_OK


def _loki_slots(files, now: float) -> tuple[int, int]:
    """A real Loki may keep every test in one tenant (auth off, as in the official image's default
    config), so each test also gets a time slot of its own: longer than its lines, its rules' reach
    (for, keep_firing_for) and their longest range, so no query of one test sees another's lines."""
    from ..logql import LogQLError, parse
    horizon = max((t.horizon_s for f in files for t in f.tests), default=0.0)
    reach = 0.0
    for f in files:
        for r in f.rules.values():
            try:
                rng = parse(r.expr).range_ns() / 1e9
            except LogQLError:
                rng = 0.0
            reach = max(reach, r.for_s + r.keep_firing_for_s + r.interval_s + rng)
    slot = int(math.ceil((horizon + reach + 60) / 60) * 60)
    count = sum(len(f.tests) for f in files)
    base = int((now - 600 - count * slot) // 60 * 60)
    return base, slot


def _read(path: str) -> str:
    """Regular files only, size-bounded (a FIFO named as a test file must not hang the run)."""
    return reading.read_bytes(Path(path)).decode("utf-8", errors="replace")


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
