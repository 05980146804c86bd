"""external/sloth: Sloth (github.com/slok/sloth, Apache-2.0) judges obsgate's SLO type from outside.

Each SLO is written as a Sloth spec and run through `sloth generate`. The two rule sets must decide the
same things: SLI windows, error budget, and the burn-rate factor of every alert window pair. Then the SLO's
own promtool tests run against Sloth's rules too, with obsgate's recorded names adapted to Sloth's.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from ..problem import Problem, Severity
from ..wrappers import promtool as promtool_wrapper
from ..wrappers.run import ToolError, run
from . import sloth_compare as sc
from .base import Check, skipped

CHECK = "external/sloth"
RULES_DIR, TESTS_DIR = "generated/prometheus/rules/", "generated/prometheus/tests/"


def check(ctx) -> list[Problem]:
    slos = tuple(getattr(ctx.project, "slos", ()) or ()) if ctx.project is not None else ()
    if not slos or not ctx.outputs:
        return []
    sloth, promtool = ctx.tool("sloth"), ctx.tool("promtool")
    if not sloth.found or not promtool.found:
        missing = "sloth" if not sloth.found else "promtool"
        return [skipped(CHECK, f"{missing} not installed; {len(slos)} SLO(s) not compared with Sloth",
                        "run `make tools` (pinned build into .tools/bin); see `obsgate doctor`")]
    docs = rule_documents(ctx.outputs)
    problems: list[Problem] = []
    for slo in slos:
        problems += judge(slo, docs, sloth.path, promtool.path, ctx.timings)
    return problems


def rule_documents(outputs: dict[str, bytes]) -> dict:
    """The generated Prometheus rule and test files, parsed, by path."""
    return {path: yaml.safe_load(data) for path, data in sorted(outputs.items())
            if path.startswith((RULES_DIR, TESTS_DIR)) and path.endswith((".yml", ".yaml"))}


def _rule_file(slo, docs: dict) -> str | None:
    return next((p for p, d in docs.items() if p.startswith(RULES_DIR) and sc.ours(d, slo).windows), None)


def _test_file(rule_path: str, docs: dict) -> str | None:
    """The promtool tests of the rule file's own group (generate names them after it)."""
    path = TESTS_DIR + Path(rule_path).stem + ".test.yml"
    return path if isinstance(docs.get(path), dict) else None


def judge(slo, docs: dict, sloth: str, promtool: str, timings=None) -> list[Problem]:
    """Every disagreement between obsgate's rules for `slo` and Sloth's, as Problems on the SLO's definition."""
    where = (slo.source.path, slo.source.line)

    def problem(message: str, hint: str = "", details: str = "") -> Problem:
        return Problem(CHECK, Severity.ERROR, f"SLO `{slo.name}`: {message}", *where, hint, details)

    rule_path = _rule_file(slo, docs)
    if rule_path is None:
        return [problem("no generated rule file records its SLI", "run `obsgate generate`")]
    with tempfile.TemporaryDirectory(prefix="obsgate-sloth-") as tmp:
        spec, out = Path(tmp) / "spec.yml", Path(tmp) / "sloth.yml"
        spec.write_text(yaml.safe_dump(sc.spec(slo), sort_keys=False))
        try:
            res = run([sloth, "generate", "--input", str(spec), "--out", str(out)], Path(tmp), timeout=120,
                      timings=timings)
        except ToolError as exc:
            return [problem(f"`sloth generate` could not run: {exc}")]
        if res.returncode != 0 or not out.is_file():
            return [problem("`sloth generate` rejected the SLO as a Sloth spec", "see the details for Sloth's error",
                            res.output[-2000:])]
        sloth_doc = yaml.safe_load(out.read_text())
        problems = [problem(f"Sloth disagrees: {d}", "obsgate's SLO expansion (obsgate/generate/slo/) and Sloth "
                            "should decide the same windows, budget and burn-rate factors")
                    for d in sc.disagreements(sc.ours(docs[rule_path], slo), sc.sloths(sloth_doc, slo))]
        test_path = _test_file(rule_path, docs)
        if test_path is None:
            return problems + [problem(f"no promtool test file reads {rule_path}")]
        adapted = Path(tmp) / "adapted.test.yml"
        adapted.write_text(yaml.safe_dump(sc.adapt_tests(docs[test_path], slo, docs[rule_path], sloth_doc,
                                                         out.name), sort_keys=False))
        try:
            results, _ = promtool_wrapper.test_rules(promtool, [adapted.name], cwd=Path(tmp), timings=timings, jobs=1)
        except ToolError as exc:
            return problems + [problem(f"promtool could not run obsgate's tests on Sloth's rules: {exc}")]
        if not results:
            problems.append(problem(f"promtool ran none of {test_path}'s tests on Sloth's rules"))
        for r in results:
            if not r.ok:
                problems.append(problem(f"test `{r.name}` of {test_path} fails on Sloth's rules",
                                        "the same inputs give a different answer under Sloth's rules",
                                        r.message[-2000:]))
        if not problems:
            theirs = sc.sloths(sloth_doc, slo)
            pairs = sum(len(p) for p in theirs.alerts.values())
            problems.append(Problem(CHECK, Severity.INFO, f"SLO `{slo.name}` agrees with Sloth: SLI windows "
                                    f"{', '.join(theirs.windows)}, error budget {sc.ratio(theirs.budget)}, {pairs} "
                                    f"burn-rate window pairs; {len(results)} of obsgate's tests pass on Sloth's rules",
                                    *where))
    return problems


CHECKS = (Check(CHECK, "Sloth's rules for each SLO agree with obsgate's and pass its tests", check, (),
                ("sloth", "promtool")),)
