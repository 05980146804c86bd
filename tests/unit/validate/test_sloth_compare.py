"""The pure half of external/sloth: numbers read out of rule sets, and tests adapted to Sloth's names."""
from __future__ import annotations

import pytest

from obsgate.validate import sloth_compare as sc


@pytest.mark.parametrize("values, factor, want", [
    ("15.84x20", 0.001, "0.01584x20"),
    ("0+6000x10", 0.5, "0+3000x10"),
    ("1-2x3 _ stale _x4", 2, "2-4x3 _ stale _x4"),
    ("7", 0.001, "0.007"),
], ids=["scales a constant run", "scales start and step", "keeps gaps and stale markers", "scales a lone value"])
def test_scale_values(values, factor, want):
    assert sc.scale_values(values, factor) == want


def _ours(page_expr: str, budget: str = "vector(0.001)") -> dict:
    labels = {"slo": "a"}
    return {"groups": [{"name": "g", "rules": [
        {"record": "slo:sli_error:ratio_rate5m", "expr": "x", "labels": labels},
        {"record": "slo:sli_error:ratio_rate1h", "expr": "x", "labels": labels},
        {"record": "slo:error_budget:ratio", "expr": budget, "labels": labels},
        {"alert": "APage", "expr": page_expr, "labels": {"routing": "page"}},
        {"alert": "ATicket", "labels": {"routing": "ticket"},
         "expr": 'slo:burn_rate:ratio_rate1d{slo="a"} > 3 and slo:burn_rate:ratio_rate2h{slo="a"} > 3'},
    ]}]}


def _sloths(factor: str) -> dict:
    labels = {"sloth_slo": "a", "sloth_id": "s-a", "sloth_service": "s"}
    sel = '{sloth_slo="a"}'
    return {"groups": [{"name": "g", "rules": [
        {"record": "slo:sli_error:ratio_rate5m", "expr": "x", "labels": {**labels, "sloth_window": "5m"}},
        {"record": "slo:sli_error:ratio_rate1h", "expr": "x", "labels": {**labels, "sloth_window": "1h"}},
        {"record": "slo:error_budget:ratio", "expr": "vector(1-0.9990000000000001)", "labels": labels},
        {"alert": "A", "labels": {"sloth_severity": "page"},
         "expr": f"(max(slo:sli_error:ratio_rate5m{sel} > ({factor} * 0.0009999999999999432)) without (sloth_window) and "
                 f"max(slo:sli_error:ratio_rate1h{sel} > ({factor} * 0.0009999999999999432)) without (sloth_window))"},
        {"alert": "A", "labels": {"sloth_severity": "ticket"},
         "expr": f"slo:sli_error:ratio_rate2h{sel} > (3 * 0.0009999999999999432) and "
                 f"slo:sli_error:ratio_rate1d{sel} > (3 * 0.0009999999999999432)"},
    ]}]}


class SLO:
    name = "a"


PAGE = 'max by (slo) (slo:burn_rate:ratio_rate1h{slo="a"} > 14.4) and max by (slo) (slo:burn_rate:ratio_rate5m{slo="a"} > 14.4)'


def test_accepts_rule_sets_that_decide_the_same_windows_budget_and_factors():
    a, b = sc.ours(_ours(PAGE), SLO), sc.sloths(_sloths("14.4"), SLO)
    assert a.windows == ("5m", "1h") and a.alerts == {"page": (("1h", "5m", 14.4),), "ticket": (("1d", "2h", 3),)}
    assert b.alerts == {"page": (("1h", "5m", 14.4),), "ticket": (("1d", "2h", 3),)}
    assert sc.disagreements(a, b) == []


def test_reports_a_burn_rate_factor_that_differs():
    found = sc.disagreements(sc.ours(_ours(PAGE), SLO), sc.sloths(_sloths("6"), SLO))
    assert found == ["page alert differs: obsgate 1h/5m x14.4, Sloth 1h/5m x6"]


def test_reports_a_budget_that_differs():
    found = sc.disagreements(sc.ours(_ours(PAGE, "vector(0.01)"), SLO), sc.sloths(_sloths("14.4"), SLO))
    assert found[0].startswith("error budget differs: obsgate 0.01, Sloth 0.001")


def test_reports_rule_sets_without_alerts_instead_of_agreeing_on_nothing():
    empty = {"groups": [{"name": "g", "rules": []}]}
    found = sc.disagreements(sc.ours(empty, SLO), sc.sloths(empty, SLO))
    assert "neither rule set has a page alert on two burn-rate windows" in found
    assert any(f.startswith("SLI windows differ") or f.startswith("error budget differs") for f in found)
