"""`obsgate down`: stop every service of the live stack; data dirs survive unless --wipe."""
from __future__ import annotations

import sys

from ..runtime import StackError
from ..runtime.layout import Layout
from ..runtime.session import stop
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, BadInput, load_or_report


def add_arguments(parser) -> None:
    parser.add_argument("--wipe", action="store_true", help="also delete the services' data dirs")


def run(args) -> int:
    try:
        project = load_or_report(args.root)
    except BadInput:
        return EXIT_USAGE
    try:
        with Layout(args.root).lock("down"):
            runtime, stopped, took = stop(args.root, project, wipe=args.wipe)
    except StackError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_PROBLEMS
    what = f"stopped {len(stopped)} service(s): {', '.join(stopped)}" if stopped else "nothing was running"
    print(f"{runtime.name}: {what}{'; data wiped' if args.wipe else ''} (down {took:.2f}s)")
    return EXIT_OK
