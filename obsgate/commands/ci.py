"""`obsgate ci`: up (fresh data), smoke, and always down; the exit code is smoke's (1 if up failed)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..runtime import StackError
from ..runtime.layout import Layout, StackBusy
from ..runtime.session import format_timings, start, stop
from ..runtime.signals import Interrupted, interruptible
from ..smoke import FAMILIES
from . import preview as preview_cmd
from . import smoke as smoke_cmd
from .common import EXIT_PROBLEMS, EXIT_USAGE, BadInput, load_with_profile
from .up import report


def add_arguments(parser) -> None:
    parser.add_argument("--runtime", choices=("auto", "docker", "native"), default="auto")
    parser.add_argument("--profile", default="ci", help="stack profile (default ci: 1s intervals, compressed time)")
    parser.add_argument("--keep-data", action="store_true", help="do not wipe the data dirs before starting")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for health (default 60)")
    parser.add_argument("--images", choices=("official", "local"), default="",
                        help="docker image set: official pinned images (default) or local (built here, no registry)")
    parser.add_argument("--junit", type=Path)
    parser.add_argument("--summary", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--family", action="append", choices=FAMILIES)
    parser.add_argument("--scenario-budget", type=float, default=120.0)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--preview", type=Path, help="draw the dashboard previews here (default: preview/ beside --junit)")
    parser.add_argument("--changed", type=Path, metavar="FILE", help="changed paths, one a line: their previews first "
                        f"(default: the file ${preview_cmd.CHANGED_ENV} names)")


def run(args) -> int:
    try:
        project = load_with_profile(args.root, args.profile)
    except BadInput:
        return EXIT_USAGE
    try:
        with Layout(args.root).lock("ci"):
            return _run(args, project)
    except StackBusy as exc:  # another run's stack: not ours to stop
        print(exc.render(), file=sys.stderr)
        return EXIT_PROBLEMS


def _run(args, project) -> int:
    """up (fresh: a running stack is stopped first), smoke, preview; always down (the lock is held)."""
    phases: dict[str, float] = {}
    t0 = time.monotonic()
    code = EXIT_PROBLEMS
    with interruptible():
        try:
            started = start(args.root, project, args.runtime, args.profile, wipe=not args.keep_data,
                            timeout=args.timeout, images=args.images, command="ci", fresh=True)
            phases["up"] = time.monotonic() - t0
            report(started)
            ctx = smoke_cmd.context(args.root, project, args.scenario_budget)
            t1 = time.monotonic()
            code, _ = smoke_cmd.smoke(ctx, args)
            phases["smoke"] = time.monotonic() - t1
            out = args.preview or (args.junit.parent / "preview" if args.junit else None)
            if out:
                t1 = time.monotonic()
                changed = preview_cmd.changed_from(args.changed)
                drawn = preview_cmd.write_previews(ctx, out.resolve(), changed, args.summary)
                code = code or drawn
                phases["preview"] = time.monotonic() - t1
        except StackError as exc:
            print(exc.render(), file=sys.stderr)
        except Interrupted as exc:
            print(f"interrupted by {exc}; stopping the stack", file=sys.stderr)
            code = 128 + exc.signum
        finally:
            t1 = time.monotonic()
            try:
                runtime, stopped, _ = stop(args.root, project)
                print(f"down: stopped {len(stopped)} service(s)")
            except StackError as exc:
                print(exc.render(), file=sys.stderr)
                code = code or EXIT_PROBLEMS
            phases["down"] = time.monotonic() - t1
            phases["total"] = time.monotonic() - t0
            print(f"phases: {format_timings(phases)}")
    return code
