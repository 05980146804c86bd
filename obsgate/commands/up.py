"""`obsgate up`: start the live stack (docker or native), wait until healthy, seed the datasets."""
from __future__ import annotations

import sys

from ..runtime import StackError
from ..runtime.layout import Layout
from ..runtime.session import format_timings, start
from ..runtime.signals import Interrupted
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, BadInput, load_with_profile


def add_arguments(parser) -> None:
    parser.add_argument("--runtime", choices=("auto", "docker", "native"), default="auto",
                        help="docker when an engine answers (auto), else local processes")
    parser.add_argument("--profile", default="local", help="stack profile: local (default) or ci (fast intervals)")
    parser.add_argument("--wipe", action="store_true", help="delete the services' data dirs before starting")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for health (default 60)")
    parser.add_argument("--images", choices=("official", "local"), default="",
                        help="docker image set: official pinned images (default) or local (built here, no registry)")


def run(args) -> int:
    try:
        project = load_with_profile(args.root, args.profile)
    except BadInput:
        return EXIT_USAGE
    try:
        with Layout(args.root).lock("up"):
            started = start(args.root, project, args.runtime, args.profile, wipe=args.wipe, timeout=args.timeout,
                            images=args.images, command="up")
    except StackError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_PROBLEMS
    except Interrupted as exc:
        print(f"interrupted by {exc}; the stack was stopped", file=sys.stderr)
        return 128 + exc.signum
    report(started)
    return EXIT_OK


def report(started) -> None:
    rt, res = started.runtime, started.result
    if res.already_running and not res.started:
        print(f"stack is already running ({rt.name}, profile {rt.profile}): {', '.join(res.already_running)}; "
              "nothing started")
    else:
        print(f"stack up ({rt.name}, profile {rt.profile}): started {len(res.started)} service(s)"
              + (f", {len(res.already_running)} already running" if res.already_running else ""))
    for st in rt.status():
        print("  " + st.line())
    if started.seeded.get("counts"):
        print("  datasets: " + ", ".join(f"{k} {v}" for k, v in sorted(started.seeded["counts"].items())
                                         if not isinstance(v, dict)))
    elif started.seeded.get("skipped"):
        print(f"  datasets: not seeded ({started.seeded['skipped']})")
    print(f"timings: {format_timings(started.timings)}")
