"""loki/* on obsgate's LogQL engine: rule files (syntax with file line and column, structure, templates),
LogQL panels, and the catalog cross-checks (stream labels, values, fields, parser vs format)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from obsgate import logql
from obsgate.model.catalog import LogStream
from obsgate.problem import Severity
from obsgate.validate import context, loki_rules
from obsgate.validate.base import Subject

FIXTURE = "tests/fixtures/loki/rules/fake/fixture_logs.yml"
GOOD_RULE = """\
      - alert: Good
        expr: sum(count_over_time({job="app"}[5m])) > 1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def run(root: Path, *paths: Path, project=None):
    ctx = context.for_paths(root, project, [str(p) for p in paths], external=project is None)
    # the catalog checks' "skipped: no project catalog" INFO has a test of its own (below)
    return [p for p in loki_rules.check(ctx) if not p.message.startswith("skipped: no project catalog")]


def test_accepts_valid_loki_rules(repo_root):
    assert run(repo_root, repo_root / FIXTURE) == []


def test_the_check_is_registered_and_needs_no_tool():
    from obsgate.validate.registry import CHECKS
    [c] = [c for c in CHECKS if c.id == "loki/rules"]
    assert c.tools == () and c.kinds == ("loki-rules",)


def test_a_broken_expression_points_at_file_line_and_column(tmp_path):
    path = write(tmp_path, "app.yml", """
groups:
  - name: app
    rules:
""" + GOOD_RULE + """\
      - alert: BrokenBurst
        expr: sum by (service) (count_over_time({job="app"} |= "error" [5m]) > 10
""")
    [p] = run(tmp_path, path)
    assert (p.check, p.severity, p.line) == ("loki/rules", Severity.ERROR, 7) and p.path.endswith("app.yml")
    assert p.message == ("alert `BrokenBurst` in group `app`: column 82: parse error at line 1, col 68 of the "
                         "expression: unexpected end of query (expected one of `,` or `)`)")
    assert p.details.splitlines()[1].index("^") == 67  # under the end of the expression


def test_a_block_scalar_expression_maps_its_line_and_indentation(tmp_path):
    path = write(tmp_path, "block.yml", """
groups:
  - name: b
    rules:
      - alert: Block
        expr: |
          sum(count_over_time({job="app"}
            |~ "x[" [5m])) > 1
""")
    [p] = run(tmp_path, path)
    assert p.line == 7 and "column 16: parse error at line 2, col 6 of the expression: invalid regex `x[`" in p.message


def test_reports_every_broken_rule_of_a_file(tmp_path):
    path = write(tmp_path, "many.yml", """
groups:
  - name: one
    rules:
      - alert: MissingParen
        expr: sum(count_over_time({job="app"}[5m]) > 1
      - alert: BadTemplate
        expr: sum(count_over_time({job="app"}[5m])) > 1
        annotations:
          summary: "{{ $labels.service "
  - name: two
    rules:
""" + GOOD_RULE + """\
      - alert: BadSelector
        expr: sum(count_over_time({job=app}[5m])) > 1
""")
    found = {(p.line, p.message.split(":")[0]) for p in run(tmp_path, path)}
    assert found == {(5, "alert `MissingParen` in group `one`"), (9, "alert `BadTemplate` in group `one`"),
                     (15, "alert `BadSelector` in group `two`")}


@pytest.mark.parametrize("annotation, fragment", [
    ('"{{ $labels.service "', "unclosed action"),
    ('"{{ $value | humanise }}"', 'function "humanise" not defined'),
    ('"{{ $lables.service }}"', "undefined variable: $lables"),
], ids=["unclosed action", "unknown function", "unknown variable"])
def test_template_errors_get_a_template_hint(tmp_path, annotation, fragment):
    path = write(tmp_path, "t.yml", f"""
        groups:
          - name: t
            rules:
              - alert: BadTemplate
                expr: sum(count_over_time({{job="app"}}[5m])) > 1
                annotations:
                  summary: {annotation}
        """)
    [p] = run(tmp_path, path)
    assert fragment in p.message and p.line == 7 and "{{ $labels.service }}" in p.hint


def test_alerts_and_recording_rules_must_be_metric_queries(tmp_path):
    path = write(tmp_path, "log.yml", """
        groups:
          - name: l
            rules:
              - alert: LogQuery
                expr: '{job="app"} |= "error"'
        """)
    [p] = run(tmp_path, path)
    assert "the expression is a log query; a rule needs a metric query" in p.message


def test_recording_rule_names_follow_the_best_practice(tmp_path):
    path = write(tmp_path, "rec.yml", """
        groups:
          - name: rec
            rules:
              - record: service:log_errors:rate5m
                expr: sum by (service) (rate({job="app"} |= "error" [5m]))
              - record: errors
                expr: sum(rate({job="app"} |= "error" [5m]))
        """)
    [p] = run(tmp_path, path)
    assert p.line == 6 and p.severity == Severity.WARNING
    assert p.message.startswith("record `errors` in group `rec`: recording rule name does not match")


def test_group_faults_point_at_their_line(tmp_path):
    path = write(tmp_path, "dup.yml", """
groups:
  - name: same
    rules:
""" + GOOD_RULE + """\
  - name: same
    colour: red
    rules:
""" + GOOD_RULE)
    found = {(p.line, p.message) for p in run(tmp_path, path)}
    assert found == {(6, 'groupname: "same" is repeated in the same file'),
                     (7, "group `same`: field colour not found")}


def test_unknown_rule_fields_and_bad_durations(tmp_path):
    path = write(tmp_path, "f.yml", """
        groups:
          - name: f
            rules:
              - alert: A
                expr: sum(count_over_time({job="app"}[5m])) > 1
                for: soon
                severity: high
        """)
    found = {(p.line, p.message) for p in run(tmp_path, path)}
    assert found == {(6, "alert `A` in group `f`: `for` is not a duration: `soon`"),
                     (7, "alert `A` in group `f`: field severity not found in type rulefmt.Rule")}


def test_duplicate_recording_rules_are_a_warning(tmp_path):
    path = write(tmp_path, "d.yml", """
        groups:
          - name: d
            rules:
              - record: app:errors:count5m
                expr: sum(count_over_time({job="app"}[5m]))
              - record: app:errors:count5m
                expr: sum(count_over_time({job="app"}[1m]))
        """)
    [p] = run(tmp_path, path)
    assert p.severity == Severity.WARNING and p.message == "duplicate rule `app:errors:count5m` with the same labels"


def test_unsupported_constructs_are_named_never_passed(tmp_path):
    path = write(tmp_path, "u.yml", """
        groups:
          - name: u
            rules:
              - record: app:x:sub
                expr: sum(count_over_time({job="app"}[5m:1m]))
        """)
    [p] = run(tmp_path, path)
    assert p.severity == Severity.WARNING  # Loki may accept it; this engine cannot vouch for it
    assert "not checked: not supported by obsgate's LogQL engine: subqueries" in p.message


def test_without_a_catalog_the_catalog_checks_say_they_were_skipped(repo_root):
    ctx = context.for_paths(repo_root, None, [str(repo_root / FIXTURE)], external=True)
    [p] = loki_rules.check(ctx)
    assert (p.check, p.severity) == ("loki/stream-label", Severity.INFO) and "no project catalog" in p.message


def test_ignores_files_without_loki_rules(tmp_path):
    path = write(tmp_path, "prom.yml", "groups:\n  - name: p\n    rules:\n      - record: a:b:c\n        expr: sum(x)\n")
    assert run(tmp_path, path) == []


# --- catalog cross-checks ----------------------------------------------------------------------------

STREAMS = (
    LogStream("gw_logs", labels={"service": ["llm-gateway"], "level": ["info", "error"]},
              fields=("event", "status", "latency", "level"), format="json"),
    LogStream("guard_logs", labels={"service": ["llm-guard"], "level": ["info", "error"]},
              fields=("scanner", "msg"), format="logfmt"),
)
SUBJECT = Subject("rules_src/x.py", 3, "X")


def xref(expr: str, subject=SUBJECT):
    return [(p.check, p.message) for p in loki_rules.catalog_findings(logql.parse(expr), STREAMS, subject, "alert `X`")]


@pytest.mark.parametrize("expr", [
    'sum(count_over_time({service="llm-gateway", level="error"}[5m]))',
    'sum by (status) (count_over_time({service=~"llm-.*"} | json | status >= 500 [5m]))',
    'sum(count_over_time({service="llm-guard"} | logfmt | scanner="pii" | __error__="" [5m]))',
    'avg_over_time({service="llm-gateway"} | json | unwrap duration(latency) [5m]) by (event)',
    'sum(count_over_time({service="llm-gateway"} | json | level_extracted="error" [5m]))',
    'sum(count_over_time({service="llm-gateway"} | regexp `code=(?P<code>\\d+)` | code="5" [5m]))',
    'sum(count_over_time({service="llm-gateway"} | json | label_format s=status | s="x" [5m]))',
    '{service="grafana_var_service"} |= "x"',
    'sum(count_over_time({service="llm-gateway"} | json code="status" | code="502" [5m]))',
], ids=["stream labels", "regex selector and json field", "logfmt field and __error__", "unwrap and grouping",
        "the _extracted suffix", "regexp capture", "label_format creates a label", "a Grafana variable value",
        "json parameter"])
def test_accepts_valid_queries_against_the_catalog(expr):
    assert xref(expr) == []


@pytest.mark.parametrize("expr, check, fragment", [
    ('sum(count_over_time({app="llm-gateway"}[5m]))', "loki/stream-label",
     "selects streams by `app`, a label no log stream declares (declared: level, service)"),
    ('sum(count_over_time({service="llm-gatewya"}[5m]))', "loki/label-value",
     '`service="llm-gatewya"` matches no declared value of `service` (llm-gateway, llm-guard)'),
    ('sum(count_over_time({service="llm-guard", level="debug"}[5m]))', "loki/label-value",
     '`level="debug"` matches no declared value of `level`'),
    ('sum(count_over_time({service="llm-gateway"} | json | stauts >= 500 [5m]))', "loki/field",
     "filters on `stauts`, which no stream matching `{service=\"llm-gateway\"}` declares"),
    ('sum(count_over_time({service="llm-gateway"} | status >= 500 [5m]))', "loki/field",
     "filters on `status`"),
    ('sum by (scanner) (count_over_time({service="llm-gateway"} | json [5m]))', "loki/field",
     "groups by `scanner`"),
    ('sum_over_time({service="llm-guard"} | logfmt | unwrap latency [5m])', "loki/field", "unwraps `latency`"),
    ('sum(count_over_time({service="llm-guard"} | json [5m]))', "loki/parser",
     "`| json` on guard_logs, declared logfmt"),
    ('sum(count_over_time({service="llm-gateway"} | logfmt [5m]))', "loki/parser",
     "`| logfmt` on gw_logs, declared json"),
], ids=["unknown stream label", "undeclared value", "undeclared value of a second label", "misspelt field",
        "field read before any parser", "grouping by another stream's field", "unwrap of an undeclared field",
        "json on a logfmt stream", "logfmt on a json stream"])
def test_rejects_queries_the_catalog_does_not_back(expr, check, fragment):
    found = xref(expr)
    assert any(c == check and fragment in m for c, m in found), found


def test_a_misspelt_field_gets_a_suggestion():
    [p] = loki_rules.catalog_findings(logql.parse('sum(count_over_time({service="llm-gateway"} | json | '
                                                  'stauts="x" [5m]))'), STREAMS, SUBJECT, "alert `X`")
    assert p.hint.startswith("did you mean `status`?")


def test_catalog_findings_are_suppressed_like_xref():
    from obsgate.model.rules import Suppress
    subject = Subject("rules_src/x.py", 3, "X", (Suppress("loki/field", "the field is added by a sidecar"),))
    [p] = loki_rules.catalog_findings(logql.parse('sum(count_over_time({service="llm-gateway"} | json | '
                                                  'extra="x" [5m]))'), STREAMS, subject, "alert `X`")
    assert p.severity == Severity.INFO and p.message.startswith("suppressed: the field is added by a sidecar")


def test_the_repo_project_catalog_checks_its_own_loki_rules_and_panels(repo_root):
    """Every generated Loki rule and LogQL panel of the repo parses and matches the catalog."""
    from obsgate.load import load
    from obsgate.validate.items import panels, rules
    project = load(repo_root)
    ctx = context.for_paths(repo_root, project, [str(repo_root / "generated" / "loki" / "rules"),
                                                 str(repo_root / "generated" / "grafana" / "dashboards")])
    logql_rules = [r for r in rules(ctx.files, project) if r.lang == "logql"]
    assert logql_rules and panels(ctx.files, project)
    problems = [p for p in loki_rules._queries(ctx) if not p.path.startswith("rules_src/") or "step" not in p.message]
    assert problems == []


def test_logql_panel_queries_are_parsed_with_grafana_variables_substituted(tmp_path):
    import json
    dash = {"uid": "logs", "title": "Logs", "schemaVersion": 39, "templating": {"list": []}, "panels": [
        {"type": "timeseries", "title": "Errors", "datasource": {"type": "loki", "uid": "loki"},
         "targets": [{"expr": 'sum by (service) (count_over_time({service=~"$service"} |= "$search" [$__auto]))'}]},
        {"type": "logs", "title": "Broken", "datasource": {"type": "loki", "uid": "loki"},
         "targets": [{"expr": '{service="api"} | json | status >= '}]},
        {"type": "timeseries", "title": "PromQL", "datasource": {"type": "prometheus", "uid": "prom"},
         "targets": [{"expr": "sum(rate(x[5m]))"}]},
    ]}
    path = tmp_path / "logs.json"
    path.write_text(json.dumps(dash, indent=2))
    [p] = run(tmp_path, path)
    assert p.check == "loki/rules" and p.message.startswith("panel `Broken`: parse error at line 1, col 36")
    assert p.line == path.read_text().splitlines().index(next(
        line for line in path.read_text().splitlines() if "status >=" in line)) + 1
