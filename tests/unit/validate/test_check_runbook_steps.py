"""runbooks/steps: PromQL, LogQL and link steps of every runbook are parsed and cross-checked."""
from __future__ import annotations

import types
from dataclasses import replace

import pytest

from obsgate import AlertRule, Cause, RuleGroup, Runbook, Step
from obsgate.validate import runbook_steps

from validate_builders import expect


def project_with(shop, *steps):
    rb = Runbook(impact="i", causes=(Cause("c", "c", "f", likelihood="high"),), quick_fix="q", long_term_fix="l",
                 prevention=("check a", "check b"), steps=steps)
    rule = AlertRule(name="ShopProbe", expr="shop_queue_depth > 1", severity="warning", summary="s",
                     description="d", runbook=rb)
    return types.SimpleNamespace(project=replace(shop, groups=(RuleGroup("probe", rules=(rule,)),), loki_groups=()))


CASES = [
    ("accepts catalog, recorded and built-in series, shell and link steps",
     (Step("q", "sum(rate(shop_requests_total[5m]))"), Step("r", 'up{job="shop"}'),
      Step("sh", "curl -s localhost:8080/healthz", lang="shell"), Step("l", "https://langfuse.example/traces",
                                                                        lang="link")), []),
    ("rejects PromQL that does not parse", (Step("bad", "sum(rate(shop_requests_total[5m])"),),
     ['step "bad": PromQL does not parse']),
    ("rejects a metric nothing provides, suggesting the close one", (Step("typo", "shop_queue_dept"),),
     ["selects `shop_queue_dept`, which no catalog entry or rule provides (did you mean `shop_queue_depth`?)"]),
    ("rejects LogQL that does not parse", (Step("logs", '{service="shop" |= "x"', lang="logql"),),
     ['step "logs": LogQL does not parse']),
    ("rejects a link to a dashboard the project does not have",
     (Step("panel", "http://localhost:3000/d/nope?viewPanel=1", lang="link"),),
     ["links dashboard `nope`, which the project does not have"]),
]


@pytest.mark.parametrize("steps, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_runbook_steps(shop, steps, expected):
    expect(runbook_steps.check(project_with(shop, *steps)), expected)


def test_every_step_of_the_repo_runbooks_passes(repo_root):
    from obsgate.load import load
    project = load(repo_root)
    assert runbook_steps.check(types.SimpleNamespace(project=project)) == []
