"""Shared by commands: load the project, reporting bad input as `path:line: message` and exit 2."""
from __future__ import annotations

import sys
from pathlib import Path

from .. import report
from ..load import LoadError, load
from ..project import Project

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class BadInput(Exception):
    """Raised after the message is printed; commands turn it into exit code 2."""


def load_or_report(root: Path) -> Project:
    try:
        return load(root)
    except LoadError as exc:
        sys.stderr.write(report.bad_input([issue.problem() for issue in exc.issues]))
        raise BadInput() from None


def load_with_profile(root: Path, profile: str) -> Project:
    """The project, with `profile` known to its stack; an unknown profile is bad input too."""
    project = load_or_report(root)
    try:
        project.stack.profile(profile)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        raise BadInput() from None
    return project
