"""Run loaded test files on a backend: obsgate's engine (in memory) or a real Loki (--loki URL).

A backend has `push(tenant, [(labels, [(ns, line), ...])])` and `evaluate(tenant, expr, [at_unix_s, ...])`
returning the instant samples [(labels, value)] at each time; both raise BackendError with the reason
for a refusal. The engine evaluates a rule's whole grid as one range query (the pipeline runs once).
"""
from __future__ import annotations

from ..errors import LogQLError
from ..evaluator import Entry, Stream, instant, range_query
from ..parser import parse
from ..templates import TemplateError
from .alerts import alerts_at, eval_grid, expected, lookback
from .model import Failure, FileResult, TestCase, TestFile

ENGINE_BASE_UNIX = 1_699_999_200  # a whole hour (2023-11-14 22:00 UTC): engine runs are reproducible


class BackendError(Exception):
    """The backend refused a push or a query; the message is its reason."""


class EngineBackend:
    """obsgate's LogQL engine over the pushed lines, one in-memory store per tenant."""

    name = "obsgate's LogQL engine"

    def __init__(self):
        self.tenants: dict[str, list[Stream]] = {}

    def push(self, tenant: str, streams) -> None:
        self.tenants[tenant] = [Stream(tuple(sorted(labels.items())), [Entry(ns, line) for ns, line in values])
                                for labels, values in streams]

    def query(self, tenant: str, expr: str, at: float) -> list[tuple[dict, float]]:
        try:
            return instant(parse(expr), self.tenants.get(tenant, []), int(round(at * 1e9))).samples()
        except LogQLError as exc:
            raise BackendError(str(exc)) from None

    def evaluate(self, tenant: str, expr: str, times: list[float]) -> list[list[tuple[dict, float]]]:
        """Samples at each of `times` (evenly spaced): one range query, as many instant queries would give."""
        if len(times) < 2:
            return [self.query(tenant, expr, t) for t in times]
        ns = [int(round(t * 1e9)) for t in times]
        try:
            q = parse(expr)
            if q.kind == "log":
                instant(q, [], ns[0])  # refused exactly as an instant query is
            res = range_query(q, self.tenants.get(tenant, []), ns[0], ns[-1], ns[1] - ns[0])
        except LogQLError as exc:
            raise BackendError(str(exc)) from None
        at = {t: [] for t in ns}
        for labels, points in res.matrix:
            for t, v in points:
                at[t].append((dict(labels), v))
        return [at[t] for t in ns]


def push_streams(case: TestCase, base_ns: int) -> list[tuple[dict, list[tuple[int, str]]]]:
    """The test's lines as push streams at base + ts, in time order.

    Loki drops an entry whose timestamp and text repeat one already in the stream, so lines that
    share a `ts` are spread 1 ns apart: a test that writes the same line twice counts it twice.
    """
    merged: dict[tuple, list] = {}
    for s in case.streams:
        merged.setdefault(tuple(sorted(s.labels.items())), []).extend(s.lines)
    out = []
    for key, lines in merged.items():
        values, seen = [], {}
        for ts, text in sorted(lines, key=lambda x: x[0]):
            ns = base_ns + int(round(ts * 1e9))
            bump = seen.get(ns, 0)
            seen[ns] = bump + 1
            values.append((ns + bump, text))
        values.sort(key=lambda v: v[0])
        out.append((dict(key), values))
    return out


def run(files: list[TestFile], backend, base_unix: int = ENGINE_BASE_UNIX, slot_s: int = 0,
        bases: list[int] | None = None) -> list[FileResult]:
    """Push every test's lines (a tenant per test) and compare each alert_rule_test.

    Test k starts at `bases[k]` when given, else at base + k*slot (slot 0: all at base, tenants apart).
    """
    results = []
    k = 0
    for fi, tf in enumerate(files):
        fr = FileResult(tf.path, len(tf.tests))
        if not tf.tests:
            fr.failures.append(Failure("(file)", "-", "-", error="`tests` is empty: 0 tests is a failing test file",
                                       line=tf.line))
        elif not any(at.exp_alerts for case in tf.tests for at in case.alert_tests):
            fr.failures.append(Failure("(file)", "-", "-", line=tf.line, error=(
                "no test in this file expects an alert to fire; quiet-only tests prove nothing "
                "(add a case where the rule fires)")))
        for ti, case in enumerate(tf.tests):
            if not case.alert_tests:
                fr.failures.append(Failure(case.name, "-", "-", error="the test has no `alert_rule_test`",
                                           line=case.line))
                continue
            tenant = f"obsgate-test-{fi}-{ti}"
            base = bases[k] if bases is not None else base_unix + k * slot_s
            k += 1
            try:
                backend.push(tenant, push_streams(case, base * 10**9))
            except BackendError as exc:
                fr.failures.append(Failure(case.name, "-", "-", error=f"push failed: {exc}", line=case.line))
                continue
            for at in case.alert_tests:
                failure = _check(tf, case, at, backend, tenant, base)
                if failure is not None:
                    fr.failures.append(failure)
        results.append(fr)
    return results


def _check(tf: TestFile, case: TestCase, at, backend, tenant: str, base_unix: int) -> Failure | None:
    rule = tf.rules.get(at.alertname)
    exp = expected(at)
    if rule is None:
        return Failure(case.name, at.alertname, at.eval_time, exp, [], "no alerting rule with this name in "
                       f"rule_files ({', '.join(sorted(tf.rules)) or 'none'})", at.line)
    try:
        grid = eval_grid(at.eval_s, rule.interval_s, lookback(rule))
        samples = backend.evaluate(tenant, rule.expr, [base_unix + t for t in grid])
        got = alerts_at(rule, list(zip(grid, samples)))
    except TemplateError as exc:
        return Failure(case.name, at.alertname, at.eval_time, exp, [], f"template: {exc} (rule at "
                       f"{rule.path}:{rule.line})", at.line)
    except BackendError as exc:
        why = f"{backend_label(backend)}: {exc} (rule at {rule.path}:{rule.line})"
        if "log queries are not supported" in str(exc):
            why += "; an alert needs a metric query, e.g. `sum(count_over_time({...}[5m])) > 0`"
        return Failure(case.name, at.alertname, at.eval_time, exp, [], why, at.line)
    if [a.key() for a in got] != [a.key() for a in exp]:
        return Failure(case.name, at.alertname, at.eval_time, exp, got, "", at.line)
    return None


def backend_label(backend) -> str:
    return "logql" if isinstance(backend, EngineBackend) else "loki"
