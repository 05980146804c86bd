"""The drill exporter serves exactly what the last drill wrote, for the series the catalog declares."""
from __future__ import annotations

import json

from obsgate.load import load
from obsgate.sim.drill_exporter import DrillExporterApp, drill_metrics
from obsgate.sim.httpd import Request


def scrape(app) -> str:
    resp = app.handle(Request("GET", "/metrics", {}))
    assert resp.status == 200
    return resp.body.decode()


def test_serves_the_drills_samples_with_catalog_help_and_nothing_before_a_drill(repo_root, tmp_path):
    metrics = drill_metrics(load(repo_root))
    state = tmp_path / "metrics.json"
    app = DrillExporterApp(metrics, state)
    assert scrape(app) == ""  # no drill yet: no series, rather than invented zeros
    state.write_text(json.dumps({"samples": [
        {"name": "dr_drill_last_result", "labels": {"drill": "stack_restore"}, "value": 0.0},
        {"name": "stack_backup_size_bytes", "labels": {"component": "mongo"}, "value": 153944},
        {"name": "not_in_the_catalog", "labels": {}, "value": 1}]}))
    text = scrape(app)
    assert 'dr_drill_last_result{drill="stack_restore"} 0.0' in text
    assert 'stack_backup_size_bytes{component="mongo"} 153944.0' in text
    assert "# HELP dr_drill_last_result Outcome of the last finished drill: 1 passed, 0 failed." in text
    assert "not_in_the_catalog" not in text
    assert json.loads(app.handle(Request("GET", "/healthz", {})).body)["samples"] == 3


def test_an_unreadable_state_file_serves_no_series(repo_root, tmp_path):
    state = tmp_path / "metrics.json"
    state.write_text("{torn")
    assert scrape(DrillExporterApp(drill_metrics(load(repo_root)), state)) == ""
