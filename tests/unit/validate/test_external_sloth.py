"""external/sloth with the real Sloth and promtool: the repo's SLOs agree, and planted differences are caught."""
from __future__ import annotations

import pytest
import yaml

from obsgate import render
from obsgate.generate import generate
from obsgate.load import load
from obsgate.problem import Severity
from obsgate.tools import find
from obsgate.validate import external_sloth

from validate_builders import ROOT

SLOTH, PROMTOOL = find("sloth", ROOT), find("promtool", ROOT)


@pytest.fixture(scope="module")
def repo():
    project = load(ROOT)
    docs = external_sloth.rule_documents(render.render_all(generate(project)))
    return project, docs


def judge(slo, docs):
    return external_sloth.judge(slo, docs, SLOTH.path, PROMTOOL.path)


def test_the_repo_slos_agree_with_sloth_and_their_tests_pass_on_sloths_rules(repo):
    project, docs = repo
    assert SLOTH.found and SLOTH.version == SLOTH.pinned, "run `make tools`"
    assert len(project.slos) >= 2
    for slo in project.slos:
        [p] = judge(slo, docs)
        assert p.severity is Severity.INFO, p.message + p.details
        assert "4 burn-rate window pairs" in p.message and "SLI windows 5m, 30m, 1h, 2h, 6h, 1d, 3d, 30d" in p.message
        ran = int(p.message.split("; ")[-1].split(" of ")[0])
        assert ran >= 6  # the page and ticket cases, the SLI test and the budget test


def _planted(docs, path, old, new):
    text = yaml.safe_dump(docs[path], sort_keys=False)
    assert old in text
    return {**docs, path: yaml.safe_load(text.replace(old, new))}


def test_reports_a_page_factor_that_sloth_does_not_share(repo):
    project, docs = repo
    slo = project.slos[0]
    rules = next(p for p in docs if p.startswith(external_sloth.RULES_DIR) and slo.group_name in p
                 and f'slo="{slo.name}"' in str(docs[p]))
    problems = judge(slo, _planted(docs, rules, "> 14.4)", "> 13)"))
    found = [p.message for p in problems if p.severity is Severity.ERROR]
    assert f"SLO `{slo.name}`: Sloth disagrees: page alert differs: obsgate 1h/5m x13; 6h/30m x6, " \
           f"Sloth 1h/5m x14.4; 6h/30m x6" in found
    assert all(p.path == slo.source.path and p.line == slo.source.line for p in problems)


def test_reports_a_test_whose_answer_differs_under_sloths_rules(repo):
    project, docs = repo
    slo = project.slos[0]
    tests = external_sloth.TESTS_DIR + "slo_" + slo.name.replace("-", "_") + ".test.yml"
    planted = yaml.safe_dump(docs[tests], sort_keys=False).replace("value: 500", "value: 501", 1)
    problems = judge(slo, {**docs, tests: yaml.safe_load(planted)})
    failing = [p for p in problems if "fails on Sloth's rules" in p.message]
    assert len(failing) == 1 and failing[0].severity is Severity.ERROR
    assert "501" in failing[0].details or "5.01E+02" in failing[0].details
