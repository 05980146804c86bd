"""schema/*: each file kind against its upstream schema, with the offending path and line."""
from __future__ import annotations

import pytest

from obsgate.problem import Severity
from obsgate.validate import schemas
from obsgate.validate.registry import by_id

from validate_builders import alert, dashboard, expect, make_ctx, panel, rules_file

GOOD_TESTS = {"rule_files": ["rules.yml"], "tests": [
    {"interval": "1m", "input_series": [{"series": "up", "values": "1x5"}],
     "alert_rule_test": [{"eval_time": "5m", "alertname": "A", "exp_alerts": []}]}]}
GOOD_AM = {"route": {"receiver": "x"}, "receivers": [{"name": "x"}]}
GOOD_PROM = {"global": {"scrape_interval": "15s"}, "scrape_configs": [
    {"job_name": "shop", "static_configs": [{"targets": ["shop:8080"]}]}]}
GOOD_COMPOSE = {"services": {"shop": {"image": "shop:1.0", "ports": ["127.0.0.1:8080:8080"]}}}


def run(check_id, tmp_path, files):
    return by_id()[check_id].run(make_ctx(tmp_path, files))


CASES = [
    ("accepts valid rule files", "schema/prom-rules", {"r.yml": rules_file(alert())}, []),
    ("rejects a rule without expr", "schema/prom-rules",
     {"r.yml": {"groups": [{"name": "g", "rules": [{"alert": "A"}]}]}}, ["`groups/0/rules/0`"]),
    ("rejects a group without a name", "schema/prom-rules", {"r.yml": {"groups": [{"rules": []}]}},
     ["`groups/0`: 'name' is a required property"]),
    ("accepts valid promtool test files", "schema/prom-rule-tests", {"r.test.yml": GOOD_TESTS}, []),
    ("rejects a test without input_series", "schema/prom-rule-tests",
     {"r.test.yml": {"rule_files": ["r.yml"], "tests": [{"interval": "1m"}]}}, ["`tests/0`"]),
    ("accepts valid alertmanager.yml", "schema/alertmanager", {"alertmanager.yml": GOOD_AM}, []),
    ("rejects a misspelt route key", "schema/alertmanager",
     {"alertmanager.yml": {"route": {"reciever": "x"}, "receivers": [{"name": "x"}]}}, ["`route`"]),
    ("accepts valid prometheus.yml", "schema/prom-config", {"prometheus.yml": GOOD_PROM}, []),
    ("rejects a scrape config without job_name", "schema/prom-config",
     {"prometheus.yml": {"scrape_configs": [{"static_configs": [{"targets": ["a:1"]}]}]}},
     ["`scrape_configs/0`: 'job_name' is a required property"]),
    ("accepts valid compose files", "schema/compose", {"docker-compose.yml": GOOD_COMPOSE}, []),
    ("rejects an unknown service key", "schema/compose",
     {"docker-compose.yml": {"services": {"shop": {"image": "shop:1.0", "portz": []}}}}, ["`services/shop`"]),
    ("accepts valid dashboards", "schema/grafana-dashboard", {"d.json": dashboard(panel())}, []),
    ("ignores files of other kinds", "schema/grafana-dashboard", {"r.yml": rules_file(alert())}, []),
    ("rejects legacy dashboard keys", "schema/grafana-dashboard", {"d.json": {**dashboard(panel()), "rows": []}},
     ["Additional properties are not allowed ('rows' was unexpected)"]),
    ("rejects a misspelt query key in a target", "schema/grafana-dashboard",
     {"d.json": dashboard(panel(targets=[{"refId": "A", "expr": "up", "legend": "x"}]))},
     ["`panels/0/targets/0`: Additional properties are not allowed ('legend' was unexpected)"]),
]


@pytest.mark.parametrize("check_id, files, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_schema(tmp_path, check_id, files, expected):
    expect(run(check_id, tmp_path, files), expected)


def test_schema_error_points_at_the_offending_line(tmp_path):
    files = {"r.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: soon\n"}
    [p] = run("schema/prom-rules", tmp_path, files)
    assert p.line == 6 and p.severity is Severity.ERROR and "groups/0/rules/0/for" in p.message


def test_missing_schema_directory_is_a_skip_warning_not_a_pass(tmp_path):
    ctx = make_ctx(tmp_path, {"r.yml": rules_file(alert())}, schemas=tmp_path / "nowhere")
    [p] = by_id()["schema/prom-rules"].run(ctx)
    assert p.severity is Severity.WARNING and p.message.startswith("skipped: schema schemastore/prometheus.rules.json")


def test_errors_per_file_are_capped(tmp_path):
    rules = [{"alert": f"A{i}"} for i in range(30)]
    found = run("schema/prom-rules", tmp_path, {"r.yml": {"groups": [{"name": "g", "rules": rules}]}})
    assert len(found) == schemas.MAX_PER_FILE + 1
    assert found[-1].message == "10 more schema errors not shown"
