"""input/parse and the reading layer: broken YAML/JSON become findings with lines; kinds come from content."""
from __future__ import annotations

import pytest

from obsgate.problem import Severity
from obsgate.validate import context, files, input_parse
from obsgate.validate.document import ParseError, parse as parse_doc

from validate_builders import ROOT, expect, make_ctx


def test_document_lines_point_at_keys_and_items():
    doc = parse_doc("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n  - record: a:b:c\n    expr: x\n")
    assert doc.line(("groups", 0, "rules", 1)) == 6
    assert doc.line(("groups", 0, "rules", 1, "expr")) == 7
    assert doc.line(("groups", 0, "rules", 9, "expr")) == 3  # nearest existing ancestor: `rules`
    assert doc.line(()) == 1


def test_json_documents_have_lines_too():
    doc = parse_doc('{\n  "panels": [\n    {"title": "a"},\n    {\n      "title": "b"\n    }\n  ]\n}\n', is_json=True)
    assert doc.data["panels"][1]["title"] == "b"
    assert doc.line(("panels", 1, "title")) == 5


@pytest.mark.parametrize("text, is_json, line, message", [
    ("groups:\n  - name: x\n    rules: [\n", False, 4, "invalid YAML: did not find expected node content"),
    ("a: 1\n b: 2\n", False, 2, "invalid YAML: mapping values are not allowed in this context"),
    ('{"uid": "x",\n "panels": [}\n', True, 2, "invalid JSON: Expecting value"),
], ids=["unclosed flow sequence", "bad indentation", "broken JSON"])
def test_parse_errors_carry_the_line(text, is_json, line, message):
    with pytest.raises(ParseError) as err:
        parse_doc(text, is_json)
    assert err.value.line == line and err.value.message.startswith(message)


@pytest.mark.parametrize("path, data, kind", [
    ("rules.yml", {"groups": []}, files.PROM_RULES),
    ("loki/rules/fake/x.yml", {"groups": []}, files.PROM_RULES),  # a directory name says nothing
    ("x.yml", {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": 'sum(count_over_time({a="b"} |= "x" [5m]))'}]}]},
     files.LOKI_RULES),
    ("alert.rules", {"groups": []}, files.PROM_RULES),
    ("x.test.yml", {"rule_files": ["a.yml"], "tests": []}, files.PROM_TESTS),
    ("tests/x.test.yml", {"rule_files": ["a.yml"], "tests": [{"input_streams": []}]}, files.LOKI_TESTS),
    ("prometheus.yml", {"global": {}, "scrape_configs": []}, files.PROM_CONFIG),
    ("alertmanager.yml", {"global": {}, "route": {}}, files.AM_CONFIG),
    ("docker-compose.yml", {"services": {}}, files.COMPOSE),
    ("loki.yml", {"auth_enabled": False, "schema_config": {}}, files.LOKI_CONFIG),
    ("d.json", {"uid": "x", "title": "t", "panels": []}, files.DASHBOARD),
    ("export.json", {"dashboard": {"uid": "x"}, "meta": {}}, files.DASHBOARD),
    ("datasources.yml", {"apiVersion": 1, "datasources": []}, files.OTHER),
    ("README.md", None, files.OTHER),
    ("random.yml", {"hello": "world"}, files.UNKNOWN),
    ("rule.yaml", {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "spec": {}}, files.OTHER),
    ("targets.yml", [{"targets": ["a:9100"]}], files.OTHER),
], ids=lambda v: v if isinstance(v, str) else "")
def test_classify_by_content(path, data, kind):
    assert files.classify(path, data) == kind


def test_broken_files_are_classified_by_name():
    assert files.classify("generated/prometheus/rules/x.yml", None, broken=True) == files.UNKNOWN
    assert files.classify("shop-alerts.yml", None, broken=True) == files.PROM_RULES
    assert files.classify("dash.json", None, broken=True) == files.DASHBOARD


CASES = [
    ("accepts valid YAML and JSON", {"r.yml": {"groups": []}, "d.json": {"uid": "a", "title": "b", "panels": []}}, []),
    ("rejects broken YAML at its line", {"r.yml": "groups:\n  - name: x\n    rules: [\n"},
     ["invalid YAML: did not find expected node content"]),
    ("rejects broken JSON at its line", {"d.json": '{"uid": "x",\n "panels": [}\n'}, ["invalid JSON: Expecting value"]),
    ("rejects files of no known kind, naming them", {"hello.yml": {"hello": "world"}},
     ["hello.yml` is, so nothing in it was checked"]),
]


@pytest.mark.parametrize("files_, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_input_parse(tmp_path, files_, expected):
    expect(input_parse.check(make_ctx(tmp_path, files_)), expected)


def test_broken_file_is_an_error_at_its_line(tmp_path):
    [p] = input_parse.check(make_ctx(tmp_path, {"r.yml": "groups:\n  - name: x\n    rules: [\n"}))
    assert (p.severity, p.line, p.path) == (Severity.ERROR, 4, str(tmp_path / "r.yml"))


def test_missing_and_empty_inputs_are_unreadable(tmp_path):
    with pytest.raises(files.Unreadable, match="no such file or directory"):
        context.for_paths(ROOT, None, [str(tmp_path / "nope.yml")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(files.Unreadable, match="no YAML or JSON files"):
        context.for_paths(ROOT, None, [str(tmp_path / "empty")])
    (tmp_path / "bin.yml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(files.Unreadable, match="not a UTF-8 text file"):
        context.for_paths(ROOT, None, [str(tmp_path / "bin.yml")])


def test_directories_are_walked_for_yaml_and_json(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "sub" / "r.yml").write_text("groups: []\n")
    (tmp_path / "d" / "x.json").write_text('{"uid": "a", "title": "b", "panels": []}')
    (tmp_path / "d" / "notes.txt").write_text("ignored")
    (tmp_path / "d" / ".hidden").mkdir()
    (tmp_path / "d" / ".hidden" / "h.yml").write_text("groups: []\n")
    ctx = context.for_paths(ROOT, None, [str(tmp_path / "d")])
    assert sorted((f.path.rsplit("/", 1)[1], f.kind) for f in ctx.files) == [("r.yml", files.PROM_RULES),
                                                                              ("x.json", files.DASHBOARD)]
