"""Thin CLI: arguments -> layers -> exit code (0 ok, 1 drift/problems, 2 bad input or usage)."""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
from pathlib import Path

from . import cache
from .runtime.signals import deferred, interruptible

# Each subcommand lives in obsgate/commands/<name>.py with `add_arguments(parser)` and `run(args) -> int`.
COMMANDS = {
    "generate": "write generated/ from the sources (or --check for drift)",
    "validate": "static gate: promtool, amtool, schemas, cross-references",
    "doctor": "list the external tools and where they come from",
    "up": "start the live stack (docker or native)",
    "down": "stop the live stack",
    "smoke": "live checks against the running stack",
    "ci": "up, smoke, always down; exit code of smoke",
    "images": "build the images `--images local` runs (no registry needed)",
    "loki-test": "run the LogQL rule unit tests on obsgate's LogQL engine (or --loki URL)",
    "drill": "disaster-recovery drill: back up, destroy, restore and verify the stack's data (RTO, RPO, report)",
    "preview": "draw every generated dashboard to PNG from the running stack's data (not Grafana's rendering)",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """All subcommands; with `command`, only that one's module is imported (preview's pulls in matplotlib,
    a second of startup that `obsgate loki-test` or `generate` should not pay)."""
    parser = argparse.ArgumentParser(prog="obsgate", description="observability-as-code generator and CI gate")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project root (default: current directory)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cache in <root>/.cache/obsgate (also OBSGATE_NO_CACHE=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if command is not None and name != command:
            continue
        module = importlib.import_module(f"obsgate.commands.{name.replace('-', '_')}")
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand named in argv (after the global options), or None when there is none."""
    args = iter(argv)
    for a in args:
        if a == "--root":
            next(args, None)
        elif not a.startswith("-"):
            return a if a in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    """Run one command. Ctrl-C or SIGTERM anywhere prints one line and exits 130 or 143, no traceback
    (commands that started processes stop them first, in their own `finally`)."""
    try:
        with interruptible():
            return _run(argv)
    except KeyboardInterrupt as exc:  # runtime.signals.Interrupted is one too (SIGINT or SIGTERM)
        signum = getattr(exc, "signum", signal.SIGINT)
        with deferred():  # a second Ctrl-C while reporting changes nothing
            try:
                print(f"obsgate: interrupted by {signal.Signals(signum).name}", file=sys.stderr)
            except (OSError, ValueError):
                pass
        return 128 + signum


def _run(argv: list[str] | None) -> int:
    parser = build_parser(_command(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    args.root = args.root.resolve()
    if args.no_cache:
        cache.disable()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
