"""The SLO type: one declaration -> SLI/burn-rate/budget rules, page and ticket alerts with tests, a board."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from obsgate import SLO, DefinitionError, Runbook, Sample, TestCase
from obsgate.generate import generate
from obsgate.load import LoadError, load
from obsgate.generate import slo as expansion
from obsgate.model.slo import BURN_POLICY, WINDOWS
from obsgate.render import render_all, write_tree

ROOT = Path(__file__).resolve().parents[2]
PROMTOOL = ROOT / ".tools" / "bin" / "promtool"
RUNBOOK = Runbook(impact="users see errors", causes=(), quick_fix="roll back", long_term_fix="fix it",
                  prevention="canary")
OK = dict(name="shop-availability", service="shop", description="99.5% of shop requests succeed.", objective=99.5,
          errors='sum(rate(shop_requests_total{status="error"}[$window]))',
          total="sum(rate(shop_requests_total[$window]))", runbook=RUNBOOK)


def slo(**kw) -> SLO:
    return SLO(**{**OK, **kw})


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="Shop_Availability"), "is not a lower-case dashed name"),
    (dict(objective=100), "is not a percentage between 0 and 100"),
    (dict(objective=0), "is not a percentage between 0 and 100"),
    (dict(objective=True), "is not a percentage between 0 and 100"),
    (dict(errors="sum(rate(shop_requests_total[5m]))"), "has no `$window` range"),
    (dict(total="sum(rate(shop_requests_total[$window])"), "does not parse"),
    (dict(period="30 days"), "is not a valid duration"),
    (dict(runbook="see wiki"), "is not a Runbook"),
    (dict(description=""), "is empty"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_refuses_bad_slo(kwargs, message):
    with pytest.raises(DefinitionError) as err:
        slo(**kwargs)
    assert message in err.value.message
    assert err.value.source.path.endswith("test_slo.py") and err.value.source.line > 0


def test_accepts_a_valid_slo_and_derives_names_and_budget():
    s = slo()
    assert s.budget == 0.005
    assert (s.page_alert, s.ticket_alert) == ("ShopAvailabilitySLOBurnRatePage", "ShopAvailabilitySLOBurnRateTicket")
    assert s.group_name == "slo_shop_availability" and s.uid == "slo-shop-availability"


def test_one_declaration_generates_every_window_burn_rate_and_budget_rule():
    records = [r.record for r in expansion.sli.recording_rules(slo())]
    for w in WINDOWS:
        assert f"slo:sli_error:ratio_rate{w}" in records and f"slo:burn_rate:ratio_rate{w}" in records
    assert {"slo:sli_error:ratio_rate30d", "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio",
            "slo:objective:ratio", "slo:error_budget:ratio"} <= set(records)
    assert all(r.labels == {"slo": "shop-availability"} for r in expansion.sli.recording_rules(slo()))
    sli1h = next(r for r in expansion.sli.recording_rules(slo()) if r.record == "slo:sli_error:ratio_rate1h")
    assert "[1h]" in sli1h.expr and "$window" not in sli1h.expr
    burn = next(r for r in expansion.sli.recording_rules(slo()) if r.record == "slo:burn_rate:ratio_rate6h")
    assert burn.expr == 'slo:sli_error:ratio_rate6h{slo="shop-availability"} / 0.005'


def test_page_and_ticket_alerts_follow_the_burn_policy():
    page, ticket = expansion.alerts.alerts(slo())
    assert (page.severity, ticket.severity) == ("critical", "warning")
    assert page.labels == {"routing": "page"} and ticket.labels == {"routing": "ticket"}
    for bw in BURN_POLICY:
        alert = page if bw.routing == "page" else ticket
        assert f"slo:burn_rate:ratio_rate{bw.long}" in alert.expr and f"slo:burn_rate:ratio_rate{bw.short}" in alert.expr
        assert f"> {bw.factor:g})" in alert.expr
    assert sum(t.fires for t in page.tests) >= 2 and sum(not t.fires for t in page.tests) >= 2
    assert page.runbook.related[0] == ticket.name and ticket.runbook.related[0] == page.name
    assert page.runbook.steps[0].query.startswith('{__name__=~"slo:burn_rate')


def test_sli_tests_attach_to_the_5m_sli_rule():
    case = TestCase("x", series={'shop_requests_total{status="ok"}': "0+60x5"}, at="5m",
                    promql={'slo:sli_error:ratio_rate5m{slo="shop-availability"}': ()})
    rules = expansion.sli.recording_rules(slo(sli_tests=(case,)))
    assert [r.record for r in rules if r.tests and r.tests[0] is case] == ["slo:sli_error:ratio_rate5m"]


def test_board_shows_budget_with_the_25_50_100_percent_consumed_thresholds():
    board = expansion.board.board(slo())
    assert board.uid == "slo-shop-availability" and board.path.endswith("test_slo.py")
    panels = {p.title: p for p in board.dashboard.panels}
    consumed = panels["Error budget consumed over time"]
    assert [s["value"] for s in consumed.thresholds] == [None, 0.25, 0.5, 1.0]
    remaining = panels["Error budget remaining"]
    assert [s["value"] for s in remaining.thresholds] == [None, 0.0, 0.5, 0.75]
    page = panels["Page burn rates (ShopAvailabilitySLOBurnRatePage)"]
    assert {t.legendFormat for t in page.targets} == {"1h", "5m", "6h", "30m"}


SLO_SOURCE = '''from obsgate import SLO, Runbook, Sample, TestCase

AVAILABILITY = SLO(
    name="shop-availability", service="shop", description="99.5% of shop requests succeed.", objective=99.5,
    errors='sum(rate(shop_requests_total{status="error"}[$window]))',
    total="sum(rate(shop_requests_total[$window]))",
    runbook=Runbook(impact="users see errors", causes=(), quick_fix="roll back", long_term_fix="fix it",
                    prevention="canary"),
    sli_tests=(TestCase("1 error in 100 requests is 0.01",
                        series={'shop_requests_total{status="ok"}': "0+99x10",
                                'shop_requests_total{status="error"}': "0+1x10"},
                        at="10m", promql={'round(slo:sli_error:ratio_rate5m{slo="shop-availability"} * 1000)':
                                          (Sample('{slo="shop-availability"}', 10),)}),),
)
'''


def test_loader_collects_an_slo_into_a_rule_group_and_a_board(fixture_project):
    (fixture_project / "rules_src" / "shop_slo.py").write_text(SLO_SOURCE)
    project = load(fixture_project)
    assert [s.name for s in project.slos] == ["shop-availability"]
    assert "slo_shop_availability" in {g.name for g in project.groups}
    board = next(b for b in project.boards if b.uid == "slo-shop-availability")
    assert board.path == "rules_src/shop_slo.py" and board.line == 3


def test_an_slo_on_an_undeclared_metric_is_xref_metric_exists_at_the_slo(fixture_project, tmp_path):
    """Not a load error any more: the catalog check has one home, validate's xref/metric-exists."""
    from obsgate.validate import context
    from obsgate.validate.xref import metric_exists

    (fixture_project / "rules_src" / "shop_slo.py").write_text(SLO_SOURCE.replace("shop_requests_total[$window]))\"",
                                                                                  "shop_hits_total[$window]))\""))
    project = load(fixture_project)
    ctx = context.for_project(fixture_project, project, render_all(generate(project)), tmp_path / "work")
    found = [p for p in metric_exists.check(ctx) if "shop_hits_total" in p.message]
    assert found and {(p.path, p.severity.name) for p in found} == {("rules_src/shop_slo.py", "ERROR")}


@pytest.mark.skipif(not PROMTOOL.exists(), reason="promtool not built (make tools)")
def test_generated_slo_rules_pass_the_real_promtool_check_and_tests(fixture_project, tmp_path):
    (fixture_project / "rules_src" / "shop_slo.py").write_text(SLO_SOURCE)
    out = tmp_path / "out"
    write_tree(out, render_all(generate(load(fixture_project), families=("prometheus",))))
    rules = out / "generated/prometheus/rules/slo_shop_availability.yml"
    tests = out / "generated/prometheus/tests/slo_shop_availability.test.yml"
    check = subprocess.run([PROMTOOL, "check", "rules", rules], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "21 rules found" in check.stdout  # 7 SLI + period SLI + 7 burn + 4 budget rules + 2 alerts
    run = subprocess.run([PROMTOOL, "test", "rules", tests.name], cwd=tests.parent, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.skipif(not PROMTOOL.exists(), reason="promtool not built (make tools)")
def test_the_generated_burn_tests_fail_when_a_threshold_is_wrong(fixture_project, tmp_path):
    """The generated near-miss cases catch a page threshold lowered from 14.4 to 13."""
    (fixture_project / "rules_src" / "shop_slo.py").write_text(SLO_SOURCE)
    out = tmp_path / "out"
    write_tree(out, render_all(generate(load(fixture_project), families=("prometheus",))))
    rules = out / "generated/prometheus/rules/slo_shop_availability.yml"
    rules.write_text(rules.read_text().replace("> 14.4)", "> 13)"))
    tests = out / "generated/prometheus/tests/slo_shop_availability.test.yml"
    run = subprocess.run([PROMTOOL, "test", "rules", tests.name], cwd=tests.parent, capture_output=True, text=True)
    assert run.returncode != 0 and "stays quiet at 95% of each threshold" in run.stdout + run.stderr


def test_the_scenario_drives_the_page_alert_and_the_ticket_alert_says_why_not():
    from obsgate import Effect, Metric, Scenario

    m = Metric("shop_errors_total", "counter", help="h", job="shop")
    sc = Scenario(fault="errors", target="shop-sim", effects=(Effect(m, rate=5.0),))
    page, ticket = expansion.alerts.alerts(slo(scenario=sc))
    assert page.scenario is sc and not page.no_scenario
    assert ticket.scenario is None and "short windows" in ticket.no_scenario
