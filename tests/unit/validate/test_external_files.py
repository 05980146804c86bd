"""Files obsgate did not write, in external mode: one regression test per false positive and false negative
class of issue 13, each on a small file written for it (tests/fixtures/external/), judged with the real
pinned promtool and amtool as `obsgate validate --no-project` would."""
from __future__ import annotations

from pathlib import Path

import pytest

from obsgate.commands.validate import _materialize
from obsgate.problem import Severity
from obsgate.validate import context, files, policy, run

from validate_builders import ROOT, SCHEMAS

EXT = ROOT / "tests" / "fixtures" / "external"


def external(tmp_path: Path, *names: str, scrape: float | None = None, config=None):
    """(problems after the policy, context) of an external run over fixture files."""
    ctx = context.for_paths(ROOT, None, [str(EXT / n) for n in names], SCHEMAS, external=True,
                            scrape_seconds=scrape or 60.0)
    ctx.series.scrape_assumed = scrape is None and not ctx.of(files.PROM_CONFIG)
    _materialize(ctx.files, tmp_path)
    problems, _ = run(ctx)
    return policy.apply(problems, ctx, config, external=True), ctx


def found(problems, check=None, severity=None):
    return [p for p in problems if (check is None or p.check == check) and (severity is None or p.severity is severity)]


def errors(problems):
    return [(p.check, p.line, p.message) for p in problems if p.severity >= Severity.ERROR]


# --- classification by content ------------------------------------------------------------------------

def test_promql_rules_in_a_directory_called_loki_are_prometheus_rules(tmp_path):
    problems, ctx = external(tmp_path, "loki/promql-rules.yml", "loki/logql-rules.yml")
    kinds = {Path(f.path).name: f.kind for f in ctx.files}
    assert kinds == {"promql-rules.yml": files.PROM_RULES, "logql-rules.yml": files.LOKI_RULES}
    assert [r.lang for r in ctx.rules] == ["promql", "logql"] or sorted(r.lang for r in ctx.rules) == ["logql",
                                                                                                      "promql"]
    assert not found(problems, "promql/syntax") and errors(problems) == []


def test_a_rules_file_named_alert_rules_is_checked(tmp_path):
    problems, ctx = external(tmp_path, "alert.rules")
    assert [f.kind for f in ctx.files] == [files.PROM_RULES]
    [p] = found(problems, "alerts/for")
    assert p.severity is Severity.WARNING and "pages after `for: 0m`" in p.message and p.line == 4


def test_an_unclassifiable_file_is_an_error_naming_it(tmp_path):
    problems, _ = external(tmp_path, "unknown.yml")
    [p] = errors(problems)
    assert p[0] == "input/parse" and "unknown.yml` is, so nothing in it was checked" in p[2]


def test_a_prometheus_yml_promtool_rejects_is_an_error(tmp_path):
    problems, ctx = external(tmp_path, "prometheus-broken.yml")
    assert [f.kind for f in ctx.files] == [files.PROM_CONFIG]
    assert [(c, line) for c, line, _ in errors(problems) if c == "prom/config"] == [("prom/config", 1)]
    assert "field scrape_config not found" in found(problems, "prom/config")[0].message


def test_kubernetes_manifests_are_taken_apart_with_the_lines_of_the_file(tmp_path):
    problems, ctx = external(tmp_path, "k8s/monitoring.yaml")
    assert [(f.kind, f.meta.get("object", "")) for f in ctx.files] == [
        (files.PROM_RULES, "PrometheusRule/node"), (files.DASHBOARD, "ConfigMap/dashboards data[node.json]"),
        (files.DASHBOARD, "GrafanaDashboard/hosts"), (files.OTHER, "")]
    text = (EXT / "k8s" / "monitoring.yaml").read_text().splitlines()
    by_check = {c: (line, m) for c, line, m in errors(problems)}
    line, message = by_check["prom/rules"]  # promtool read the extracted copy; the line is the manifest's
    assert "instance:node_cpu:rate5m" in message and text[line - 1].strip().startswith("expr: sum by (instance)")
    line, message = by_check["promql/syntax"]
    assert "node_load1 >" in message and '"expr": "node_load1 >"' in text[line - 1]
    assert set(by_check) == {"prom/rules", "promql/syntax"}
    assert not found(problems, "secrets/literal")  # `secretName: grafana-tls` names a Secret


# --- the real tool is the judge -----------------------------------------------------------------------

def test_a_test_file_promtool_passes_is_no_schema_error(tmp_path):
    problems, _ = external(tmp_path, "tested.test.yml", "tested.rules.yml")
    schema = found(problems, "schema/prom-rule-tests")
    assert schema and all(p.severity is Severity.WARNING and "promtool accepts this file" in p.hint for p in schema)
    assert errors(problems) == [] and not found(problems, "prom/rule-tests")


def test_a_prometheus_yml_with_newer_keys_promtool_accepts_is_no_schema_error(tmp_path):
    problems, ctx = external(tmp_path, "prometheus.yml")
    schema = found(problems, "schema/prom-config")
    assert schema and all(p.severity is Severity.WARNING for p in schema)
    assert errors(problems) == [] and ctx.series.scrape_seconds == 30.0


def test_schema_errors_stay_errors_where_the_tool_rejects_the_file(tmp_path):
    (tmp_path / "in").mkdir()
    bad = tmp_path / "in" / "rules.yml"
    bad.write_text("groups:\n- name: g\n  rulez: []\n")
    ctx = context.for_paths(ROOT, None, [str(bad)], SCHEMAS, external=True)
    problems = policy.apply(run(ctx)[0], ctx, external=True)
    assert {(p.check, p.severity) for p in problems if p.check.startswith(("schema/", "prom/"))} == {
        ("schema/prom-rules", Severity.ERROR), ("prom/rules", Severity.ERROR)}


# --- dashboards: "Grafana will import this" and obsgate's standard -----------------------------------

def test_an_exported_old_dashboard_is_importable_with_migration_warnings(tmp_path):
    problems, _ = external(tmp_path, "export-dashboard.json")
    assert errors(problems) == []
    imports = sorted(p.message for p in found(problems, "schema/grafana-import"))
    assert imports == ["Grafana imports this (schemaVersion 16) after migrating it to 42",
                       "export format: Grafana asks for `DS_PROMETHEUS` on import",
                       "legacy `rows` layout: Grafana turns the rows into panels on import",
                       "legacy panels: 1 `graph` (now `timeseries`), 1 `singlestat` (now `stat`); Grafana migrates "
                       "them when they are opened"]
    [standard] = found(problems, "schema/grafana-dashboard")
    assert standard.severity is Severity.WARNING and standard.message.startswith(
        "does not meet obsgate's standard for generated dashboards (the strict schemaVersion 42 schema)")
    assert not found(problems, "grafana/datasource-variable")  # ${DS_PROMETHEUS} is an import input
    assert not [p for p in found(problems, "grafana/panel-unit") if "has no unit" in p.message]  # format, yaxes


def test_grafana_variables_in_queries_parse_and_errors_quote_what_was_written(tmp_path):
    problems, ctx = external(tmp_path, "grafana-vars.json")
    assert [q.error for q in ctx.queries if q.subject.name == "Requests over the range"] == ["", "", ""]
    [p] = found(problems, "promql/syntax")
    assert p.message.startswith("panel `Broken`: `sum(rate(http_requests_total[$interval])` does not parse")


# --- other checks -------------------------------------------------------------------------------------

def test_compose_password_fallback_and_ports_on_every_interface_are_flagged(tmp_path):
    problems, _ = external(tmp_path, "compose.yml")
    [secret] = found(problems, "secrets/literal")
    assert secret.message == ("`GF_SECURITY_ADMIN_PASSWORD` falls back to a literal secret (`…`) when the "
                              "variable is unset")
    assert "`GF_SECURITY_ADMIN_PASSWORD__FILE`" in secret.hint and secret.line == 8
    [port] = found(problems, "compose/ports")
    assert port.message == "service `grafana` publishes `3000:3000` on every interface of the host"
    assert port.severity is Severity.WARNING and port.line == 5


def test_placeholders_and_loopback_webhooks_are_not_secrets(tmp_path):
    problems, _ = external(tmp_path, "alertmanager.yml")
    assert not found(problems, "secrets/literal") and not found(problems, "am/config")


def test_an_inhibition_matching_warning_by_regex_is_evaluated_not_compared_as_text(tmp_path):
    problems, _ = external(tmp_path, "alertmanager.yml")  # target_matchers: ['severity=~"warning|info"']
    assert not [p for p in found(problems, "am/routes") if "no inhibition mutes" in p.message]


def test_external_mode_skips_the_catalog_with_an_info_line(tmp_path):
    problems, _ = external(tmp_path, "info-join.rules.yml")
    skipped = {p.check for p in found(problems, severity=Severity.INFO) if p.message.startswith("skipped: no project")}
    assert skipped == {"xref/metric-exists", "xref/label-exists", "xref/label-values"}


def test_histogram_quantile_over_an_info_metric_join_keeps_le(tmp_path):
    problems, ctx = external(tmp_path, "info-join.rules.yml")
    [p] = found(problems, "promql/histogram-quantile")
    assert p.message.endswith("`sum by (job)` drops the `le` label that histogram_quantile needs")
    assert "job:http_request_duration_seconds:p50" in p.message and p.severity is Severity.ERROR


@pytest.mark.parametrize("scrape, expected", [
    (None, [(Severity.WARNING, "spans fewer than 2 scrapes (scrape interval 1m (assumed; pass --scrape-interval")]),
    (60.0, [(Severity.ERROR, "`rate()` needs two samples, so it is often empty")]),
    (15.0, []),
], ids=["assumed 1m: a warning", "stated 1m: rate over [1m] is empty, an error", "stated 15s: fine"])
def test_range_windows_are_judged_against_the_scrape_interval_given(tmp_path, scrape, expected):
    (tmp_path / "in").mkdir()
    rules = tmp_path / "in" / "r.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - record: job:x:rate1m\n    expr: sum(rate(x_total[1m]))\n")
    ctx = context.for_paths(ROOT, None, [str(rules)], SCHEMAS, external=True, scrape_seconds=scrape or 60.0)
    ctx.series.scrape_assumed = scrape is None
    got = [(p.severity, p.message) for p in run(ctx)[0] if p.check == "promql/range-vs-scrape"]
    assert len(got) == len(expected) and all(s == es and m2 in m for (s, m), (es, m2) in zip(got, expected))


def test_a_bare_equals_sign_of_yaml_1_1_parses(tmp_path):
    problems, ctx = external(tmp_path, "k8s/crd.yaml")
    assert [f.kind for f in ctx.files] == [files.OTHER] and errors(problems) == []
    enum = ctx.files[0].data["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["matchType"]["enum"]
    assert enum == ["!=", "=", "=~", "!~"]


def test_the_fast_schema_validator_agrees_with_jsonschema_on_every_fixture():
    """schema/* asks the Rust validator first and jsonschema only for invalid files: both must agree."""
    from obsgate.validate import schemas

    checked = 0
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*")):
        if path.suffix not in (".yml", ".yaml", ".json") or not path.is_file():
            continue
        ctx = context.for_paths(ROOT, None, [str(path)], SCHEMAS, external=True)
        for f in ctx.files:
            entry = next(((k, rel) for k, rel in schemas.SCHEMAS.values() if k == f.kind), None)
            if entry is None or f.doc is None:
                continue
            schema = SCHEMAS / entry[1]
            slow = not any(True for _ in schemas.validator(schema).iter_errors(f.data))
            assert schemas.is_valid(schema, f.data) is slow, path
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("text", [
    "a: 1\nb: 1.5\nc: true\nd: ~\ne: 2024-01-02\nf: '1'\ng: [x, 2, {h: no}]\n",
    "base: &b {x: 1}\nmerged: {<<: *b, y: 2}\n",
    "m: {<<: {x: 1}, y: 2}\n",
    "enum: [=, '!=']\nset: !!set {a, b}\nbin: !!binary aGk=\n",
    "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 0m\n",
], ids=["scalars of every kind", "anchors and merge keys", "a merge key without anchors", "other tags",
        "a rule file"])
def test_the_fast_yaml_construction_gives_what_safeconstructor_gives(text):
    import yaml

    from obsgate.inputs import yamlload

    assert yamlload.load(text) == yaml.load(text, Loader=yamlload._LOADER)


def test_the_fast_yaml_construction_agrees_on_every_fixture_and_generated_file():
    import yaml

    from obsgate.inputs import InputError, yamlload

    checked = 0
    for root in (ROOT / "tests" / "fixtures", ROOT / "generated"):
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".yml", ".yaml", ".rules") or not path.is_file():
                continue
            text = path.read_text()
            try:
                fast = yamlload.load(text)
            except InputError:
                continue
            assert fast == yaml.load(text, Loader=yamlload._LOADER), path
            checked += 1
    assert checked >= 50


def test_an_unhashable_key_is_still_a_finding_with_its_line(tmp_path):
    from obsgate.inputs import InputError, yamlload

    with pytest.raises(InputError) as err:
        yamlload.load("a:\n  ? [x, y]\n  : 1\n")
    assert err.value.line >= 2
