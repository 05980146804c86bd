"""generate/drift: the committed files are what the sources produce (the same test as `generate --check`)."""
from __future__ import annotations

import re

from .. import render
from ..problem import Problem, Severity
from .base import Check

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)")


def check(ctx) -> list[Problem]:
    if ctx.outputs is None:
        return []  # a paths run checks files as they are; drift is a property of a project
    return from_diff(render.diff(ctx.root, ctx.outputs))


def from_diff(diff: str) -> list[Problem]:
    """One problem per file in a unified diff, at the first changed line of the committed file."""
    out: list[Problem] = []
    old = new = ""
    reported = set()
    for line in diff.splitlines():
        if line.startswith("--- "):
            old = line[4:].removeprefix("a/")
        elif line.startswith("+++ "):
            new = line[4:].removeprefix("b/")
        elif line.startswith("@@"):
            path = new if new != "/dev/null" else old
            if path in reported:
                continue
            reported.add(path)
            m = _HUNK.match(line)
            if old == "/dev/null":
                message, at = "is missing: the sources produce it but it is not committed", 0
            elif new == "/dev/null":
                message, at = "is stale: the sources no longer produce it", 0
            else:
                message, at = "differs from what the sources produce", int(m.group(1)) if m else 0
            out.append(Problem("generate/drift", Severity.ERROR, f"generated file {message}", path, max(at, 0),
                               "run `obsgate generate` and commit the result; never edit generated files by hand"))
    return out


CHECKS = (Check("generate/drift", "generated files match the sources (`obsgate generate --check`)", check),)
