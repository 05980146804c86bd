"""prom/* and am/* against the real pinned promtool and amtool (one batched call per command)."""
from __future__ import annotations

import shutil
import tomllib

import pytest

from obsgate.problem import Severity
from obsgate.validate import am_tools, context
from obsgate.validate.prom import config as prom_config, rule_tests as prom_rule_tests, rules as prom_rules

from validate_builders import ROOT, alert, expect, make_ctx, rules_file

BROKEN_EXPR = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(x[5m]\n"
UNKNOWN_FIELD = "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    bogus: 1\n"


def test_pinned_tools_are_the_ones_used(tmp_path):
    ctx = make_ctx(tmp_path, {"r.yml": rules_file(alert())})
    assert ctx.tool("promtool").path == str(ROOT / ".tools" / "bin" / "promtool")
    pins = tomllib.loads((ROOT / "tools" / "versions.toml").read_text())
    assert ctx.tool("promtool").version == pins["prometheus"]["release"]
    assert ctx.tool("amtool").version == pins["alertmanager"]["release"]


RULES = [
    ("accepts valid rule files", {"a.yml": rules_file(alert()), "b.yml": rules_file(alert(name="B"))}, []),
    ("rejects an expression that does not parse, naming the rule",
     {"a.yml": BROKEN_EXPR}, ["promtool: rule `A` in group `g`: could not parse expression"]),
    ("rejects unknown fields", {"a.yml": UNKNOWN_FIELD}, ["promtool: field bogus not found in type rulefmt.Rule"]),
    ("reports every failing file of one batch", {"a.yml": BROKEN_EXPR, "b.yml": UNKNOWN_FIELD, "c.yml": rules_file(alert())},
     ["could not parse expression", "field bogus not found"]),
    ("warns about duplicate rules", {"a.yml": rules_file(alert(), alert())},
     ["promtool: duplicate rule `ShopQueueHigh`: same name and labels as another rule"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in RULES], ids=[c[0] for c in RULES])
def test_prom_rules(tmp_path, files, expected):
    expect(prom_rules.check(make_ctx(tmp_path, files)), expected)


def test_prom_rules_findings_carry_file_and_line(tmp_path):
    found = {p.path.rsplit("/", 1)[1]: p for p in prom_rules.check(
        make_ctx(tmp_path, {"a.yml": BROKEN_EXPR, "b.yml": UNKNOWN_FIELD, "c.yml": rules_file(alert(), alert())}))}
    assert (found["a.yml"].line, found["a.yml"].severity) == (5, Severity.ERROR)
    assert found["b.yml"].line == 6
    assert (found["c.yml"].line, found["c.yml"].severity) == (13, Severity.WARNING)


def test_one_promtool_call_per_command(tmp_path):
    ctx = make_ctx(tmp_path, {f"r{i}.yml": rules_file(alert(name=f"A{i}")) for i in range(5)})
    prom_rules.check(ctx)
    assert [tool for tool, _ in ctx.timings] == ["promtool"]


GOOD_PROM = {"global": {"scrape_interval": "15s"}, "scrape_configs": [
    {"job_name": "shop", "static_configs": [{"targets": ["shop:8080"]}]}]}
CONFIG = [
    ("accepts valid prometheus.yml (rule_files are checked by prom/rules)",
     {"prometheus.yml": {**GOOD_PROM, "rule_files": ["/etc/prometheus/rules/*.yml"]}}, []),
    ("rejects an invalid duration, found at its line", {"prometheus.yml": "global:\n  scrape_interval: 15x\n"},
     ['promtool: unknown unit "x" in duration "15x"']),
    ("rejects unknown fields", {"prometheus.yml": "scrape_configs:\n- job_name: a\n  bogus: 1\n"},
     ["promtool: field bogus not found in type config.ScrapeConfig"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in CONFIG], ids=[c[0] for c in CONFIG])
def test_prom_config(tmp_path, files, expected):
    expect(prom_config.check(make_ctx(tmp_path, files)), expected)


def test_prom_config_line_is_found_for_errors_promtool_gives_no_line(tmp_path):
    [p] = prom_config.check(make_ctx(tmp_path, {"prometheus.yml": "global:\n  scrape_interval: 15x\n"}))
    assert p.line == 2


TESTED_RULES = rules_file(alert(name="QueueHigh", expr="shop_queue_depth > 100", for_="1m"))


def promtool_test(name, values, eval_time, exp_alerts):
    return {"name": name, "interval": "1m", "input_series": [{"series": 'shop_queue_depth{job="shop"}', "values": values}],
            "alert_rule_test": [{"eval_time": eval_time, "alertname": "QueueHigh", "exp_alerts": exp_alerts}]}


FIRES = [{"exp_labels": {"job": "shop", "severity": "warning"},
          "exp_annotations": {"summary": "Something is wrong", "description": "What is wrong and why it matters.",
                              "runbook_url": "https://runbooks.example/X.md"}}]
TESTS = [
    ("accepts valid passing tests", {"rules.yml": TESTED_RULES, "rules.test.yml": {
        "rule_files": ["rules.yml"], "tests": [promtool_test("fires", "200x5", "5m", FIRES),
                                               promtool_test("quiet", "10x5", "5m", [])]}}, []),
    ("rejects a test whose alert does not fire", {"rules.yml": TESTED_RULES, "rules.test.yml": {
        "rule_files": ["rules.yml"], "tests": [promtool_test("fires", "10x5", "5m", FIRES)]}},
     ['unit test `fires` failed: at 5m expected 1 alert {alertname="QueueHigh", job="shop", severity="warning"}, '
      "got no alert"]),
    ("rejects a quiet case that fires", {"rules.yml": TESTED_RULES, "rules.test.yml": {
        "rule_files": ["rules.yml"], "tests": [promtool_test("quiet", "200x5", "5m", [])]}},
     ["unit test `quiet` failed: at 5m expected no alert, got 1 alert"]),
    ("rejects rule_files that match nothing (promtool only warns)", {"rules.test.yml": {
        "rule_files": ["missing.yml"], "tests": [promtool_test("quiet", "1x5", "5m", [])]}},
     ["rule_files entry `missing.yml` matches no file"]),
    ("rejects a test file promtool cannot load", {"rules.yml": TESTED_RULES, "rules.test.yml": {
        "rule_files": ["rules.yml"], "tests": [{**promtool_test("x", "1x5", "5m", []), "bogus": 1}]}},
     ["promtool could not run the tests of this file: yaml: unmarshal errors: line 13: field bogus not found"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in TESTS], ids=[c[0] for c in TESTS])
def test_prom_rule_tests(tmp_path, files, expected):
    expect(prom_rule_tests.check(make_ctx(tmp_path, files)), expected)


def test_failed_test_points_at_the_test_and_keeps_promtool_output(tmp_path):
    files = {"rules.yml": TESTED_RULES, "rules.test.yml": {"rule_files": ["rules.yml"], "tests": [
        promtool_test("quiet", "10x5", "5m", []), promtool_test("fires", "10x5", "5m", FIRES)]}}
    [p] = prom_rule_tests.check(make_ctx(tmp_path, files))
    lines = (tmp_path / "rules.test.yml").read_text().splitlines()
    assert lines[p.line - 1].strip() == "- name: fires"
    assert "got:[]" in p.details.replace(" ", "")


ROUTED = """route:
  receiver: chat
  routes:
  - receiver: pager
    matchers: ['severity="critical"']
  - receiver: chat
    matchers: ['severity="warning"']
inhibit_rules:
- source_matchers: ['severity="critical"', 'family=~".+"']
  target_matchers: ['severity="warning"', 'family=~".+"']
  equal: [family, component]
receivers: [{name: pager}, {name: chat}]
"""


def test_am_config_accepts_valid_and_rejects_unknown_fields(tmp_path):
    assert am_tools.check_config(make_ctx(tmp_path, {"alertmanager.yml": ROUTED})) == []
    bad = ROUTED.replace("  receiver: chat\n  routes", "  receiver: chat\n  bogus: 1\n  routes")
    [p] = am_tools.check_config(make_ctx(tmp_path / "b", {"alertmanager.yml": bad}))
    assert p.message == "amtool: field bogus not found in type config.plain" or "bogus" in p.message
    assert p.line == 3 and p.severity is Severity.ERROR


def test_am_config_rejects_an_undefined_receiver(tmp_path):
    [p] = am_tools.check_config(make_ctx(tmp_path, {"alertmanager.yml": ROUTED.replace("receiver: pager", "receiver: pagr")}))
    assert 'undefined receiver "pagr"' in p.message


ROUTES = [
    ("accepts valid routing: critical to pager, warning and info to chat", ROUTED, []),
    ("rejects a severity that reaches the wrong receiver",
     ROUTED.replace("receiver: pager\n    matchers: ['severity=\"critical\"']",
                    "receiver: chat\n    matchers: ['severity=\"critical\"']"),
     ['route 1 (severity="critical") reaches `chat`, expected `pager`',
      "alert `ShopQueueStuck` reaches `chat`, expected `pager`"]),
    ("rejects a missing critical-mutes-warning inhibition", ROUTED.split("inhibit_rules")[0] + "receivers: [{name: pager}, {name: chat}]\n",
     ['no inhibition mutes `severity="warning"`']),
    ("warns when the inhibition has no equal labels, and errs when it then pairs nothing",
     ROUTED.replace("equal: [family, component]", "equal: []").replace(", 'family=~\".+\"'", ", 'family=\"none\"'"),
     ["has no `equal` labels", "inhibit rule 1 can match no pair of the generated alerts"]),
    ("rejects an inhibition whose equal labels no critical/warning pair shares",
     ROUTED.replace("equal: [family, component]", "equal: [alertname]"),
     ["inhibit rule 1 can match no pair of the generated alerts"]),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in ROUTES], ids=[c[0] for c in ROUTES])
def test_am_routes_against_the_projects_routing(tmp_path, shop, text, expected):
    # the fixture project routes critical -> pager, warning -> chat, info -> chat
    expect(am_tools.check_routes(make_ctx(tmp_path, {"alertmanager.yml": text}, shop)), expected)


def test_route_probes_cover_every_route_and_name_the_unreachable_ones():
    from obsgate import Receiver, Route, Routing
    routing = Routing(receivers=(Receiver("a", "webhook"), Receiver("b", "webhook")), receiver="a", routes=(
        Route("b", ('component=~"api|rag"',), routes=(Route("a", ('severity="critical"',)),)),
        Route("b", ('component="api"',)),  # shadowed: every api alert stops at the route above
        Route("b", ('component="x"', 'component!="x"'))))
    probes, problems = am_tools.route_probes(routing, [{"alertname": "A", "component": "rag", "severity": "warning"}])
    assert [(p.labels.get("component"), p.labels.get("severity"), p.expected) for p in probes] == [
        ("api", None, ["b"]), ("api", "critical", ["a"]), ("api", None, ["b"]), ("rag", "warning", ["b"])]
    assert problems == ['route 3 (component="api"): an alert matching it stops at an earlier route; the route is '
                        'unreachable',
                        'route 4 (component="x", component!="x"): no label value satisfies its matchers on '
                        '`component`; the route is dead']


def test_am_routes_does_not_probe_a_file_amtool_rejects_and_still_probes_the_others(tmp_path, shop):
    bad = ROUTED.replace("receiver: pager", "receiver: pagr")
    found = am_tools.check_routes(make_ctx(tmp_path, {"good/alertmanager.yml": ROUTED, "bad/alertmanager.yml": bad}, shop))
    assert [(p.path.split("/")[-2], p.message) for p in found] == [
        ("bad", "routes not tested: amtool check-config rejects the file")]


def test_am_routes_without_a_project_checks_only_the_inhibition(tmp_path):
    found = am_tools.check_routes(make_ctx(tmp_path, {"alertmanager.yml": ROUTED}))
    assert [(p.severity, p.message) for p in found] == [
        (Severity.INFO, "no project Routing model: routes not tested")]


def test_missing_tools_are_fatal(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "emptybin"))
    (tmp_path / "r.yml").write_text("groups: []\n")
    (tmp_path / "alertmanager.yml").write_text(ROUTED)
    ctx = context.for_paths(tmp_path, None, [str(tmp_path / "r.yml"), str(tmp_path / "alertmanager.yml")])
    [p] = prom_rules.check(ctx)
    assert (p.severity, p.message) == (Severity.FATAL, "`promtool` is not installed")
    [p] = am_tools.check_config(ctx)
    assert (p.severity, p.message) == (Severity.FATAL, "`amtool` is not installed")


def test_a_crashing_tool_is_an_error_on_its_file_not_a_fatal_of_the_run(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "promtool"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'panic: runtime error' >&2\nexit 7\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    (tmp_path / "r.yml").write_text("groups: []\n")
    ctx = context.for_paths(tmp_path, None, [str(tmp_path / "r.yml")])
    [p] = prom_rules.check(ctx)
    assert p.severity is Severity.ERROR and "exited 7" in p.message and p.path == str(tmp_path / "r.yml")
    assert shutil.which("promtool") == str(fake)


def test_a_test_file_that_does_not_load_is_reported_at_promtools_line(tmp_path):
    files = {"rules.yml": TESTED_RULES, "rules.test.yml": {
        "rule_files": ["rules.yml"], "tests": [{**promtool_test("x", "1x5", "5m", []), "bogus": 1}]}}
    [p] = prom_rule_tests.check(make_ctx(tmp_path, files))
    assert p.line == 13 and (tmp_path / "rules.test.yml").read_text().splitlines()[12].startswith("  bogus")


def test_a_tool_crash_on_one_file_is_an_error_on_that_file_and_the_others_are_still_judged(tmp_path):
    """A stand-in promtool (the real one cannot be made to crash on demand) panics when handed `crash.yml`
    and runs the real pinned promtool otherwise."""
    from obsgate.tools import ToolInfo

    real = ROOT / ".tools" / "bin" / "promtool"
    stand_in = tmp_path / "promtool-stand-in"
    stand_in.write_text("#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in *crash.yml) echo 'panic: runtime error: "
                        "index out of range [3] with length 3' >&2; exit 2;; esac; done\n"
                        f'exec {real} "$@"\n')
    stand_in.chmod(0o755)
    ctx = make_ctx(tmp_path, {"crash.yml": rules_file(alert()), "bad.yml": BROKEN_EXPR,
                              "good.yml": rules_file(alert(name="B"))})
    ctx._tools["promtool"] = ToolInfo("promtool", True, "stand-in", str(stand_in), "stand-in")
    problems = prom_rules.check(ctx)
    got = sorted((p.path.rsplit("/", 1)[1], p.severity, p.message.split(":")[0]) for p in problems)
    assert got == [("bad.yml", Severity.ERROR, "promtool"), ("crash.yml", Severity.ERROR, "promtool failed on this file")]
    assert "index out of range" in next(p.message for p in problems if p.path.endswith("crash.yml"))


def test_an_amtool_crash_on_one_config_is_an_error_on_that_file(tmp_path):
    """A stand-in amtool that panics on `crash.yml` and runs the real pinned amtool otherwise."""
    from obsgate.tools import ToolInfo

    real = ROOT / ".tools" / "bin" / "amtool"
    stand_in = tmp_path / "amtool-stand-in"
    stand_in.write_text("#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in *crash.yml) echo 'panic: nil map' >&2; exit 2;; "
                        f"esac; done\nexec {real} \"$@\"\n")
    stand_in.chmod(0o755)
    good = "route: {receiver: a}\nreceivers: [{name: a}]\n"
    ctx = make_ctx(tmp_path, {"crash.yml": good, "ok.yml": good})
    ctx._tools["amtool"] = ToolInfo("amtool", True, "stand-in", str(stand_in), "stand-in")
    [p] = am_tools.check_config(ctx)
    assert (p.path.rsplit("/", 1)[1], p.severity) == ("crash.yml", Severity.ERROR)
    assert p.message.startswith("amtool failed on this file:") and "panic: nil map" in p.message
