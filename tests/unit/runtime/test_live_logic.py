"""Pure pieces of the live gate: receiver routing, scenario scheduling, backfill text, Grafana variables."""
from __future__ import annotations

from obsgate import Effect, Metric, Receiver, Route, Routing, Scenario
from obsgate.runtime.backfill import Backfill, openmetrics
from obsgate.runtime.native import start_order
from obsgate.smoke import grafana_vars
from obsgate.smoke.routing import receivers_for, sink_checkable
from obsgate.smoke.scenarios import Drive, mutes, schedule

ROUTING = Routing(
    receivers=(Receiver("pager", "webhook", secret_file="p"), Receiver("chat", "webhook", secret_file="c"),
               Receiver("mail", "email", to="x@example.org"), Receiver("slack", "slack", secret_file="s")),
    by_severity={"critical": "pager", "warning": "chat", "info": "chat"},
    routes=(Route("mail", ('spc_rule=~"R1|R2"',), continue_=True), Route("slack", ('spc_rule=~"R1|R2"',))),
)
M = Metric("demo_total", "counter", help="h", job="demo")
G = Metric("demo_gauge", "gauge", help="h", job="demo")


def test_severity_picks_the_receiver_when_no_child_route_matches():
    assert receivers_for(ROUTING, {"severity": "critical"}) == ["pager"]
    assert receivers_for(ROUTING, {"severity": "warning"}) == ["chat"]


def test_continue_lets_the_next_route_match_too_and_stops_after_it():
    assert receivers_for(ROUTING, {"severity": "critical", "spc_rule": "R2"}) == ["mail", "slack"]


def test_email_receivers_are_checked_only_where_the_stack_runs_an_smtp_sink():
    assert sink_checkable(ROUTING, "slack") and sink_checkable(ROUTING, "pager")
    assert sink_checkable(ROUTING, "mail") and not sink_checkable(ROUTING, "mail", smtp_sink=False)


def test_nested_routes_inherit_the_receiver_and_continue_only_where_asked():
    tree = Routing(receivers=ROUTING.receivers, receiver="chat", routes=(
        Route(matchers=('component="llmscope"',), routes=(
            Route("mail", ('spc_rule=~"R1|R2"',), continue_=True), Route("slack", ('spc_rule=~"R1|R2"',)))),
        Route("pager", ('severity="critical"',), continue_=True),
        Route("slack", ('severity=~"critical|warning"',))))
    assert receivers_for(tree, {"component": "llmscope", "spc_rule": "R1"}) == ["mail", "slack"]
    assert receivers_for(tree, {"component": "llmscope"}) == ["chat"]  # no child matched: the parent's receiver
    assert receivers_for(tree, {"severity": "critical"}) == ["pager", "slack"]
    assert receivers_for(tree, {"severity": "info"}) == ["chat"]


def drive(target, fault, metric=M, down=False):
    effects = () if down else (Effect(metric, rate=1.0),)
    return Drive(target, fault, Scenario(fault, target, effects=effects, metrics_down=down))


def test_schedule_serialises_drives_whose_alerts_share_a_family_across_targets():
    from obsgate import AlertRule
    def fam(target, fault, family):
        d = drive(target, fault)
        d.rules.append(AlertRule(name=f"A{fault}", expr="up == 0", severity="warning", summary="s", description="d",
                                 family=family))
        return d
    plan = schedule([fam("a", "x", "disk"), fam("b", "y", "disk"), fam("c", "z", "other")])
    after = {d.fault: [plan[j][0].fault for j in deps] for d, deps in plan}
    assert after == {"x": [], "y": ["x"], "z": []}


def test_schedule_runs_target_down_first_and_serialises_only_conflicts():
    plan = schedule([drive("a", "x"), drive("a", "down", down=True), drive("a", "y", G), drive("b", "z"),
                     drive("a", "x2")])
    names = [d.fault for d, _ in plan]
    assert names[0] == "down"
    waits = {d.fault: {plan[j][0].fault for j in after} for d, after in plan}
    assert waits["x"] == {"down"} and waits["y"] == {"down"}
    assert waits["x2"] == {"down", "x"}  # same metric on the same target
    assert waits["z"] == set()  # another target never waits


def test_backfill_declines_to_its_end_value_at_the_end_time():
    text = openmetrics((Backfill("A", "budget", {"persona": "tester"}, end_value=6000, slope=-10, history="1m"),),
                       end=1000, step=15)
    lines = [l for l in text.splitlines() if not l.startswith("#")]
    assert text.startswith("# TYPE budget gauge") and text.endswith("# EOF\n")
    assert lines[0] == 'budget{persona="tester"} 6600 940.000'
    assert lines[-1] == 'budget{persona="tester"} 6000 1000.000'
    assert len(lines) == 5


def test_grafana_variables_expand_to_all_values_and_rate_windows_of_four_scrapes():
    values = {**grafana_vars.builtins(1.0), **grafana_vars.resolve(
        [{"name": "datasource", "type": "datasource"},
         {"name": "persona", "type": "query", "includeAll": True, "allValue": ".*"},
         {"name": "model", "type": "query", "query": "label_values(demo_total, model)"},
         {"name": "env", "type": "custom", "query": "prod,staging"}],
        lambda label, match: ["llama"] if (label, match) == ("model", "demo_total") else [])}
    expr = 'rate(x{persona=~"$persona",model="${model}",env="[[env]]"}[$__rate_interval])'
    assert grafana_vars.expand(expr, values) == 'rate(x{persona=~".*",model="llama",env="prod"}[60s])'
    assert grafana_vars.leftover(grafana_vars.expand("$unknown", values)) == ["unknown"]


def test_start_order_puts_dependencies_first():
    class S:
        def __init__(self, name, deps=()):
            self.name, self.depends_on = name, deps

    order = [s.name for s in start_order([S("prometheus", ("alertmanager",)), S("alertmanager"), S("sim")])]
    assert order.index("alertmanager") < order.index("prometheus")


def test_panel_history_counts_offsets_through_recording_rules_as_rendered_per_profile():
    from pathlib import Path

    from obsgate.generate.target import Target
    from obsgate.load import load
    from obsgate.smoke.base import Context
    from obsgate.smoke.panels import history_needed

    project = load(Path(__file__).resolve().parents[3])
    for name in ("local", "ci"):
        ctx = Context(project, Path("."), {}, profile=name)
        target = Target(profile=project.stack.profile(name), runtime="native")
        assert history_needed(ctx, "rate(x[5m] offset 2m)", target) == 120.0  # panel queries are not compressed
        assert history_needed(ctx, "rate(x[5m])", target) == 0.0


def test_a_warning_is_expected_muted_only_by_a_critical_of_its_family_and_component_in_the_same_fault():
    from obsgate import AlertRule

    def rule(name, severity, family="", component="c"):
        return AlertRule(name=name, expr="up == 0", severity=severity, summary="s", description="d", family=family,
                         component=component)

    same = [rule("Warn", "warning", "q"), rule("Crit", "critical", "q"), rule("Other", "warning", "z")]
    assert mutes(same) == {"Warn": "Crit"}
    assert mutes([rule("Warn", "warning", "q"), rule("Crit", "critical", "q", component="d")]) == {}
    assert mutes([rule("Warn", "warning"), rule("Crit", "critical")]) == {}  # no family: nothing inhibits
    assert mutes([rule("Warn", "warning", "q")]) == {}  # the critical is not driven by this fault


def test_clear_faults_asks_only_the_services_a_scenario_targets(monkeypatch):
    from pathlib import Path

    from obsgate.load import load
    from obsgate.runtime import session

    project = load(Path(__file__).resolve().parents[3])
    asked = []
    monkeypatch.setattr(session.http, "get", lambda url, timeout: asked.append(url) or {"active": []})
    names = ["smtp-sink", "alert-sink", "loki", "coverage-exporter", "agent-sim", "mongo"]
    assert session.clear_faults(project, names) == []
    ports = {s.name: s.port for s in project.stack.services}
    assert asked == [f"http://127.0.0.1:{ports[n]}/faults" for n in ("coverage-exporter", "agent-sim")]
