"""input/parse: a YAML or JSON file that does not parse is a finding at its line, never a traceback."""
from __future__ import annotations

from ..problem import Problem, Severity
from .base import Check
from .files import UNKNOWN


def check(ctx) -> list[Problem]:
    out = []
    for f in ctx.files:
        if f.error is not None:
            out.append(Problem("input/parse", Severity.ERROR, f.error.message, f.path, f.error.line,
                               "fix the syntax; other checks skip this file until it parses"))
        elif f.kind == UNKNOWN and ctx.mode != "project":
            out.append(Problem("input/parse", Severity.ERROR,
                               f"cannot tell what kind of file `{f.path}` is, so nothing in it was checked", f.path,
                               f.line(()), "rule files, promtool tests, prometheus.yml, alertmanager.yml, compose "
                               "files, dashboard JSON and Kubernetes manifests holding them are checked; leave other "
                               "files out of the paths"))
    return out


CHECKS = (Check("input/parse", "every input file parses and is of a known kind", check),)
