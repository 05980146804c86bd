"""The grafana family: dashboards normalized to the modern model (checked against Grafana's own schemas),
datasource provisioning with fixed uids, the file provider, and the repo's dashboards' queries."""
from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import grafanalib.core as G
import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from obsgate import DefinitionError, SourceRef, render
from obsgate import dashboards as D
from obsgate.generate import generate
from obsgate.generate import grafana
from obsgate.generate.grafana_model import SCHEMA_VERSION, normalize, to_dict
from obsgate.generate.target import Target
from obsgate.load import load
from obsgate.model.board import Board
from obsgate.promql import parse, selectors, substitute_grafana
from obsgate.analysis.builtins import TARGET_SERIES
from obsgate.validate.context import default_schemas

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = default_schemas(ROOT) / "grafana"
WHERE = SourceRef("dashboards_src/x.py", 7)
SENTINEL_RANGE = 4242  # seconds; stands in for $__rate_interval so the AST shows which ranges used it


# --- schemas --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def registry() -> Registry:
    resources = [(p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
                 for p in sorted(SCHEMAS.glob("*.jsonschema.json"))]
    assert len(resources) >= 10, f"grafana schemas not found in {SCHEMAS}"
    return Registry().with_resources(resources)


def validator(registry: Registry, ref: str) -> Draft7Validator:
    return Draft7Validator({"$ref": ref}, registry=registry)


@pytest.fixture(scope="module")
def units() -> set[str]:
    doc = json.loads((SCHEMAS / "units.jsonschema.json").read_text())
    return {d["const"] for d in doc["definitions"].values() if "const" in d}


def schema_errors(registry: Registry, dashboard: dict) -> list[str]:
    """Every error against the dashboard schema, plus each panel's type schema (options, custom, queries)."""
    out = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
           for e in validator(registry, "dashboard.jsonschema.json").iter_errors(dashboard)]
    panels = [q for p in dashboard.get("panels", []) for q in [p] + p.get("panels", [])]
    for p in panels:
        ptype = p["type"]
        if (SCHEMAS / f"{ptype}.jsonschema.json").exists():
            doc = json.loads((SCHEMAS / f"{ptype}.jsonschema.json").read_text())
            if "Options" in doc["definitions"]:
                out += [f"panel {p['title']!r} options: {e.message}" for e in
                        validator(registry, f"{ptype}.jsonschema.json#/definitions/Options")
                        .iter_errors(p.get("options", {}))]
            custom = p.get("fieldConfig", {}).get("defaults", {}).get("custom")
            if "FieldConfig" in doc["definitions"] and custom is not None:
                out += [f"panel {p['title']!r} custom: {e.message}" for e in
                        validator(registry, f"{ptype}.jsonschema.json#/definitions/FieldConfig").iter_errors(custom)]
        for t in p.get("targets", []):
            dtype = t.get("datasource", {}).get("type")
            if dtype in ("prometheus", "loki"):
                out += [f"panel {p['title']!r} query {t.get('refId')}: {e.message}" for e in
                        validator(registry, f"{dtype}.jsonschema.json").iter_errors(t)]
    return out


# --- the repo's dashboards ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def project():
    return load(ROOT)


@pytest.fixture(scope="module")
def repo_files(project) -> dict:
    return generate(project, families=("grafana",))


@pytest.fixture(scope="module")
def repo_boards(repo_files) -> dict[str, dict]:
    return {doc["uid"]: doc for path, doc in repo_files.items() if path.startswith("generated/grafana/dashboards/")}


def test_repo_has_the_content_dashboards(repo_boards, project):
    assert set(repo_boards) >= {"llm-guard-scanner-health", "hypertool-personas", "hypertool-workflows", "llm-gateway"}
    assert {b.path for b in project.boards if b.uid == "llm-gateway"} == {"dashboards_src/llm_gateway.jsonnet"}


def test_every_repo_dashboard_validates_against_grafanas_schemas_with_zero_errors(registry, repo_boards):
    errors = {uid: schema_errors(registry, doc) for uid, doc in repo_boards.items()}
    assert {uid: e for uid, e in errors.items() if e} == {}


PROMETHEUS_REF = {"type": "prometheus", "uid": "${datasource}"}
LOKI_REF = {"type": "loki", "uid": "${loki}"}


def metric_panels(doc: dict) -> list[dict]:
    return [p for p in doc["panels"] if p["type"] not in ("logs", "row")]


def test_every_panel_unit_is_a_grafana_unit(repo_boards, units):
    for uid, doc in repo_boards.items():
        for p in metric_panels(doc):
            unit = p["fieldConfig"]["defaults"].get("unit")
            assert unit, f"{uid}: panel {p['title']!r} has no unit"
            assert unit in units or unit.startswith(("suffix:", "prefix:")), f"{uid}: {p['title']!r} unit {unit!r}"


def test_every_panel_and_target_uses_a_datasource_variable_and_has_a_description(repo_boards):
    for uid, doc in repo_boards.items():
        variables = {v["name"]: v for v in doc["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
        for p in doc["panels"]:
            if p["type"] == "row":  # a row header groups panels; it has no query and no description
                continue
            assert p["description"].strip(), f"{uid}: {p['title']!r} has no description"
            assert p["datasource"] == (LOKI_REF if p["type"] == "logs" else PROMETHEUS_REF), (uid, p["title"])
            if p["type"] == "logs":
                assert variables["loki"]["type"] == "datasource" and variables["loki"]["query"] == "loki"
            assert p["targets"], f"{uid}: {p['title']!r} has no queries"
            for t in p["targets"]:
                assert t["datasource"] == p["datasource"], (uid, p["title"])


def _recorded_labels(rule) -> tuple[str, ...] | None:
    kept = D.output_labels(rule.expr)  # plus the labels the rule itself sets (e.g. an SLO's `slo`)
    return None if kept is None else tuple(kept) + tuple(rule.labels)


def test_every_panel_query_uses_catalog_metrics_declared_labels_and_rate_interval(repo_boards, project):
    recorded = project.recorded
    problems = []
    for uid, doc in repo_boards.items():
        variables = {v["name"] for v in doc["templating"]["list"]}
        for p in metric_panels(doc):
            for t in p["targets"]:
                expr = t["expr"].replace("$__rate_interval", f"{SENTINEL_RANGE}s")
                where = f"{uid} / {p['title']!r}: "
                for sel in selectors(parse(substitute_grafana(expr))):
                    metric = project.metric(sel.name)
                    if metric is not None:
                        allowed = set(metric.label_names) | ({"le"} if sel.name.endswith("_bucket") else set())
                    elif sel.name in recorded:
                        kept = [_recorded_labels(r) for r in recorded[sel.name]]
                        allowed = None if None in kept else {label for k in kept for label in k}
                    elif sel.name in TARGET_SERIES:  # `up` & co.: Prometheus writes them for every target
                        allowed = None
                    else:
                        problems.append(where + f"`{sel.name}` is neither a catalog metric nor a recorded series")
                        continue
                    for label, _, value in sel.matchers:
                        if allowed is not None and label not in allowed:
                            problems.append(where + f"`{sel.name}` has no label `{label}`")
                        if value.startswith("grafana_var_") and value[len("grafana_var_"):] not in variables:
                            problems.append(where + f"variable `{value}` is not defined")
                    # rates follow the zoom; other range functions (predict_linear, *_over_time) may fix theirs
                    if sel.range_seconds is not None and sel.range_seconds != SENTINEL_RANGE \
                            and {"rate", "increase", "irate"} & set(sel.functions[:1]):
                        problems.append(where + f"`{sel.name}` range is not $__rate_interval")
                    if {"rate", "increase", "irate"} & set(sel.functions[:1]) and not project.is_counter(sel.name):
                        problems.append(where + f"rate of non-counter `{sel.name}`")
    assert problems == []


def test_query_reference_check_catches_a_renamed_metric_and_a_fixed_range(project):
    """The check above can fail: a panel on an undeclared metric or a literal [5m] is reported."""
    expr = "sum(rate(llm_guard_scanner_failure_total[5m]))".replace("$__rate_interval", f"{SENTINEL_RANGE}s")
    sel = selectors(parse(substitute_grafana(expr)))[0]
    assert project.metric(sel.name) is None and sel.name not in project.recorded
    assert sel.range_seconds == 300 != SENTINEL_RANGE


@pytest.mark.parametrize("title, ptype, unit, steps, minmax", [
    ("Scanner failures per hour", "stat", "suffix:/h", [None, 1, 2], (None, None)),
    ("Consecutive failures", "gauge", "short", [None, 3, 5], (0, 10)),
    ("Failure ratio", "timeseries", "percentunit", [None, 0.01], (0, None)),
    ("Failures by error type", "timeseries", "ops", [None], (None, None)),
    ("Scan latency p95", "timeseries", "s", [None], (0, None)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_llm_guard_dashboard_panels(repo_boards, title, ptype, unit, steps, minmax):
    doc = repo_boards["llm-guard-scanner-health"]
    assert doc["title"] == "LLM Guard Scanner Health"
    panel = next(p for p in doc["panels"] if p["title"] == title)
    defaults = panel["fieldConfig"]["defaults"]
    assert panel["type"] == ptype and defaults["unit"] == unit
    assert [s["value"] for s in defaults["thresholds"]["steps"]] == steps
    assert (defaults.get("min"), defaults.get("max")) == minmax


def test_llm_guard_log_panel_reads_a_catalog_stream_through_the_loki_variable(repo_boards, project):
    panel = next(p for p in repo_boards["llm-guard-scanner-health"]["panels"] if p["type"] == "logs")
    stream = next(s for s in project.log_streams if s.name == "llm_guard_logs")
    assert panel["targets"][0]["expr"] == stream.selector() + " | json"
    assert panel["targets"][0]["datasource"] == LOKI_REF and panel["gridPos"]["w"] == 24


def test_llm_guard_colors_and_queries(repo_boards):
    panels = {p["title"]: p for p in repo_boards["llm-guard-scanner-health"]["panels"]}
    rate_steps = panels["Scanner failures per hour"]["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [s["color"] for s in rate_steps] == ["green", "yellow", "red"]
    assert panels["Scanner failures per hour"]["targets"][0]["expr"] == \
        "sum(rate(llm_guard_scanner_failures_total[$__rate_interval])) * 3600"
    assert panels["Failures by error type"]["targets"][0]["expr"] == \
        "sum by (error_type) (rate(llm_guard_scanner_failures_total[$__rate_interval]))"
    assert panels["Failure ratio"]["targets"][0]["expr"] == "llm_guard:scanner_failure_ratio:rate5m"
    assert panels["Scan latency p95"]["targets"][0]["expr"].startswith("histogram_quantile(0.95, sum by (le) (")


def test_hypertool_dashboards_cover_budget_gates_and_latency(repo_boards):
    personas = {p["title"] for p in repo_boards["hypertool-personas"]["panels"]}
    workflows = {p["title"]: p for p in repo_boards["hypertool-workflows"]["panels"]}
    assert {"Token budget remaining", "Token usage by persona", "Budget time left at current spend"} <= personas
    gate = workflows["Quality gate failure ratio"]
    assert gate["targets"][0]["expr"].startswith("workflow_stage:hypertool_quality_gate_fail_ratio:rate5m{")
    assert [s["value"] for s in gate["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None, 0.2]
    p95 = workflows["Stage latency p95 by workflow and stage"]
    assert "sum by (le, workflow, stage)" in p95["targets"][0]["expr"]
    assert [s["value"] for s in p95["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None, 300]


def test_jsonnet_dashboard_goes_through_the_same_normalization(repo_boards):
    doc = repo_boards["llm-gateway"]
    assert doc["schemaVersion"] == SCHEMA_VERSION
    assert [v["name"] for v in doc["templating"]["list"]] == ["datasource", "model"]
    assert [p["id"] for p in doc["panels"]] == list(range(1, len(doc["panels"]) + 1))
    assert all(set(p["gridPos"]) == {"h", "w", "x", "y"} for p in doc["panels"])
    assert all(t["refId"] and t["range"] is True for p in doc["panels"] for t in p["targets"])
    assert doc["annotations"]["list"][0]["builtIn"] == 1


def test_generate_is_deterministic(project):
    first = render.render_all(generate(project, families=("grafana",)))
    second = render.render_all(generate(load(ROOT), families=("grafana",)))
    assert first == second


# --- provisioning ---------------------------------------------------------------------------------

def test_datasources_have_fixed_uids_and_urls_from_the_stack(repo_files, project):
    doc = repo_files["generated/grafana/provisioning/datasources/datasources.yml"]
    by_uid = {d["uid"]: d for d in doc["datasources"]}
    assert doc["apiVersion"] == 1
    assert set(by_uid) == {"prometheus", "loki", "alertmanager"}
    assert by_uid["prometheus"]["url"] == "http://prometheus:9090" and by_uid["prometheus"]["isDefault"] is True
    assert by_uid["loki"]["url"] == "http://loki:3100" and by_uid["loki"]["isDefault"] is False
    assert by_uid["alertmanager"]["jsonData"]["implementation"] == "prometheus"
    assert by_uid["prometheus"]["jsonData"]["timeInterval"] == project.stack.scrape_interval
    assert sum(d["isDefault"] for d in doc["datasources"]) == 1


def test_native_target_points_datasources_and_provider_at_local_paths(project):
    target = Target(project.stack.profile("ci"), runtime="native", paths={"grafana_dashboards": "/run/dash"})
    files = grafana.files(project, target)
    sources = {d["uid"]: d for d in files["generated/grafana/provisioning/datasources/datasources.yml"]["datasources"]}
    assert sources["prometheus"]["url"] == "http://127.0.0.1:9090"
    assert sources["prometheus"]["jsonData"]["timeInterval"] == "1s"
    provider = files["generated/grafana/provisioning/dashboards/dashboards.yml"]["providers"][0]
    assert provider["type"] == "file" and provider["options"]["path"] == "/run/dash"


def test_dashboard_provider_points_at_the_dashboards_path(repo_files):
    provider = repo_files["generated/grafana/provisioning/dashboards/dashboards.yml"]["providers"][0]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    assert provider["allowUiUpdates"] is False and provider["disableDeletion"] is True


def test_rendered_yaml_carries_the_generated_header(repo_files):
    out = render.render_all(repo_files)
    for path in ("generated/grafana/provisioning/datasources/datasources.yml",
                 "generated/grafana/provisioning/dashboards/dashboards.yml"):
        assert out[path].startswith(b"# generated by obsgate")


# --- normalization --------------------------------------------------------------------------------

def raw_grafanalib_board() -> G.Dashboard:
    """Plain grafanalib, as a user might write it: string datasources, legacy gauge, no layout helpers."""
    return G.Dashboard(
        title="Raw", uid="raw", sharedCrosshair=True,
        panels=[
            G.TimeSeries(title="Requests", dataSource="Prometheus", gridPos=G.GridPos(h=8, w=12, x=0, y=0),
                         targets=[G.Target(expr="sum(rate(api_requests_total[$__rate_interval]))")]),
            G.GaugePanel(title="Queue", dataSource="$datasource", gridPos=G.GridPos(h=8, w=12, x=12, y=0),
                         targets=[G.Target(expr="max(api_queue_depth)", refId="Q")], min=0, max=10),
            G.Stat(title="Up", targets=[G.Target(expr="up")], thresholds=[G.Threshold("green", 0, 0.0),
                                                                          G.Threshold("red", 1, 1.0)]),
        ],
        templating=G.Templating(list=[G.Template(name="route", query="label_values(up, route)",
                                                 dataSource="$datasource")]),
    )


def test_raw_grafanalib_output_fails_the_schema_and_normalized_output_passes(registry):
    raw = to_dict(raw_grafanalib_board())
    before = list(validator(registry, "dashboard.jsonschema.json").iter_errors(raw))
    assert len(before) > 5  # rows, hideControls, nulls, string datasources ...
    doc = normalize(raw_grafanalib_board(), "raw", WHERE)
    assert schema_errors(registry, doc) == []
    for key in ("rows", "hideControls", "sharedCrosshair", "style", "__inputs", "id", "version"):
        assert key not in doc
    assert "time_options" not in doc["timepicker"] and doc["schemaVersion"] == SCHEMA_VERSION
    assert "null" not in json.dumps(doc).replace('"value": null', "")


def test_normalization_converts_grafanalib_legacy(registry):
    doc = normalize(raw_grafanalib_board(), "raw", WHERE)
    requests, queue, up = doc["panels"]
    assert requests["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert requests["targets"][0]["datasource"] == requests["datasource"]
    assert requests["targets"][0]["refId"] == "A" and "intervalFactor" not in requests["targets"][0]
    assert "step" not in requests["targets"][0]
    assert queue["options"]["reduceOptions"]["calcs"] == ["mean"] and queue["options"]["showThresholdMarkers"]
    assert "calcs" not in queue["fieldConfig"]["defaults"] and queue["targets"][0]["refId"] == "Q"
    assert up["fieldConfig"]["defaults"]["thresholds"]["steps"] == [{"color": "green", "value": None},
                                                                   {"color": "red", "value": 1.0}]
    assert up["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert up["gridPos"] == {"h": 6, "w": 6, "x": 0, "y": 8}  # unplaced: flowed below the placed panels
    assert [p["id"] for p in doc["panels"]] == [1, 2, 3]
    assert doc["graphTooltip"] == 1  # sharedCrosshair, the legacy spelling
    route = doc["templating"]["list"][1]
    assert route["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert "current" not in route and "tags" not in route and route["definition"] == route["query"]


@pytest.mark.parametrize("panel", [
    lambda: G.TimeSeries(title="P", targets=[G.Target(expr="up")]),
    lambda: G.Stat(title="P", targets=[G.Target(expr="up")]),
    lambda: G.GaugePanel(title="P", targets=[G.Target(expr="up")]),
    lambda: G.BarGauge(title="P", targets=[G.Target(expr="up")], max=50),
    lambda: G.PieChartv2(title="P", targets=[G.Target(expr="up")]),
    lambda: G.Histogram(title="P", targets=[G.Target(expr="up")]),
    lambda: G.StateTimeline(title="P", targets=[G.Target(expr="up")]),
    lambda: G.Logs(title="P", targets=[G.Target(expr='{job="x"}')]),
    lambda: G.Text(title="P", content="Read me."),
], ids=["accepts a grafanalib time series", "accepts a stat", "accepts a gauge (Grafana 6 layout)",
        "accepts a bar gauge (fieldOptions layout)", "accepts a pie chart", "accepts a histogram",
        "accepts a state timeline", "accepts a logs panel", "accepts a text panel"])
def test_grafanalib_panel_types_normalize_to_zero_schema_errors(registry, panel):
    doc = normalize(G.Dashboard(title="T", uid="t", panels=[panel()]), "t", WHERE)
    assert schema_errors(registry, doc) == []


def test_bar_gauge_field_options_move_to_the_modern_places():
    doc = normalize(G.Dashboard(title="T", uid="t", panels=[G.BarGauge(title="P", targets=[G.Target(expr="up")],
                                                                       max=50, format="s", calc="max")]), "t", WHERE)
    panel = doc["panels"][0]
    assert "fieldOptions" not in panel["options"] and panel["options"]["reduceOptions"]["calcs"] == ["max"]
    assert (panel["fieldConfig"]["defaults"]["max"], panel["fieldConfig"]["defaults"]["unit"]) == (50, "s")


@pytest.mark.parametrize("panel", [lambda: G.Table(title="P"), lambda: G.Heatmap(title="P")],
                         ids=["refuses grafanalib's legacy table", "refuses grafanalib's legacy heatmap"])
def test_legacy_grafanalib_panels_are_refused_with_a_hint(panel):
    with pytest.raises(DefinitionError) as err:
        normalize(G.Dashboard(title="T", uid="t", panels=[panel()]), "t", WHERE)
    assert "legacy" in err.value.message and "modern model" in err.value.hint


def minimal(**extra) -> dict:
    board = {"uid": "mini", "title": "Mini",
             "panels": [{"type": "timeseries", "title": "Up", "description": "d", "targets": [{"expr": "up"}]}]}
    board.update(extra)
    return board


def test_dict_boards_get_layout_ids_datasources_and_variables(registry):
    logs = {"type": "logs", "title": "Logs", "description": "d", "targets": [{"expr": '{service="api"}'}]}
    doc = normalize(minimal(panels=minimal()["panels"] + [logs]), "mini", WHERE)
    assert schema_errors(registry, doc) == []
    up, log_panel = doc["panels"]
    assert up["gridPos"] == {"h": 8, "w": 12, "x": 0, "y": 0}
    assert log_panel["gridPos"] == {"h": 10, "w": 24, "x": 0, "y": 8}
    assert log_panel["datasource"] == {"type": "loki", "uid": "${loki}"}
    assert log_panel["targets"][0]["queryType"] == "range"
    assert [(v["name"], v["query"]) for v in doc["templating"]["list"]] == [("datasource", "prometheus"),
                                                                            ("loki", "loki")]


def test_dict_board_input_is_not_mutated():
    board = minimal()
    before = copy.deepcopy(board)
    normalize(board, "mini", WHERE)
    assert board == before


def test_normalization_is_idempotent(registry):
    once = normalize(raw_grafanalib_board(), "raw", WHERE)
    assert normalize(once, "raw", WHERE) == once


def test_rows_keep_their_panels_and_get_ids(registry):
    board = D.dashboard("rowed", "Rowed", [D.row("Top"), D.stat("A", D.Series("up", help="Targets up."))])
    doc = normalize(board.dashboard, "rowed", WHERE)
    assert schema_errors(registry, doc) == []
    row, stat = doc["panels"]
    assert row == {"type": "row", "title": "Top", "collapsed": False, "id": 1, "panels": [],
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}}
    assert stat["id"] == 2 and stat["gridPos"]["y"] == 1


@pytest.mark.parametrize("board, message", [
    (lambda: minimal(rows=[{"panels": []}]), "uses legacy `rows`"),
    (lambda: minimal(colour="red"), "the dashboard has unknown keys `colour`"),
    (lambda: minimal(uid="other"), "uid `other` differs from the board's uid"),
    (lambda: minimal(title=""), "has no title"),
    (lambda: minimal(panels=[]), "has no panels"),
    (lambda: minimal(panels=[{"title": "T", "targets": []}]), "panel `T` has no type"),
    (lambda: minimal(panels=[{"type": "stat", "title": "T", "size": 3}]), "panel `T` has unknown keys `size`"),
    (lambda: minimal(panels=[{"type": "stat", "title": "T", "datasource": "MySQL", "targets": [{"expr": "up"}]}]),
     "datasource `MySQL` is neither a datasource variable nor a provisioned datasource"),
    (lambda: minimal(panels=[{"type": "stat", "title": "T", "targets": [{"refId": "A"}]}]), "query A has no expr"),
    (lambda: minimal(panels=[{"type": "stat", "title": "T", "targets": [{"expr": "up", "expresion": "x"}]}]),
     "query A has unknown keys `expresion`"),
    (lambda: minimal(panels=[{"type": "stat", "title": "T", "fieldConfig": {"defaults": {"colour": "red"}}}]),
     "fieldConfig.defaults has unknown keys `colour`"),
    (lambda: minimal(panels=[{"type": "stat", "title": "T", "gridPos": {"x": 20, "y": 0, "w": 12, "h": 4}}]),
     "does not fit the 24-column grid"),
    (lambda: minimal(panels=[{"type": "stat", "title": "T", "datasource": "${prom}", "targets": [{"expr": "up"}]}]),
     "datasource variables ['prom'] are used but not defined"),
], ids=["refuses legacy rows", "refuses an unknown dashboard key", "refuses a uid that differs from the board",
        "refuses an untitled dashboard", "refuses an empty dashboard", "refuses a panel without a type",
        "refuses an unknown panel key", "refuses a fixed, unprovisioned datasource", "refuses a query without expr",
        "refuses an unknown query key", "refuses an unknown field config key", "refuses a panel off the grid",
        "refuses an undefined datasource variable"])
def test_normalization_refuses_what_grafana_would_reject(board, message):
    with pytest.raises(DefinitionError) as err:
        normalize(board(), "mini", WHERE)
    assert message in err.value.message and err.value.source == WHERE


def test_a_bad_board_names_its_source_through_generate(project):
    bad = Board(uid="bad", dashboard=minimal(uid="bad", rows=[{"x": 1}]), path="dashboards_src/bad.jsonnet", line=1)
    broken = dataclasses.replace(project, boards=(bad,))
    with pytest.raises(DefinitionError) as err:
        grafana.files(broken, Target(project.stack.profile("default")))
    assert str(err.value.source) == "dashboards_src/bad.jsonnet:1"
