"""loki/rule-tests: the LogQL rule unit tests, run on obsgate's LogQL engine as part of the static gate.

The same tests `obsgate loki-test` runs (promtool's alert_rule_test semantics for Loki rules), turned into
Problems: one ERROR per failing alert_rule_test at its line, so validate's reporter, JUnit and summary show
them beside promtool's own rule tests.
"""
from __future__ import annotations

from pathlib import Path

from ..inputs import reading
from ..logql.ruletest import loading, report, runner
from ..problem import Problem, Severity
from .base import Check
from .files import LOKI_TESTS

CHECK = "loki/rule-tests"


def read(path: str) -> str:
    """Regular files only, size-bounded (a FIFO named as a test file must not hang the run)."""
    return reading.read_bytes(Path(path)).decode("utf-8", errors="replace")


def problems(results) -> list[Problem]:
    """Every failing alert_rule_test of the results as an ERROR at its test's line, with the diff as details."""
    out = []
    for fr in results:
        for f in fr.failures:
            if f.error:
                message, details = f"test `{f.test}`: {f.error}", ""
            else:
                changes = report.diff(f.exp, f.got)
                message = f"test `{f.test}`: alert `{f.alertname}` at {f.eval_time}: {changes[0] if changes else 'differs'}"
                details = "\n".join(changes)
            out.append(Problem(CHECK, Severity.ERROR, message, fr.path, f.line,
                               "run `obsgate loki-test` on the file to see the expected and the actual alerts",
                               details))
    return out


def check(ctx) -> list[Problem]:
    found, out = [], []
    for f in ctx.of(LOKI_TESTS):
        if f.error is not None:
            continue
        try:
            found.append(loading.load_test_file(read, str(f.disk), f.path))
        except loading.LoadError as exc:
            out.append(Problem(CHECK, Severity.ERROR, exc.message, exc.path, exc.line, exc.hint))
    return out + (problems(runner.run(found, runner.EngineBackend())) if found else [])


CHECKS = (Check(CHECK, "the LogQL rule unit tests pass on obsgate's LogQL engine", check, (LOKI_TESTS,)),)
