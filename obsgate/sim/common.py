"""Command-line pieces shared by the simulator entry points: options, project loading, exit codes."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import report
from ..load import LoadError, load
from ..project import Project


def add_server_args(parser: argparse.ArgumentParser, port: int | None = None) -> None:
    parser.add_argument("--port", type=int, required=port is None, default=port, help="port to listen on")
    parser.add_argument("--host", default=None,
                        help="address to bind (default: env OBSGATE_BIND_HOST, else 127.0.0.1; 0.0.0.0 in docker)")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")


def add_root_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=None,
                        help="project root holding catalog/, rules_src/, stacks/ (default: env OBSGATE_ROOT, else cwd)")


def project_root(value: Path | None) -> Path:
    return Path(value or os.environ.get("OBSGATE_ROOT") or Path.cwd())


def load_project(value: Path | None, prog: str) -> Project:
    """The loaded project, or exit 2 after printing `path:line: message` for each load problem."""
    root = project_root(value)
    try:
        return load(root)
    except LoadError as exc:
        sys.stderr.write(report.bad_input([issue.problem() for issue in exc.issues]))
        print(f"{prog}: cannot load the project at {root}", file=sys.stderr)
        raise SystemExit(2) from None
